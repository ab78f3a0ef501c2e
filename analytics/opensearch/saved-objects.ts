/**
 * OpenSearch Dashboards saved objects (index pattern, visualizations, the two dashboards) for the
 * stack's OpenSearch index (parameter OpenSearchIndex, default `symantec-edr-cloud`; every dataset
 * shares it, told apart by `event.dataset`). The generated NDJSON is committed as
 * analytics/opensearch/saved-objects.ndjson (regenerate with
 * `npx tsx analytics/opensearch/saved-objects.ts`); a test keeps the two in step.
 *
 * OpenSearch holds every version of an incident, so counts are unique counts (cardinality) of
 * `event.id` (the incident uid / the event uuid, per dataset): re-deliveries and
 * versions do not inflate them. A distribution by a changing field (state) counts an incident once
 * per value it ever had in the time range; the Athena/DuckDB queries use the latest version only.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Index pattern title: matches the default index and any rotated/suffixed variant. */
export const DEFAULT_INDEX_PATTERN = 'symantec-edr-cloud*';
export const INDEX_PATTERN_ID = 'ses-connector-index-pattern';
export const NDJSON_PATH = fileURLToPath(new URL('./saved-objects.ndjson', import.meta.url));

const INCIDENT = 'symantec_edr_cloud.incident.';
const EVENT = 'symantec_edr_cloud.event.';
const INCIDENT_QUERY = 'event.dataset:"symantec_edr_cloud.incident"';
const EVENT_QUERY = 'event.dataset:"symantec_edr_cloud.event"';
// ECS fields where the mapping has one, so the dashboards work in both output shapes
// (preserveDuplicateCustomFields off, the default, removes the vendor copies).
const INCIDENT_KEY = 'event.id';
const EVENT_KEY = 'event.id';

export interface SavedObject {
  type: 'index-pattern' | 'visualization' | 'dashboard';
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
  migrationVersion: Record<string, string>;
}

interface Agg {
  id: string;
  enabled: true;
  type: string;
  schema: string;
  params: Record<string, unknown>;
}

const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

function searchSource(query: string): Record<string, unknown> {
  return {
    searchSourceJSON: JSON.stringify({
      query: { query, language: 'kuery' },
      filter: [],
      indexRefName: INDEX_REF,
    }),
  };
}

function visualization(
  id: string,
  title: string,
  query: string,
  type: string,
  params: Record<string, unknown>,
  aggs: Agg[],
  description = '',
): SavedObject {
  return {
    type: 'visualization',
    id,
    attributes: {
      title,
      description,
      version: 1,
      uiStateJSON: '{}',
      visState: JSON.stringify({ title, type, params: { type, ...params }, aggs }),
      kibanaSavedObjectMeta: searchSource(query),
    },
    references: [{ name: INDEX_REF, type: 'index-pattern', id: INDEX_PATTERN_ID }],
    migrationVersion: { visualization: '7.10.0' },
  };
}

const uniqueCount = (field: string, label: string): Agg => ({
  id: '1',
  enabled: true,
  type: 'cardinality',
  schema: 'metric',
  params: { field, customLabel: label },
});

const terms = (id: string, schema: string, field: string, size: number, label?: string): Agg => ({
  id,
  enabled: true,
  type: 'terms',
  schema,
  params: {
    field,
    size,
    order: 'desc',
    orderBy: '1',
    otherBucket: false,
    missingBucket: true,
    missingBucketLabel: 'Unknown',
    ...(label ? { customLabel: label } : {}),
  },
});

/** Latest value of a field per bucket (top_hits sorted by @timestamp). */
const latest = (id: string, field: string, label: string): Agg => ({
  id,
  enabled: true,
  type: 'top_hits',
  schema: 'metric',
  params: {
    field,
    aggregate: 'concat',
    size: 1,
    sortField: '@timestamp',
    sortOrder: 'desc',
    customLabel: label,
  },
});

