import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSoak, type SoakResult } from '../../../bench/soak-harness.ts';
import { runLocalCollection } from '../../../shared/collector/local.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { ConsoleLogger } from '../../../shared/logging/console-logger.ts';
import { MemoryMetrics } from '../../../shared/ports/logger.ts';
import { RIG_CLIENT_ID, RIG_CLIENT_SECRET } from '../../helpers/lambda-rig.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { buildStack } from '../../infra/helpers.ts';
import { type LeakHit, type Secret, scanForSecrets } from './scan.ts';

/**
 * Leak scan: a seeded soak of the Lambda handler (every fault kind, token expiry included, so several
 * access tokens are issued) and a local CLI collection run with a distinctive client secret; then every
 * log line (stdout/stderr, Powertools logs and EMF), every error (message, cause, details), every metric,
 * every document Firehose accepted (alerts included), every file of the CLI's ./out and the synthesized
 * CloudFormation template are searched for the client secret, each access token the API issued and each
 * Authorization header value sent (Basic and Bearer).
 */
describe('Module: no secret reaches any output', () => {
  const authorization = new Set<string>();
  const tokens = new Set<string>();
  const texts: [string, string][] = [];
  let soak: SoakResult;
  let dir: string;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    // Prepare: observe every Authorization header sent and every token issued, at the fetch boundary.
    globalThis.fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      const auth = headers.get('authorization');
      if (auth) authorization.add(auth.replace(/^(Basic|Bearer)\s+/i, ''));
      const response = await realFetch(input, init);
      if (String(input).endsWith('/oauth2/tokens') && response.ok) {
        const body = (await response.clone().json()) as { access_token?: string };
        if (body.access_token) tokens.add(body.access_token);
      }
      return response;
    };
    // Act 1: the Lambda handler under faults.
    soak = await runSoak({ seed: 21, runs: 16, faultRate: 1, incidents: 120, pauseAfter: 14 });
    const rig = soak.detail.rig;
    // Act 2: a local CLI collection run against the same simulator, into a temp ./out.
    dir = mkdtempSync(join(tmpdir(), 'ses-leaks-'));
    const cliLines: string[] = [];
    const local = await runLocalCollection({
      settings: parseSettings({ apiUrl: rig.sim.url, openSweepMinutes: 0, logLevel: 'DEBUG' }),
      outDir: join(dir, 'out'),
      checkpointFile: join(dir, 'checkpoint.json'),
      credentials: staticCredentials({ clientId: RIG_CLIENT_ID, clientSecret: RIG_CLIENT_SECRET }),
      logger: new ConsoleLogger({ level: 'DEBUG', format: 'json', write: (l) => cliLines.push(l) }),
      metrics: new MemoryMetrics(),
      clock: rig.clock,
      owner: 'leak-scan',
    });
    await rig.close();
    globalThis.fetch = realFetch;

    texts.push(['stdout/stderr (Powertools logs, EMF metrics)', rig.capture.text]);
    texts.push(['metrics', JSON.stringify(rig.metrics)]);
    for (const o of rig.invocations) {
      texts.push([`summary ${o.requestId}`, JSON.stringify(o.summary ?? {})]);
      if (o.error)
        texts.push([`error ${o.requestId}`, `${inspect(o.error, { depth: 8 })}\n${JSON.stringify(o.error)}`]);
    }
    texts.push(['firehose records', rig.firehose.lines.join('\n')]);
    texts.push(['cli log', cliLines.join('\n')]);
    texts.push(['cli summary', JSON.stringify(local.summary)]);
    for (const file of walk(dir)) {
      const raw = readFileSync(file);
      texts.push([file, file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8')]);
    }
    texts.push(['CloudFormation template', JSON.stringify(buildStack().template.toJSON())]);
  }, 60_000);

  afterAll(() => {
    globalThis.fetch = realFetch;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('observed the secrets in play, so the scan is meaningful', () => {
    expect(tokens.size).toBeGreaterThanOrEqual(2); // token expiry forced a second token
    expect([...authorization].some((a) => tokens.has(a))).toBe(true);
    expect(authorization.has(Buffer.from(`${RIG_CLIENT_ID}:${RIG_CLIENT_SECRET}`).toString('base64'))).toBe(
      true,
    );
    expect(soak.faults.token_expired).toBeGreaterThan(0);
    expect(soak.failed_runs).toBeGreaterThan(0); // errors were produced and are part of the scan
    expect(texts.find(([s]) => s === 'cli log')?.[1].length).toBeGreaterThan(0);
    const logs = texts.find(([s]) => s.startsWith('stdout/stderr'))?.[1] ?? '';
    expect(logs).toContain('"message":"run complete"');
    expect(logs).toContain('"message":"the API rejected the access token (401); refreshing it once"');
    expect(texts.filter(([s]) => s.startsWith(dir)).length).toBeGreaterThan(1);
  });

  it('finds no client secret, access token or Authorization header value in any output', () => {
    const secrets: Secret[] = [
      { label: 'client secret', value: RIG_CLIENT_SECRET },
      ...[...tokens].map((value, i) => ({ label: `access token ${i + 1}`, value })),
      ...[...authorization].map((value, i) => ({ label: `Authorization header value ${i + 1}`, value })),
    ];
    const hits: LeakHit[] = scanForSecrets(texts, secrets);
    expect(hits).toEqual([]);
  });
});

function walk(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const p = join(root, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
