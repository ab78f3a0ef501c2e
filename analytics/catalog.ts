/**
 * The query catalogue: every `analytics/sql/**\/*.sql` file with the metadata of its header.
 *
 * A file starts with `-- key: value` comment lines:
 * - `title`, `description`: shown in Athena (named query description) and in the report;
 * - `kind: view` for `CREATE OR REPLACE VIEW` files (run once, in catalogue order), otherwise a query;
 * - `dashboard: incidents|events` and `panel: kpi|pie|bar|line|stacked_bar|table` for widgets;
 * - `params: a, b, c`: the names of the positional `?` execution parameters, in order. Each is a
 *   Sumo-style match pattern, case-insensitive, `*` = anything; pass `'*'` for "no filter".
 *
 * The same text runs unchanged in Athena (engine v3, Trino) and in DuckDB (analytics/duckdb.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder holding the SQL files. */
export const SQL_DIR = fileURLToPath(new URL('./sql/', import.meta.url));

export type DashboardName = 'incidents' | 'events';
export type PanelKind = 'kpi' | 'pie' | 'bar' | 'line' | 'stacked_bar' | 'table';

/** Names of the dashboard filters, as used in `params` headers. */
export const FILTER_NAMES = [
  'severity',
  'category',
  'type',
  'state',
  'conclusion',
  'user_name',
  'device_name',
] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
/** Filter values: Sumo-style patterns (`*` wildcard, case-insensitive); missing = no filter. */
export type Filters = Partial<Record<FilterName, string>>;

export interface QueryDefinition {
  /** File name without `.sql`; also the Athena named-query / view name. */
  name: string;
  /** Path relative to `analytics/sql/`, e.g. `incidents/incidents_by_severity.sql`. */
  file: string;
  kind: 'view' | 'query';
  title: string;
  description: string;
  dashboard?: DashboardName;
  panel?: PanelKind;
  params: FilterName[];
  /** The whole file, header comments included. */
  sql: string;
}

const PANELS: readonly string[] = ['kpi', 'pie', 'bar', 'line', 'stacked_bar', 'table'];

function listSqlFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSqlFiles(path));
    else if (entry.name.endsWith('.sql')) found.push(path);
  }
  return found.sort();
}

/** Parse one SQL file's header; throws naming the file when the header is incomplete. */
export function parseQueryFile(file: string, sql: string): QueryDefinition {
  const header = new Map<string, string>();
  for (const line of sql.split('\n')) {
    const match = /^--\s*([a-z_]+):\s*(.*)$/.exec(line);
    if (!match) break;
    header.set(match[1]!, match[2]!.trim());
  }
  const name = file.replace(/^.*\//, '').replace(/\.sql$/, '');
  const title = header.get('title');
  if (!title) throw new Error(`analytics/sql/${file}: the header needs a "-- title:" line`);
  const params = (header.get('params') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const p of params) {
    if (!(FILTER_NAMES as readonly string[]).includes(p)) {
      throw new Error(`analytics/sql/${file}: unknown parameter "${p}" (known: ${FILTER_NAMES.join(', ')})`);
    }
  }
  const dashboard = header.get('dashboard');
  if (dashboard !== undefined && dashboard !== 'incidents' && dashboard !== 'events') {
    throw new Error(`analytics/sql/${file}: dashboard must be incidents or events`);
  }
  const panel = header.get('panel');
  if (panel !== undefined && !PANELS.includes(panel)) {
    throw new Error(`analytics/sql/${file}: panel must be one of ${PANELS.join(', ')}`);
  }
  const definition: QueryDefinition = {
    name,
    file,
    kind: header.get('kind') === 'view' ? 'view' : 'query',
    title,
    description: header.get('description') ?? '',
    params: params as FilterName[],
    sql,
  };
  if (dashboard) definition.dashboard = dashboard;
  if (panel) definition.panel = panel as PanelKind;
  return definition;
}

/** Every SQL file of the catalogue: views first (incident_latest, event_latest), then queries by file. */
export function loadCatalog(dir: string = SQL_DIR): QueryDefinition[] {
  const defs = listSqlFiles(dir).map((path) =>
    parseQueryFile(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8')),
  );
  const views = defs.filter((d) => d.kind === 'view');
  const queries = defs.filter((d) => d.kind === 'query');
  return [...views, ...queries];
}

/** Positional execution parameters of a query for the given filters (`'*'` where unset). */
export function parameterValues(definition: QueryDefinition, filters: Filters = {}): string[] {
  return definition.params.map((name) => {
    const value = filters[name];
    return value === undefined || value === '' ? '*' : value;
  });
}

/** The view the Events Overview queries read when they run on telemetry. */
export const TELEMETRY_OVERVIEW_VIEW = 'telemetry_overview';

/**
 * An Events Overview query run on endpoint telemetry: the same text reading `telemetry_overview` (the
 * telemetry with event_latest's columns) instead of `event_latest`. Name suffixed `_telemetry`.
 */
export function onTelemetry(definition: QueryDefinition): QueryDefinition {
  if (definition.dashboard !== 'events' || !/\bFROM event_latest\b/.test(definition.sql)) {
    throw new Error(`${definition.file}: only Events Overview queries reading event_latest run on telemetry`);
  }
  return {
    ...definition,
    name: `${definition.name}_telemetry`,
    title: `${definition.title} (telemetry)`,
    sql: definition.sql.replace(/\bFROM event_latest\b/g, `FROM ${TELEMETRY_OVERVIEW_VIEW}`),
  };
}