function metric(id: string, title: string, query: string, field: string): SavedObject {
  return visualization(
    id,
    title,
    query,
    'metric',
    {
      addTooltip: true,
      addLegend: false,
      metric: {
        percentageMode: false,
        useRanges: false,
        colorSchema: 'Green to Red',
        metricColorMode: 'None',
        colorsRange: [{ from: 0, to: 10000 }],
        labels: { show: true },
        invertColors: false,
        style: { bgFill: '#000', bgColor: false, labelColor: false, subText: '', fontSize: 48 },
      },
    },
    [uniqueCount(field, title)],
  );
}

function pie(
  id: string,
  title: string,
  query: string,
  key: string,
  field: string,
  unit: string,
): SavedObject {
  return visualization(
    id,
    title,
    query,
    'pie',
    {
      addTooltip: true,
      addLegend: true,
      legendPosition: 'right',
      isDonut: true,
      labels: { show: true, values: true, last_level: true, truncate: 100 },
    },
    [uniqueCount(key, unit), terms('2', 'segment', field, 20)],
  );
}

function bar(
  id: string,
  title: string,
  query: string,
  key: string,
  field: string,
  unit: string,
): SavedObject {
  return visualization(
    id,
    title,
    query,
    'horizontal_bar',
    {
      addTooltip: true,
      addLegend: false,
      legendPosition: 'right',
      seriesParams: [{ show: true, type: 'histogram', mode: 'normal', data: { id: '1', label: unit } }],
      valueAxes: [{ id: 'ValueAxis-1', name: 'LeftAxis-1', type: 'value', position: 'bottom', show: true }],
      categoryAxes: [{ id: 'CategoryAxis-1', type: 'category', position: 'left', show: true }],
    },
    [uniqueCount(key, unit), terms('2', 'segment', field, 10)],
  );
}

function overTime(
  id: string,
  title: string,
  query: string,
  key: string,
  timeField: string,
  unit: string,
  splitField?: string,
): SavedObject {
  const aggs: Agg[] = [
    uniqueCount(key, unit),
    {
      id: '2',
      enabled: true,
      type: 'date_histogram',
      schema: 'segment',
      params: { field: timeField, interval: 'd', min_doc_count: 1, extended_bounds: {} },
    },
  ];
  if (splitField) aggs.push(terms('3', 'group', splitField, 10));
  return visualization(
    id,
    title,
    query,
    'histogram',
    {
      addTooltip: true,
      addLegend: Boolean(splitField),
      legendPosition: 'right',
      seriesParams: [{ show: true, type: 'histogram', mode: 'stacked', data: { id: '1', label: unit } }],
      valueAxes: [{ id: 'ValueAxis-1', name: 'LeftAxis-1', type: 'value', position: 'left', show: true }],
      categoryAxes: [{ id: 'CategoryAxis-1', type: 'category', position: 'bottom', show: true }],
    },
    aggs,
  );
}

function table(
  id: string,
  title: string,
  query: string,
  key: string,
  unit: string,
  rows: Array<[string, number]>,
  latestFields: Array<[string, string]> = [],
): SavedObject {
  const aggs: Agg[] = [uniqueCount(key, unit)];
  rows.forEach(([field, size], i) => {
    aggs.push(terms(String(i + 2), 'bucket', field, size));
  });
  latestFields.forEach(([field, label], i) => {
    aggs.push(latest(String(100 + i), field, label));
  });
  return visualization(
    id,
    title,
    query,
    'table',
    { perPage: 20, showPartialRows: false, showTotal: false },
    aggs,
  );
}

function controls(id: string, title: string, fields: Array<[string, string]>): SavedObject {
  const object = visualization(
    id,
    title,
    '',
    'input_control_vis',
    {
      controls: fields.map(([fieldName, label], i) => ({
        id: String(i + 1),
        fieldName,
        label,
        type: 'list',
        options: { type: 'terms', multiselect: true, dynamicOptions: true, size: 20, order: 'desc' },
        parent: '',
        indexPatternRefName: `control_${i}_index_pattern`,
      })),
      updateFiltersOnChange: true,
      useTimeFilter: true,
      pinFilters: false,
    },
    [],
  );
  object.references = fields.map((_, i) => ({
    name: `control_${i}_index_pattern`,
    type: 'index-pattern',
    id: INDEX_PATTERN_ID,
  }));
  object.attributes['kibanaSavedObjectMeta'] = {
    searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
  };
  return object;
}

