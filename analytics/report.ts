/**
 * The local report: both Sumo-style dashboards (Incidents Overview, Events Overview) rendered from an
 * output folder into one self-contained HTML page. Every panel is a catalogue query run by DuckDB;
 * charts are drawn by echarts (its minified build is inlined, no CDN) with the SVG renderer, so the
 * numbers are text in the page.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { DashboardName, Filters, PanelKind } from './catalog.ts';
import { openAnalytics, type Row } from './duckdb.ts';

/** Panel order per dashboard (catalogue queries not listed here follow, by name). */
export const DASHBOARD_LAYOUT: Record<DashboardName, { title: string; panels: string[] }> = {
  incidents: {
    title: 'Symantec Endpoint Security - Incidents Overview',
    panels: [
      'incident_kpis',
      'incident_resolution',
      'incidents_by_severity',
      'incidents_by_type',
      'incidents_by_category',
      'incidents_by_conclusion',
      'incidents_by_detection_type',
      'incidents_by_state',
      'incidents_by_priority',
      'incidents_by_suspected_breach',
      'incidents_over_time',
      'sandbox_detections_over_time',
      'incident_summary',
      'unresolved_incidents',
      'remediation_summary',
    ],
  },
  events: {
    title: 'Symantec Endpoint Security - Events Overview',
    panels: [
      'event_kpis',
      'events_by_severity',
      'events_by_category',
      'events_by_type',
      'events_by_edr_event_type',
      'top_devices_by_events',
      'top_users',
      'top_files',
      'top_sha256',
      'top_ips',
      'events_over_time',
      'sandbox_file_detections_over_time',
      'malicious_files_summary',
      'events_summary',
      'hosts_summary',
      'threats_summary',
      'incidents_with_device',
    ],
  },
};

export interface ReportPanel {
  name: string;
  title: string;
  description: string;
  panel: PanelKind;
  rows: Row[];
}

export interface ReportData {
  generatedAt: string;
  out: string;
  filters: Filters;
  loaded: Record<string, number>;
  dashboards: Array<{ name: DashboardName; title: string; panels: ReportPanel[] }>;
}

export interface ReportOptions {
  /** Output folder of the connector (`<out>/<dataset>/year=.../*.json.gz`). */
  out: string;
  /** Dashboard filters (Sumo-style patterns); unset = all. */
  filters?: Filters;
  /** Timestamp printed in the header; default now. */
  generatedAt?: Date;
}

/** Run every dashboard query over `out` and collect the results. */
export async function collectReportData(options: ReportOptions): Promise<ReportData> {
  const session = await openAnalytics({ out: options.out });
  try {
    const filters = options.filters ?? {};
    const dashboards: ReportData['dashboards'] = [];
    for (const name of ['incidents', 'events'] as const) {
      const layout = DASHBOARD_LAYOUT[name];
      const defs = session.catalog.filter((d) => d.kind === 'query' && d.dashboard === name);
      const rank = (n: string) => {
        const i = layout.panels.indexOf(n);
        return i === -1 ? layout.panels.length : i;
      };
      defs.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
      const panels: ReportPanel[] = [];
      for (const def of defs) {
        panels.push({
          name: def.name,
          title: def.title,
          description: def.description,
          panel: def.panel ?? 'table',
          rows: await session.run(def.name, filters),
        });
      }
      dashboards.push({ name, title: layout.title, panels });
    }
    return {
      generatedAt: (options.generatedAt ?? new Date()).toISOString(),
      out: session.out,
      filters,
      loaded: { ...session.loaded },
      dashboards,
    };
  } finally {
    session.close();
  }
}

function echartsSource(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
}

