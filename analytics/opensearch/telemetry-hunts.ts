/**
 * OpenSearch Dashboards counterparts of the telemetry hunting queries (analytics/sql/telemetry/):
 * one saved search per hunt, over the same index pattern as the dashboards, filtered to the
 * telemetry dataset (`symantec_endpoint_security.event`), with the columns the SQL groups by.
 * Written to analytics/opensearch/telemetry-hunts.ndjson (regenerate with
 * `npx tsx analytics/opensearch/telemetry-hunts.ts`); a test keeps the two in step.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INDEX_PATTERN_ID } from './saved-objects.ts';

export const TELEMETRY_HUNTS_PATH = fileURLToPath(new URL('./telemetry-hunts.ndjson', import.meta.url));
const TELEMETRY = 'data_stream.dataset:"symantec_endpoint_security.event"';
const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

export interface SavedSearch {
  type: 'search';
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
  migrationVersion: Record<string, string>;
}

/** The hunts: id, SQL file it mirrors, title, KQL, columns. */
export const HUNTS: ReadonlyArray<{
  id: string;
  sql: string;
  title: string;
  query: string;
  columns: string[];
}> = [
  {
    id: 'ses-hunt-process-executions',
    sql: 'process_executions_per_device',
    title: 'Hunt: Process executions per device',
    query: `${TELEMETRY} and ses.type_id:"8001"`,
    columns: ['host.hostname', 'process.name', 'process.executable', 'process.command_line', 'user.name'],
  },
  {
    id: 'ses-hunt-first-seen-hashes',
    sql: 'first_seen_file_hashes',
    title: 'Hunt: First-seen file hashes',
    query: `${TELEMETRY} and ses.type_id:("8003" or "8031") and file.hash.sha256:*`,
    columns: ['file.hash.sha256', 'file.name', 'file.path', 'host.hostname'],
  },
  {
    id: 'ses-hunt-outbound-connections',
    sql: 'outbound_connections',
    title: 'Hunt: Outbound connections by destination and port',
    query: `${TELEMETRY} and ses.type_id:"8007" and network.direction:"outbound"`,
    columns: ['destination.ip', 'destination.port', 'network.transport', 'host.hostname', 'process.name'],
  },
  {
    id: 'ses-hunt-parent-child-pairs',
    sql: 'rare_process_pairs',
    title: 'Hunt: Parent → child process pairs',
    query: `${TELEMETRY} and ses.type_id:"8001" and process.parent.name:*`,
    columns: ['process.parent.name', 'process.name', 'process.command_line', 'host.hostname'],
  },
];

export function buildTelemetryHunts(): SavedSearch[] {
  return HUNTS.map((h) => ({
    type: 'search',
    id: h.id,
    attributes: {
      title: h.title,
      description: `Counterpart of analytics/sql/telemetry/${h.sql}.sql (aggregate the columns in Discover or a visualization).`,
      columns: h.columns,
      sort: [['@timestamp', 'desc']],
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { query: h.query, language: 'kuery' },
          filter: [],
          indexRefName: INDEX_REF,
        }),
      },
    },
    references: [{ name: INDEX_REF, type: 'index-pattern', id: INDEX_PATTERN_ID }],
    migrationVersion: { search: '7.9.3' },
  }));
}

export function telemetryHuntsNdjson(): string {
  return `${buildTelemetryHunts()
    .map((o) => JSON.stringify(o))
    .join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(TELEMETRY_HUNTS_PATH, telemetryHuntsNdjson());
  process.stdout.write(`wrote ${TELEMETRY_HUNTS_PATH}\n`);
}
