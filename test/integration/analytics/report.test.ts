import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../shared/cli/main.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { generateIncidents } from '../../../shared/simulator/generator.ts';
import { LocalSink } from '../../../shared/sink/local.ts';
import { EXPECTED, type Truth, truthFrom } from '../../unit/analytics/expected.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = resolve('test-output/report.png');
const hasChromium = existsSync(CHROMIUM);

// In CI a missing browser is a failure (CI installs it); locally the browser test may be skipped.
if (!hasChromium && process.env['CI']) {
  throw new Error(
    `Chromium not found at ${CHROMIUM}: the report test needs it. Install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
  );
}

describe.skipIf(!hasChromium)('Module: local HTML report (npm run report) in headless Chromium', () => {
  let dir: string;
  let html: string;
  let truth: Truth;
  let browser: Browser;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  let page: Awaited<ReturnType<Browser['newPage']>>;

  beforeAll(async () => {
    // Prepare: fixed-seed incidents with updates, normalized and written as the collector does.
    dir = mkdtempSync(join(tmpdir(), 'ses-report-'));
    const from = Date.UTC(2026, 9, 1);
    const records = generateIncidents({
      seed: 777,
      incidents: 70,
      from,
      to: from + 5 * 86_400_000,
      updateRate: 0.8,
    });
    truth = truthFrom(records);
    const sink = new LocalSink({ dir: join(dir, 'out') });
    await sink.write(
      records.flatMap((r) =>
        normalizeIncident(r, {
          keepOriginal: false,
          namespace: 'default',
          ingestedAt: '2026-10-07T00:00:00.000Z',
        }),
      ),
    );
    html = join(dir, 'report.html');
    // Act: the CLI command, as `npm run report -- --out ... --output ...` runs it.
    const code = await main(['node', 'ses-connector', 'report', '--out', join(dir, 'out'), '--output', html]);
    expect(code).toBe(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is one self-contained page: echarts inlined, no request leaves the file', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script[^>]+src=/);
    expect(text).not.toMatch(/<link[^>]+href=/);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  });

  it('renders every panel of both dashboards without a script error', async () => {
    const state = await page.evaluate(() => (globalThis as unknown as { __report: unknown }).__report);
    expect(pageErrors).toEqual([]);
    expect(state).toEqual({ rendered: 32, errors: [] });
    const panels = await page.$$eval('[data-panel]', (els) =>
      els.map((e) => [
        e.closest('[data-dashboard]')?.getAttribute('data-dashboard'),
        e.getAttribute('data-rendered'),
      ]),
    );
    expect(panels.filter(([d]) => d === 'incidents').length).toBe(15);
    expect(panels.filter(([d]) => d === 'events').length).toBe(17);
    expect(panels.every(([, rendered]) => rendered === 'true')).toBe(true);
  });

  it('shows the ground-truth totals in the KPI tiles', async () => {
    const tiles = await page.$$eval('[data-panel] .tile', (els) =>
      els.map((e) => [
        e.closest('[data-panel]')?.getAttribute('data-panel'),
        e.getAttribute('data-field'),
        e.querySelector('.value')?.textContent,
      ]),
    );
    const [incidents] = EXPECTED['incident_kpis']!(truth, {});
    const [events] = EXPECTED['event_kpis']!(truth, {});
    const [resolution] = EXPECTED['incident_resolution']!(truth, {});
    expect(tiles).toEqual(
      expect.arrayContaining([
        ['incident_kpis', 'total_incidents', String(incidents!['total_incidents'])],
        ['incident_kpis', 'open_incidents', String(incidents!['open_incidents'])],
        ['incident_kpis', 'high_severity_incidents', String(incidents!['high_severity_incidents'])],
        ['incident_kpis', 'new_incidents', String(incidents!['new_incidents'])],
        [
          'incident_resolution',
          'resolution_rate',
          `${(Number(resolution!['resolution_rate']) * 100).toFixed(1)}%`,
        ],
        ['event_kpis', 'total_events', String(events!['total_events'])],
        ['event_kpis', 'affected_endpoints', String(events!['affected_endpoints'])],
      ]),
    );
    expect(truth.incidents.length).toBe(70);
  });

  it('labels chart slices and bars with the ground-truth counts (SVG text)', async () => {
    const svgText = async (panel: string) =>
      page.$eval(`[data-panel="${panel}"] svg`, (svg) =>
        [...svg.querySelectorAll('text')].map((t) => t.textContent),
      );
    const severity = await svgText('incidents_by_severity');
    for (const row of EXPECTED['incidents_by_severity']!(truth, {})) {
      expect(severity).toContain(`${row['severity']}: ${row['incidents']}`);
    }
    const devices = await svgText('top_devices_by_events');
    const top = EXPECTED['top_devices_by_events']!(truth, {});
    expect(top.length).toBe(10);
    for (const row of top) expect(devices).toContain(String(row['device_name']));
  });

  it('lists the ground-truth rows in the tables', async () => {
    const unresolved = await page.$$eval('[data-panel="unresolved_incidents"] tbody tr', (rows) =>
      rows.map((r) => r.querySelector('td[data-column="incident_uid"]')?.textContent),
    );
    expect(unresolved).toEqual(EXPECTED['unresolved_incidents']!(truth, {}).map((r) => r['incident_uid']));
  });

  it('saves a full-page screenshot to test-output/report.png', async () => {
    mkdirSync(resolve('test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
  });
});