/** JSON safe to embed in a <script> element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;background:#eef1f5;color:#1d2733}
header{background:#1d2733;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#b9c4d0;font-size:12px}
section.dashboard{padding:8px 24px 24px}
section.dashboard>h2{font-size:18px;margin:18px 0 10px}
.grid{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}
.panel{background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.12);padding:10px 12px;min-width:0}
.panel h3{margin:0 0 2px;font-size:14px}
.panel .desc{margin:0 0 6px;color:#5b6775;font-size:11px}
.panel.kpi,.panel.table,.panel.stacked_bar,.panel.line{grid-column:1/-1}
.chart{height:260px}
.panel.line .chart,.panel.stacked_bar .chart{height:240px}
.tiles{display:flex;flex-wrap:wrap;gap:10px}
.tile{flex:1 1 140px;border:1px solid #dde3ea;border-radius:6px;padding:8px 10px}
.tile .label{color:#5b6775;font-size:12px}
.tile .value{font-size:26px;font-weight:600;color:#0b5cad}
.empty{color:#8a96a3;font-style:italic;padding:20px 0}
table{border-collapse:collapse;width:100%;font-size:12px;table-layout:fixed}
th,td{border-bottom:1px solid #e5e9ef;padding:4px 6px;text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
th{background:#f5f7fa;font-weight:600}
.tablewrap{max-height:320px;overflow:auto}
`;

// Runs in the browser: draws every panel from the embedded data, then marks the body ready.
const RENDER = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var errors = [];
  var rendered = 0;
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function label(name) {
    return name.replace(/_/g, ' ').replace(/\\b\\w/g, function (c) { return c.toUpperCase(); });
  }
  function formatKpi(name, value) {
    if (value === null || value === undefined) return 'n/a';
    if (/rate$/.test(name)) return (value * 100).toFixed(1) + '%';
    if (/_hours$/.test(name)) return value.toFixed(2) + ' h';
    if (/_ms$/.test(name)) return Math.round(value).toLocaleString('en-US') + ' ms';
    return typeof value === 'number' ? value.toLocaleString('en-US') : String(value);
  }
  function numericColumn(rows) {
    var cols = Object.keys(rows[0]);
    for (var i = cols.length - 1; i >= 0; i--) if (typeof rows[0][cols[i]] === 'number') return cols[i];
    return cols[cols.length - 1];
  }
  function chart(container, option) {
    var c = echarts.init(container, null, { renderer: 'svg' });
    option.animation = false;
    c.setOption(option);
    return c;
  }
  function drawKpi(body, p) {
    var tiles = el('div', { class: 'tiles' });
    var row = p.rows[0] || {};
    Object.keys(row).forEach(function (k) {
      var t = el('div', { class: 'tile', 'data-field': k, 'data-value': row[k] === null ? '' : String(row[k]) });
      t.appendChild(el('div', { class: 'label' }, label(k)));
      t.appendChild(el('div', { class: 'value' }, formatKpi(k, row[k])));
      tiles.appendChild(t);
    });
    body.appendChild(tiles);
  }
  function drawTable(body, p) {
    var wrap = el('div', { class: 'tablewrap' });
    var table = el('table');
    var cols = Object.keys(p.rows[0]);
    var head = el('tr');
    cols.forEach(function (c) { head.appendChild(el('th', {}, label(c))); });
    table.appendChild(el('thead')).appendChild(head);
    var tbody = table.appendChild(el('tbody'));
    p.rows.forEach(function (r) {
      var tr = el('tr');
      cols.forEach(function (c) {
        var v = r[c] === null ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]);
        tr.appendChild(el('td', { title: v, 'data-column': c }, v));
      });
      tbody.appendChild(tr);
    });
    wrap.appendChild(table);
    body.appendChild(wrap);
  }
  function drawChart(body, p) {
    var box = el('div', { class: 'chart' });
    body.appendChild(box);
    var cols = Object.keys(p.rows[0]);
    var valueCol = numericColumn(p.rows);
    var tooltip = { trigger: p.panel === 'pie' ? 'item' : 'axis' };
    if (p.panel === 'pie') {
      chart(box, {
        tooltip: tooltip,
        series: [{ type: 'pie', radius: ['28%', '52%'], avoidLabelOverlap: true, label: { formatter: '{b}: {c}', overflow: 'none' },
          data: p.rows.map(function (r) { return { name: String(r[cols[0]]), value: r[valueCol] }; }) }],
      });
    } else if (p.panel === 'bar') {
      var rows = p.rows.slice().reverse();
      chart(box, {
        tooltip: tooltip, grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', data: rows.map(function (r) { var s = String(r[cols[0]]); return s.length > 24 ? s.slice(0, 12) + '…' + s.slice(-8) : s; }) },
        series: [{ type: 'bar', label: { show: true, position: 'right' }, data: rows.map(function (r) { return r[valueCol]; }) }],
      });
    } else if (p.panel === 'line') {
      chart(box, {
        tooltip: tooltip, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: p.rows.map(function (r) { return String(r[cols[0]]); }) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'line', label: { show: true }, data: p.rows.map(function (r) { return r[valueCol]; }) }],
      });
    } else if (p.panel === 'stacked_bar') {
      var days = [], groups = [];
      p.rows.forEach(function (r) {
        if (days.indexOf(String(r[cols[0]])) < 0) days.push(String(r[cols[0]]));
        if (groups.indexOf(String(r[cols[1]])) < 0) groups.push(String(r[cols[1]]));
      });
      chart(box, {
        tooltip: tooltip, legend: { top: 0 }, grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: days }, yAxis: { type: 'value', minInterval: 1 },
        series: groups.map(function (g) {
          return { type: 'bar', name: g, stack: 'total', label: { show: true, formatter: function (x) { return x.value ? x.value : ''; } },
            data: days.map(function (d) {
              var hit = p.rows.filter(function (r) { return String(r[cols[0]]) === d && String(r[cols[1]]) === g; })[0];
              return hit ? hit[valueCol] : 0;
            }) };
        }),
      });
    }
  }
  data.dashboards.forEach(function (d) {
    var section = el('section', { class: 'dashboard', 'data-dashboard': d.name });
    section.appendChild(el('h2', {}, d.title));
    var grid = el('div', { class: 'grid' });
    section.appendChild(grid);
    document.getElementById('dashboards').appendChild(section);
    d.panels.forEach(function (p) {
      var panel = el('div', { class: 'panel ' + p.panel, 'data-panel': p.name, 'data-rows': String(p.rows.length) });
      panel.appendChild(el('h3', {}, p.title));
      panel.appendChild(el('p', { class: 'desc' }, p.description));
      grid.appendChild(panel);
      try {
        if (p.rows.length === 0) panel.appendChild(el('div', { class: 'empty' }, 'No data'));
        else if (p.panel === 'kpi') drawKpi(panel, p);
        else if (p.panel === 'table') drawTable(panel, p);
        else drawChart(panel, p);
        panel.setAttribute('data-rendered', 'true');
        rendered++;
      } catch (e) {
        errors.push(p.name + ': ' + (e && e.message ? e.message : String(e)));
        panel.setAttribute('data-error', String(e && e.message ? e.message : e));
      }
    });
  });
  window.__report = { rendered: rendered, errors: errors };
  document.body.setAttribute('data-ready', 'true');
})();
`;

/** The self-contained HTML page for already collected data. */
export function renderReportHtml(data: ReportData): string {
  const filters = Object.entries(data.filters)
    .filter(([, v]) => v !== undefined && v !== '' && v !== '*')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const subtitle =
    `Generated ${data.generatedAt} from ${data.out} ` +
    `(${data.loaded['incident'] ?? 0} incident, ${data.loaded['event'] ?? 0} event documents read)` +
    ` · filters: ${filters || 'none'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Symantec Endpoint Security report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Symantec Endpoint Security</h1><p>${escapeHtml(subtitle)}</p></header>
<main id="dashboards"></main>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${echartsSource()}</script>
<script>${RENDER}</script>
</body>
</html>
`;
}

/** Build the report from `out` and write it to `output`; returns the data shown. */
export async function writeReport(options: ReportOptions & { output: string }): Promise<ReportData> {
  const data = await collectReportData(options);
  const target = resolve(options.output);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, renderReportHtml(data), 'utf8');
  return data;
}
