import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { runLocalCollection } from '../../../shared/collector/local.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { type RunningSimulator, startSimulator, versionKey } from '../../../shared/simulator/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { at, readOutput } from '../../helpers/output.ts';

const T0 = Date.parse('2026-11-20T12:00:00.000Z');
let sim: RunningSimulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ses-e2e-'));
  dirs.push(d);
  return d;
}

/** Versions and events delivered to an output folder, keyed like the simulator's ground truth. */
function delivered(outDir: string) {
  const versions = new Set<string>();
  const events = new Set<string>();
  for (const { doc } of readOutput(outDir, 'incident')) {
    // ECS fields: both output shapes carry them (the vendor copies only with preserveDuplicateCustomFields).
    versions.add(versionKey(at(doc, 'event.id'), Date.parse(String(at(doc, '@timestamp')))));
  }
  for (const { doc } of readOutput(outDir, 'event')) {
    events.add(`${at(doc, 'symantec_edr_cloud.event.incident_uid')}/${at(doc, 'event.id')}`);
  }
  return { versions, events };
}

describe('End to end: CLI runs against the simulator', () => {
  it('scheduled runs every 5 minutes deliver every incident version and every event the API holds', async () => {
    const clock = new FakeClock(T0);
    sim = await startSimulator({ seed: 11, incidents: 150, spanHours: 24, futureHours: 2, clock });
    const s = sim;
    const dir = tempDir();
    const settings = parseSettings({ apiUrl: s.url, pageSize: 40 });
    const credentials = {
      description: 'test',
      get: async () => ({ clientId: s.clientId, clientSecret: s.clientSecret }),
    };
    const statuses: string[] = [];
    for (let run = 0; run < 26; run++) {
      const { summary } = await runLocalCollection({
        settings,
        credentials,
        clock,
        outDir: join(dir, 'out'),
        checkpointFile: join(dir, 'checkpoint.json'),
        logger: silentLogger,
      });
      statuses.push(summary.status);
      clock.advance(5 * 60_000);
    }
    expect(new Set(statuses)).toEqual(new Set(['complete']));
    // Everything up to the last run's window end (now − 5 min step − settle) must be there.
    const lastEnd = clock.now() - 5 * 60_000 - settings.settleSeconds * 1000;
    const expected = s.groundTruth.versions.filter((v) => v.time <= lastEnd && v.time >= T0 - 24 * 3_600_000);
    const got = delivered(join(dir, 'out'));
    const missing = expected.filter((v) => !got.versions.has(v.key));
    expect(missing).toEqual([]);
    expect(expected.length).toBeGreaterThan(150); // creations and their later updates
    const expectedEvents = expected.flatMap((v) => v.eventUuids.map((u) => `${v.incident_uid}/${u}`));
    expect(expectedEvents.filter((e) => !got.events.has(e))).toEqual([]);
    expect(expectedEvents.length).toBeGreaterThan(0);
  });

  it("when the API filters on creation time, the open-incident re-read and fetch-by-id still deliver every incident's current version", async () => {
    const clock = new FakeClock(T0);
    sim = await startSimulator({
      seed: 23,
      incidents: 80,
      spanHours: 24,
      futureHours: 3,
      clock,
      filterOn: 'created',
    });
    const s = sim;
    const dir = tempDir();
    const settings = parseSettings({ apiUrl: s.url, pageSize: 50, openSweepMinutes: 5 });
    const credentials = {
      description: 'test',
      get: async () => ({ clientId: s.clientId, clientSecret: s.clientSecret }),
    };
    let refetched = 0;
    let lastRunAt = clock.now();
    for (let run = 0; run < 40; run++) {
      lastRunAt = clock.now();
      const { summary } = await runLocalCollection({
        settings,
        credentials,
        clock,
        monitors: false,
        outDir: join(dir, 'out'),
        checkpointFile: join(dir, 'checkpoint.json'),
        logger: silentLogger,
      });
      expect(summary.status).toBe('complete');
      refetched += summary.refetched;
      clock.advance(6 * 60_000);
    }
    // The current version of every incident created in the collected span, as of the last run.
    const latest = new Map<string, { key: string; time: number }>();
    for (const v of s.groundTruth.versions) {
      if (v.time > lastRunAt - settings.settleSeconds * 1000) continue;
      if (Date.parse(String(v.created)) < T0 - 24 * 3_600_000) continue;
      const prev = latest.get(v.incident_uid);
      if (!prev || v.time > prev.time) latest.set(v.incident_uid, { key: v.key, time: v.time });
    }
    const got = delivered(join(dir, 'out'));
    const missing = [...latest.values()].filter((v) => !got.versions.has(v.key)).map((v) => v.key);
    expect(missing).toEqual([]);
    expect(refetched).toBeGreaterThan(0); // closures happened between re-reads and were fetched by id
  });

  it('`ses-connector run --no-monitors` against an API URL exits 0, prints the summary and leaves DuckDB-readable output', async () => {
    sim = await startSimulator({ seed: 5, incidents: 60 });
    const dir = tempDir();
    const out = join(dir, 'out');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          'bin/ses-connector.js',
          'run',
          '--api-url',
          sim!.url,
          '--out',
          out,
          '--checkpoint',
          join(dir, 'cp.json'),
          '--json',
          '--no-monitors',
        ],
        { env: { ...process.env, SES_CLIENT_ID: sim!.clientId, SES_CLIENT_SECRET: sim!.clientSecret } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.stderr).not.toContain(sim.clientSecret);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary.status).toBe('complete');
    expect(summary.incidents).toBeGreaterThan(60);
    expect(summary.alerts).toBe(0);
    expect(readOutput(out, 'incident').length).toBe(summary.incidents);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const reader = await conn.runAndReadAll(
      `select count(*)::INTEGER as n from read_json_auto('${out}/incident/**/*.json.gz')`,
    );
    expect(reader.getRowObjects()[0]?.n).toBe(readOutput(out, 'incident').length);
    conn.closeSync();
  });

  it('with no API given it runs against the built-in simulator, shows progress off a terminal and says where the output is', async () => {
    const dir = tempDir();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [
        'bin/ses-connector.js',
        'run',
        '--simulator-incidents',
        '40',
        '--out',
        join(dir, 'out'),
        '--checkpoint',
        join(dir, 'cp.json'),
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/using the built-in Symantec API simulator at http:\/\/127\.0\.0\.1:\d+/);
    expect(result.stderr).toMatch(/progress: window .* records, \d+ incidents and \d+ events delivered/);
    expect(result.stdout).toMatch(/^run complete/m);
    expect(result.stdout).toMatch(/output: .*out\/ +\(gzip NDJSON/);
    expect(result.stdout).toMatch(/next: +npm run report/);
    expect(readOutput(join(dir, 'out'), 'incident').length).toBeGreaterThan(40);
  });

  it('--follow keeps one simulator across runs, continues from the checkpoint and stops cleanly on SIGINT', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [
      'bin/ses-connector.js',
      'run',
      '--follow',
      '1',
      '--simulator-incidents',
      '30',
      '--no-monitors',
      '--out',
      join(dir, 'out'),
      '--checkpoint',
      join(dir, 'cp.json'),
    ]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const twoRuns = new Promise<void>((resolve) => {
      child.stdout.on('data', (b) => {
        stdout += b;
        if ((stdout.match(/^run complete/gm) ?? []).length >= 2) resolve();
      });
    });
    const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await twoRuns;
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    const code = await closed;
    clearTimeout(timeout);
    expect(code).toBe(0);
    expect((stderr.match(/using the built-in Symantec API simulator/g) ?? []).length).toBe(1);
    const versions = stdout.match(/checkpoint v(\d+)/g) ?? [];
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(Number(versions[1]?.slice(12))).toBeGreaterThan(Number(versions[0]?.slice(12)));
  });

  it('wrong credentials stop the run at once with exit code 1 and a message naming the setting', async () => {
    sim = await startSimulator({ seed: 5, incidents: 5 });
    const dir = tempDir();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          'bin/ses-connector.js',
          'run',
          '--api-url',
          sim!.url,
          '--out',
          join(dir, 'out'),
          '--checkpoint',
          join(dir, 'cp.json'),
        ],
        { env: { ...process.env, SES_CLIENT_ID: 'nobody', SES_CLIENT_SECRET: 'wrong-secret-value-123' } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/SES_CLIENT_ID/);
    expect(result.stdout + result.stderr).not.toContain('wrong-secret-value-123');
  });
});
