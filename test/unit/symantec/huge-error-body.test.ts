import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorError } from '../../../shared/errors.ts';
import { ConsoleLogger } from '../../../shared/logging/console-logger.ts';
import { Redactor } from '../../../shared/logging/redact.ts';
import { ERROR_MESSAGE_MAX_CHARS, errorBodyMessage } from '../../../shared/symantec/errors.ts';
import { ERROR_BODY_CUT_MARK, ERROR_BODY_MAX_BYTES, send } from '../../../shared/symantec/http.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { iterationFailure } from '../../helpers/connector-error.ts';
import { staticCredentials } from '../../helpers/simulator.ts';

/**
 * Security review follow-up: an error answer made of millions of token characters (an 8 MiB 400 page
 * of `a`s, under the 64 MiB body cap) ended the run with `RangeError: Maximum call stack size exceeded`
 * from the redactor's regexp, instead of a typed error. Such a body must end in the status's typed
 * error, with any echoed access token masked, and the redactor must take any log line whole.
 */
const MiB = 1024 * 1024;
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${'Qk9HVVNfVE9LRU5f'.repeat(60)}`;
const query = {
  startDate: new Date(Date.now() - 3_600_000),
  endDate: new Date(Date.now() - 60_000),
  limit: 10,
  includeEvents: false,
};

/** Every 16-character piece of `secret` found in `text` (a partial leak counts). */
function pieces(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 16))) found.push(secret.slice(i, i + 16));
  return found;
}

/** A 400 body: `head`, then `a`s up to `total` bytes, then `tail`. */
interface Body {
  head: string;
  total: number;
  tail: string;
}

/**
 * A stand-in API on 127.0.0.1 (port 0): issues TOKEN, answers every incidents request with a 400 of
 * `state.body`, streamed in 64 KiB chunks (no Content-Length) and stopped when the client hangs up.
 */
let server: Server;
let baseUrl: URL;
const state: { body: Body; sent: number } = { body: { head: '', total: 0, tail: '' }, sent: 0 };
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.endsWith('/v1/oauth2/tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 }));
      }
      const { head, total, tail } = state.body;
      const fill = Buffer.alloc(64 * 1024, 0x61);
      let left = total - head.length - tail.length;
      state.sent = 0;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.on('error', () => {});
      const pump = () => {
        if (state.sent === 0) {
          res.write(head);
          state.sent += head.length;
        }
        while (left > 0 && !res.destroyed) {
          const chunk = fill.subarray(0, Math.min(left, fill.length));
          left -= chunk.length;
          state.sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end(tail);
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function runAgainst(body: Body): Promise<ConnectorError> {
  state.body = body;
  const api = createSymantecClient({
    baseUrl,
    credentials: staticCredentials({ clientId: 'id', clientSecret: 'client-secret-value-0123' }),
    redactor: new Redactor(),
    backoffBaseMs: 1,
    maxAttempts: 2,
    requestTimeoutMs: 30_000,
  });
  const error = await iterationFailure(api.incidents.pages(query));
  return error;
}

describe('A huge 400 answer of token characters to POST /v1/incidents', () => {
  const cases: Array<[string, Body]> = [
    ['8 MiB of a', { head: '', total: 8 * MiB, tail: '' }],
    ['64 MiB of a (the body cap)', { head: '', total: 64 * MiB, tail: '' }],
    ['the token, then 8 MiB of a', { head: `${TOKEN} `, total: 8 * MiB, tail: '' }],
    [
      'a JSON message echoing the token, 64 MiB',
      { head: `{"message":"bad ${TOKEN} `, total: 64 * MiB, tail: '"}' },
    ],
    ['the token glued to 8 MiB of a', { head: `rejected ${TOKEN}`, total: 8 * MiB, tail: '' }],
  ];
  for (const [name, body] of cases) {
    it(`${name}: a typed bad_request error naming the status, no piece of the token`, async () => {
      // Act
      const error = await runAgainst(body);
      // Assess
      expect(error.kind).toBe('bad_request');
      expect(error.message).toContain('refused /v1/incidents with 400');
      expect(pieces(error.message, TOKEN)).toEqual([]);
      // A token glued to the run is dropped with it at the cut; one apart from it is masked.
      if (body.head.includes(`${TOKEN} `)) expect(error.message).toContain('[REDACTED]');
      expect(error.message.length).toBeLessThan(ERROR_MESSAGE_MAX_CHARS + 200);
    });
  }

  it('reads no more of an error body than ERROR_BODY_MAX_BYTES: 64 KiB, not the 8 MiB sent', async () => {
    // Prepare: 8 MiB without Content-Length, pulled chunk by chunk (finite, so no cap means a result).
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 8 * MiB) return controller.close();
        pulled += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x61));
      },
    });
    const fetchFn = (async () => new Response(stream, { status: 400 })) as typeof fetch;
    // Act
    const result = await send(
      fetchFn,
      new URL('/v1/incidents', baseUrl),
      { method: 'POST' },
      5_000,
      undefined,
    );
    // Assess
    expect(ERROR_BODY_MAX_BYTES).toBe(64 * 1024);
    expect(result.status).toBe(400);
    expect(pulled).toBeLessThanOrEqual(ERROR_BODY_MAX_BYTES + 2 * 64 * 1024);
    expect(result.text.length).toBeLessThanOrEqual(ERROR_BODY_MAX_BYTES + ERROR_BODY_CUT_MARK.length);
    expect(result.text.endsWith(ERROR_BODY_CUT_MARK)).toBe(true);
  });

  it('drops the token piece the read cut leaves, too short for the redactor to recognise', async () => {
    // Prepare: 8 copies of a 8190-character token, each masked to "[REDACTED] ", then a ninth whose
    // first 8 characters end exactly at the 64 KiB cut: they would be the last thing shown.
    const token = `eyJ${'Zm9vYmFyYmF6'.repeat(683)}`.slice(0, 8190);
    const redactor = new Redactor();
    redactor.add(token);
    const text = `${`${token} `.repeat(8)}${token}`;
    expect(`${token} `.repeat(8).length + 8).toBe(ERROR_BODY_MAX_BYTES);
    const fetchFn = (async () => new Response(text, { status: 400 })) as typeof fetch;
    // Act
    const result = await send(
      fetchFn,
      new URL('/v1/incidents', baseUrl),
      { method: 'POST' },
      5_000,
      undefined,
    );
    const message = String(errorBodyMessage(result.text, (t) => redactor.redact(t)));
    // Assess
    expect(message).not.toContain(token.slice(0, 8));
    expect(message).toBe(`${'[REDACTED] '.repeat(8)}${ERROR_BODY_CUT_MARK}`);
  });

  it('keeps an error body that fits whole: a JSON message still parses', async () => {
    const fetchFn = (async () =>
      new Response(JSON.stringify({ message: 'Invalid limit', pad: 'p'.repeat(60_000) }), {
        status: 400,
      })) as typeof fetch;
    const result = await send(
      fetchFn,
      new URL('/v1/incidents', baseUrl),
      { method: 'POST' },
      5_000,
      undefined,
    );
    expect(errorBodyMessage(result.text, (t) => t)).toBe('Invalid limit');
  });
});

