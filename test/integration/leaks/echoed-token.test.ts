import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli.ts';
import { RIG_CLIENT_SECRET } from '../../helpers/lambda-rig.ts';
import { motoReady } from '../../helpers/moto-aws.ts';
import { type MotoLambda, startMotoLambda } from '../../helpers/moto-lambda.ts';

/**
 * Security review: an API that echoes the access token (whole, or a piece of it) in an error body or
 * inside a record must not get it into any exit path. The token is issued by a stand-in API on
 * 127.0.0.1 (port 0) in several lengths, and echoed back whole, as its first 287 characters (what the
 * old cut-then-redact let through), as its second half and as a 20-character middle piece, through:
 * the CLI's stderr and stdout (the run summary) and every file it writes; the Lambda's thrown error (its
 * message is the DLQ record's ErrorMessage; stack and serialized forms too), its logs and EMF metrics;
 * and the quarantine document of a record that carries the echo, as it lands in S3 (moto) or ./out.
 * A leak is any 16-character piece of the token in the output.
 */
const LENGTHS = [40, 287, 300, 600, 2000];
const CLI_CLIENT_SECRET = 'echo-test-client-secret-0123';

/** A token-shaped random string of `length` characters (base64url, distinct prefix per call). */
function newToken(length: number): string {
  let out = 'eyJ';
  while (out.length < length) out += randomBytes(48).toString('base64url');
  return out.slice(0, length);
}

function echoesOf(token: string): Array<[string, string]> {
  const half = Math.floor(token.length / 2);
  const mid = Math.floor(token.length / 2) - 10;
  return [
    ['whole', token],
    ['first 287 characters', token.slice(0, 287)],
    ['second half', token.slice(half)],
    ['20-character middle piece', token.slice(mid, mid + 20)],
  ];
}

function pieces(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 16))) found.push(secret.slice(i, i + 16));
  return found;
}

/** The client secret echoed whole, cut short and as its tail. */
const secretEchoes = (secret: string): Array<[string, string]> => [
  ['whole', secret],
  ['first 20 characters', secret.slice(0, 20)],
  ['last 18 characters', secret.slice(-18)],
];

/**
 * A stand-in Symantec API: issues `state.token` (or, in `token-error` mode, refuses the client with a
 * 401 echoing `state.echo`), then answers every incidents request either with a
 * 400 whose message echoes `state.echo`, or with a page holding one invalid record that carries it.
 */