function markdown(id: string, title: string, text: string): SavedObject {
  const object = visualization(
    id,
    title,
    '',
    'markdown',
    { markdown: text, fontSize: 12, openLinksInNewTab: false },
    [],
  );
  object.references = [];
  object.attributes['kibanaSavedObjectMeta'] = {
    searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
  };
  return object;
}

function dashboard(id: string, title: string, description: string, panels: SavedObject[]): SavedObject {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const layout = panels.map((panel, i) => {
    const type = (JSON.parse(String(panel.attributes['visState'])) as { type: string }).type;
    const w =
      type === 'metric'
        ? 8
        : type === 'table' || type === 'histogram' || type === 'input_control_vis'
          ? 48
          : 16;
    const h = type === 'metric' ? 7 : type === 'input_control_vis' || type === 'markdown' ? 6 : 15;
    if (x + w > 48) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const entry = {
      version: '2.11.0',
      gridData: { x, y, w, h, i: String(i + 1) },
      panelIndex: String(i + 1),
      embeddableConfig: {},
      panelRefName: `panel_${i}`,
    };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return entry;
  });
  return {
    type: 'dashboard',
    id,
    attributes: {
      title,
      description,
      hits: 0,
      version: 1,
      timeRestore: true,
      timeFrom: 'now-30d',
      timeTo: 'now',
      refreshInterval: { pause: true, value: 0 },
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      panelsJSON: JSON.stringify(layout),
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: panels.map((panel, i) => ({ name: `panel_${i}`, type: 'visualization', id: panel.id })),
    migrationVersion: { dashboard: '7.9.3' },
  };
}

/** Every saved object, in import order (index pattern, visualizations, dashboards). */
export function buildSavedObjects(indexPattern: string = DEFAULT_INDEX_PATTERN): SavedObject[] {
  const I = INCIDENT_QUERY;
  const E = EVENT_QUERY;
  const open = `${I} and ${INCIDENT}state_id:("0" or "1" or "2" or "3")`;
  const incidents: SavedObject[] = [
    controls('ses-incident-filters', 'SES Incidents - Filters', [
      [`${INCIDENT}severity`, 'Severity'],
      [`${INCIDENT}category`, 'Category'],
      [`${INCIDENT}type`, 'Type'],
      [`${INCIDENT}state`, 'State'],
      ['event.reason', 'Conclusion'],
    ]),
    metric('ses-incidents-total', 'Total Incidents', I, INCIDENT_KEY),
    metric('ses-incidents-open', 'Open Incidents', open, INCIDENT_KEY),
    metric(
      'ses-incidents-high-severity',
      'High Severity Incidents',
      `${I} and event.severity >= 4 and event.severity <= 5`,
      INCIDENT_KEY,
    ),
    metric(
      'ses-incidents-high-priority',
      'High Priority Incidents',
      `${I} and ${INCIDENT}priority_id:("3" or "4")`,
      INCIDENT_KEY,
    ),
    metric('ses-incidents-cynic', 'Cynic Detections', `${I} and rule.name:*Cynic*`, INCIDENT_KEY),
    metric('ses-incidents-new', 'New Incidents', `${I} and ${INCIDENT}state_id:"1"`, INCIDENT_KEY),
    metric('ses-incidents-unknown', 'Unknown Incidents', `${I} and ${INCIDENT}state_id:"0"`, INCIDENT_KEY),
    metric(
      'ses-incidents-resolved',
      'Resolved or Closed Incidents',
      `${I} and ${INCIDENT}state_id:("4" or "5")`,
      INCIDENT_KEY,
    ),
    pie('ses-incidents-by-type', 'Incidents by Type', I, INCIDENT_KEY, `${INCIDENT}type`, 'Incidents'),
    pie(
      'ses-incidents-by-severity',
      'Incidents by Severity',
      I,
      INCIDENT_KEY,
      `${INCIDENT}severity`,
      'Incidents',
    ),
    pie(
      'ses-incidents-by-category',
      'Incidents by Category',
      I,
      INCIDENT_KEY,
      `${INCIDENT}category`,
      'Incidents',
    ),
    pie(
      'ses-incidents-by-conclusion',
      'Incidents by Conclusion',
      I,
      INCIDENT_KEY,
      'event.reason',
      'Incidents',
    ),
    pie(
      'ses-incidents-by-detection-type',
      'Incidents by Detection Type',
      I,
      INCIDENT_KEY,
      `${INCIDENT}detection_type`,
      'Incidents',
    ),
    pie('ses-incidents-by-state', 'Incidents by State', I, INCIDENT_KEY, `${INCIDENT}state`, 'Incidents'),
    pie(
      'ses-incidents-by-priority',
      'Incidents by Priority',
      I,
      INCIDENT_KEY,
      `${INCIDENT}priority`,
      'Incidents',
    ),
    pie(
      'ses-incidents-by-suspected-breach',
      'Incidents by Suspected Breach',
      I,
      INCIDENT_KEY,
      `${INCIDENT}suspected_breach`,
      'Incidents',
    ),
    markdown(
      'ses-incidents-resolution-note',
      'Resolution Rate and Average Resolution Time',
      'Resolution rate = Resolved or Closed Incidents / Total Incidents. The average resolution time needs the latest version of each incident: run the Athena named query `incident_resolution` (or `npm run report` locally).',
    ),
    overTime(
      'ses-incidents-over-time',
      'Incidents Over Time',
      I,
      INCIDENT_KEY,
      'event.created',
      'Incidents',
      `${INCIDENT}state`,
    ),
    overTime(
      'ses-sandbox-detections-over-time',
      'Sandbox Detections Over Time',
      `${I} and ${INCIDENT}detection_type:"Sandbox"`,
      INCIDENT_KEY,
      'event.created',
      'Incidents',
    ),
    table(
      'ses-incident-summary',
      'Incident Summary',
      I,
      INCIDENT_KEY,
      'Versions',
      [[INCIDENT_KEY, 100]],
      [
        [`${INCIDENT}ref_incident_uid`, 'Number'],
        ['event.created', 'Created'],
        [`${INCIDENT}severity`, 'Severity'],
        [`${INCIDENT}priority`, 'Priority'],
        [`${INCIDENT}state`, 'State (latest)'],
        ['event.reason', 'Conclusion'],
        [`rule.name`, 'Rule'],
      ],
    ),
    table(
      'ses-unresolved-incidents',
      'Unresolved Incidents',
      open,
      INCIDENT_KEY,
      'Versions',
      [[INCIDENT_KEY, 100]],
      [
        ['event.created', 'Created'],
        [`${INCIDENT}state`, 'State (latest)'],
        [`${INCIDENT}severity`, 'Severity'],
        [`rule.name`, 'Rule'],
      ],
    ),
    table('ses-remediation-summary', 'Remediation Summary', I, INCIDENT_KEY, 'Incidents', [
      ['event.reason', 20],
      [`rule.name`, 20],
      [`${INCIDENT}remediation`, 20],
    ]),
  ];
  const events: SavedObject[] = [
    controls('ses-event-filters', 'SES Events - Filters', [
      [`${EVENT}severity`, 'Severity'],
      [`${EVENT}category`, 'Category'],
      ['event.action', 'Type'],
      ['user.name', 'User'],
      ['host.name', 'Device'],
    ]),
    metric('ses-events-total', 'Total Events', E, EVENT_KEY),
    metric('ses-events-high-severity', 'High Severity Events', `${E} and event.severity >= 4`, EVENT_KEY),
    metric(
      'ses-events-suspicious-files',
      'Suspicious Files',
      `${E} and file.hash.sha256:*`,
      `file.hash.sha256`,
    ),
    metric('ses-events-affected-endpoints', 'Affected Endpoints', E, 'host.name'),
    pie('ses-events-by-severity', 'Events by Severity', E, EVENT_KEY, `${EVENT}severity`, 'Events'),
    pie('ses-events-by-category', 'Events by Category', E, EVENT_KEY, `${EVENT}category`, 'Events'),
    pie('ses-events-by-type', 'Events by Event Type', E, EVENT_KEY, 'event.action', 'Events'),
    pie(
      'ses-events-by-edr-type',
      'Events by EDR Event Type',
      E,
      EVENT_KEY,
      `${EVENT}edr_event_data_type`,
      'Events',
    ),
    bar('ses-top-devices', 'Top 10 Devices by Events', E, EVENT_KEY, 'host.name', 'Events'),
    bar('ses-top-users', 'Top 10 Users', E, EVENT_KEY, 'user.name', 'Events'),
    bar('ses-top-files', 'Top 10 Malicious Files', E, EVENT_KEY, 'file.name', 'Events'),
    bar('ses-top-sha256', 'Top 10 File SHA256', E, EVENT_KEY, `file.hash.sha256`, 'Events'),
    bar('ses-top-ips', 'Top 10 Device IPs', E, EVENT_KEY, 'host.ip', 'Events'),
    overTime('ses-events-over-time', 'Events Over Time', E, EVENT_KEY, '@timestamp', 'Events'),
    overTime(
      'ses-sandbox-file-detections-over-time',
      'Sandbox File Detection Events Over Time',
      `${E} and event.action:"sandbox_file_detection"`,
      EVENT_KEY,
      '@timestamp',
      'Events',
    ),
    table('ses-malicious-files-summary', 'Malicious Files Summary', E, EVENT_KEY, 'Events', [
      [`file.hash.sha256`, 50],
      ['file.name', 5],
    ]),
    table(
      'ses-events-summary',
      'Events Summary',
      E,
      EVENT_KEY,
      'Events',
      [[EVENT_KEY, 100]],
      [
        ['event.action', 'Type'],
        [`${EVENT}severity`, 'Severity'],
        ['host.name', 'Device'],
        ['user.name', 'User'],
        ['file.name', 'File'],
        // No message column: ECS `message` is full text (not aggregatable), and its keyword vendor
        // copy exists only with preserveDuplicateCustomFields. Discover shows the message.
      ],
    ),
    table(
      'ses-hosts-summary',
      'Hosts Summary',
      E,
      EVENT_KEY,
      'Events',
      [['host.name', 50]],
      [
        ['host.ip', 'IP'],
        ['host.os.name', 'OS'],
        ['host.domain', 'Domain'],
      ],
    ),
    table('ses-threats-summary', 'Threats Summary', E, EVENT_KEY, 'Events', [
      [`${EVENT}threat.name`, 50],
      [`${EVENT}threat.provider`, 5],
      [`${EVENT}threat.type`, 5],
    ]),
    table('ses-incidents-with-device', 'Incidents with Device', E, EVENT_KEY, 'Events', [
      [`${EVENT}incident_uid`, 50],
      ['host.name', 10],
      [`${EVENT}incident_rule_name`, 1],
    ]),
  ];
  const indexPatternObject: SavedObject = {
    type: 'index-pattern',
    id: INDEX_PATTERN_ID,
    attributes: { title: indexPattern, timeFieldName: '@timestamp' },
    references: [],
    migrationVersion: { 'index-pattern': '7.6.0' },
  };
  return [
    indexPatternObject,
    ...incidents,
    ...events,
    dashboard(
      'ses-incidents-overview',
      'Symantec Endpoint Security - Incidents Overview',
      'Sumo Logic app parity: incidents by type, severity, category, conclusion, detection type, state, priority, suspected breach; totals; over time; summaries.',
      incidents,
    ),
    dashboard(
      'ses-events-overview',
      'Symantec Endpoint Security - Events Overview',
      'Sumo Logic app parity: events by severity, category, type, EDR type; top devices, users, files, SHA256, IPs; over time; summaries.',
      events,
    ),
  ];
}

/** The importable NDJSON text (one saved object per line). */
export function savedObjectsNdjson(indexPattern: string = DEFAULT_INDEX_PATTERN): string {
  return `${buildSavedObjects(indexPattern)
    .map((o) => JSON.stringify(o))
    .join('\n')}\n`;
}

// `npx tsx analytics/opensearch/saved-objects.ts [index-pattern] [file]`: regenerate (default: the committed file).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [pattern = DEFAULT_INDEX_PATTERN, file = NDJSON_PATH] = process.argv.slice(2);
  writeFileSync(file, savedObjectsNdjson(pattern));
  process.stdout.write(`wrote ${file} (index pattern ${pattern})\n`);
}