describe('The redactor takes a huge log line whole', () => {
  const redactor = new Redactor();
  redactor.add(TOKEN);

  it('64 MiB of token characters: returned as is, no RangeError', () => {
    const line = 'a'.repeat(64 * MiB);
    expect(redactor.redact(line) === line).toBe(true);
  });

  it('a Bearer header value of 8 MiB is masked', () => {
    expect(redactor.redact(`Authorization: Bearer ${'a'.repeat(8 * MiB)}`)).toBe(
      'Authorization: Bearer [REDACTED]',
    );
  });

  it('the token, or its first 300 characters, inside or glued to an 8 MiB run is masked', () => {
    const run = 'a'.repeat(8 * MiB);
    for (const echo of [TOKEN, TOKEN.slice(0, 300)]) {
      const out = redactor.redact(`${run} ${echo} ${run}${echo}${run}`);
      expect(pieces(out, TOKEN)).toEqual([]);
      expect(out.split('[REDACTED]').length).toBeGreaterThanOrEqual(3);
    }
  });

  it('a logger line with an 8 MiB message and field is written, redacted', () => {
    const lines: string[] = [];
    const logger = new ConsoleLogger({ format: 'json', redactor, write: (l) => lines.push(l) });
    const run = 'a'.repeat(8 * MiB);
    logger.error(`run failed ${run} ${TOKEN}`, { summary: { reason: `${run} ${TOKEN}` } });
    expect(lines).toHaveLength(1);
    expect(pieces(String(lines[0]), TOKEN)).toEqual([]);
    expect(JSON.parse(String(lines[0])).summary.reason.length).toBe(8 * MiB + ' [REDACTED]'.length);
  });
});