interface EchoApi {
  url: string;
  state: { token: string; echo: string; mode: 'error' | 'record' | 'token-error' };
  close(): Promise<void>;
}
async function startEchoApi(): Promise<EchoApi> {
  const state: EchoApi['state'] = { token: '', echo: '', mode: 'error' };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url?.endsWith('/v1/oauth2/tokens')) {
        if (state.mode === 'token-error')
          return json(401, {
            error: 'invalid_client',
            error_description: `client secret ${state.echo} unknown`,
          });
        return json(200, { access_token: state.token, token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.url?.endsWith('/v1/incidents')) {
        if (state.mode === 'error')
          return json(400, { message: `Bad request for bearer ${state.echo} (rejected)` });
        return json(200, {
          total: 1,
          incidents: [{ incident_uid: 7, time: Date.now() - 120_000, note: `session ${state.echo} echoed` }],
        });
      }
      json(404, { message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function walk(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const p = join(root, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
function filesText(root: string): string {
  return walk(root)
    .map((f) => {
      const raw = readFileSync(f);
      return `${f}\n${f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8')}`;
    })
    .join('\n');
}

describe('Security review: an echoed token reaches no exit path of the CLI', () => {
  let api: EchoApi;
  let dir: string;
  beforeAll(async () => {
    api = await startEchoApi();
    dir = mkdtempSync(join(tmpdir(), 'ses-echo-cli-'));
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** `ses-connector run` against the echo API, writing ./out and the checkpoint under `run`. */
  const runCli = (run: string, clientSecret = CLI_CLIENT_SECRET) =>
    cli(['run', '--api-url', api.url, '--out', join(run, 'out'), '--checkpoint', join(run, 'cp.json')], {
      SES_CLIENT_ID: 'O2ID.echo-test',
      SES_CLIENT_SECRET: clientSecret,
    });

  for (const length of LENGTHS) {
    it(`a ${length}-character token echoed in a 400 body: not in stderr, the summary or ./out`, async () => {
      const token = newToken(length);
      for (const [label, echo] of echoesOf(token)) {
        // Prepare
        api.state.token = token;
        api.state.echo = echo;
        api.state.mode = 'error';
        const run = join(dir, `${length}-${label.replace(/\W+/g, '-')}`);
        // Act
        const r = await runCli(run);
        // Assess: the run failed on the echo (so the echo was in play), and no piece of it is out.
        expect(r.code, label).toBe(1);
        expect(r.stderr, label).toContain('bad_request');
        expect(r.stderr + r.stdout, label).toContain('[REDACTED]');
        const everything = `${r.stderr}\n${r.stdout}\n${filesText(run)}`;
        expect(pieces(everything, token), `${length}: ${label}`).toEqual([]);
      }
    });
  }

  it('a token echoed inside a record: the quarantine document in ./out carries no piece of it', async () => {
    for (const length of [40, 600]) {
      const token = newToken(length);
      for (const [label, echo] of echoesOf(token)) {
        api.state.token = token;
        api.state.echo = echo;
        api.state.mode = 'record';
        const run = join(dir, `q-${length}-${label.replace(/\W+/g, '-')}`);
        const r = await runCli(run);
        const files = filesText(join(run, 'out'));
        expect(files, label).toContain('quarantine');
        expect(pieces(`${r.stderr}\n${r.stdout}\n${files}`, token), `${length}: ${label}`).toEqual([]);
      }
    }
  });
  it('the client secret echoed by the token endpoint: not in stderr, the summary or ./out', async () => {
    const secret = CLI_CLIENT_SECRET;
    for (const [label, echo] of secretEchoes(secret)) {
      api.state.echo = echo;
      api.state.mode = 'token-error';
      const run = join(dir, `secret-${label.replace(/\W+/g, '-')}`);
      const r = await runCli(run, secret);
      expect(r.code, label).toBe(1);
      expect(r.stderr, label).toContain('auth error');
      expect(pieces(`${r.stderr}\n${r.stdout}\n${filesText(run)}`, secret), label).toEqual([]);
    }
  });
});

describe.skipIf(!motoReady)('Security review: an echoed token reaches no exit path of the Lambda', () => {
  let api: EchoApi;
  let rig: MotoLambda;
  beforeAll(async () => {
    api = await startEchoApi();
    rig = await startMotoLambda({ incidents: 1 });
  });
  afterAll(async () => {
    await rig?.close();
    await api?.close();
  });

  for (const length of LENGTHS) {
    it(`a ${length}-character token echoed in a 400 body: not in the thrown reason (DLQ ErrorMessage), logs or metrics`, async () => {
      const token = newToken(length);
      for (const [label, echo] of echoesOf(token)) {
        // Prepare
        api.state.token = token;
        api.state.echo = echo;
        api.state.mode = 'error';
        const logsBefore = rig.capture.text.length;
        // Act: a cold container (new token) per echo.
        const o = await rig.invoke(rig.container({ SES_API_URL: api.url }));
        // Assess
        expect(o.error?.message, label).toMatch(/^bad_request error: /);
        // What Lambda records for the failed invocation: errorMessage (the DLQ record's ErrorMessage
        // attribute), errorType and the stack trace; plus everything logged and every metric.
        const thrown = [
          o.error?.message,
          o.error?.stack,
          inspect(o.error, { depth: 8 }),
          JSON.stringify({
            errorType: o.error?.name,
            errorMessage: o.error?.message,
            trace: o.error?.stack?.split('\n'),
          }),
        ].join('\n');
        const logs = rig.capture.text.slice(logsBefore);
        expect(logs, label).toContain('[REDACTED]');
        const everything = `${thrown}\n${logs}\n${JSON.stringify(rig.metrics)}`;
        expect(pieces(everything, token), `${length}: ${label}`).toEqual([]);
      }
    });
  }

  it('a token echoed inside a record: the quarantine document Firehose wrote to S3 carries no piece of it', async () => {
    for (const length of [40, 600]) {
      const token = newToken(length);
      for (const [label, echo] of echoesOf(token)) {
        api.state.token = token;
        api.state.echo = echo;
        api.state.mode = 'record';
        rig.clock.advance(5 * 60_000);
        const o = await rig.invoke(rig.container({ SES_API_URL: api.url }));
        expect(o.summary?.status, label).toBe('complete');
        const stored = await rig.stored();
        const quarantine = stored.filter((d) => d.dataset === 'symantec_edr_cloud.quarantine');
        expect(quarantine.length, label).toBeGreaterThan(0);
        expect(pieces(JSON.stringify(stored), token), `${length}: ${label}`).toEqual([]);
      }
    }
  });

  it('the client secret echoed by the token endpoint: not in the thrown reason, logs or metrics', async () => {
    for (const [label, echo] of secretEchoes(RIG_CLIENT_SECRET)) {
      api.state.echo = echo;
      api.state.mode = 'token-error';
      rig.clock.advance(5 * 60_000); // a new window, so the run needs a token
      const logsBefore = rig.capture.text.length;
      const o = await rig.invoke(rig.container({ SES_API_URL: api.url }));
      expect(o.error?.message, `${label}: ${JSON.stringify(o.summary)}`).toMatch(/^auth error: /);
      const everything = [
        o.error?.message,
        o.error?.stack,
        inspect(o.error, { depth: 8 }),
        rig.capture.text.slice(logsBefore),
        JSON.stringify(rig.metrics),
      ].join('\n');
      expect(pieces(everything, RIG_CLIENT_SECRET), label).toEqual([]);
    }
  });
});
