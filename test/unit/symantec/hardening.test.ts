import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../shared/logging/redact.ts';
import type { IncidentQuery } from '../../../shared/ports/incident-source.ts';
import type { Logger } from '../../../shared/ports/logger.ts';
import { errorBodyMessage } from '../../../shared/symantec/errors.ts';
import { send } from '../../../shared/symantec/http.ts';
import { createSymantecClient, OAuthTokenSource } from '../../../shared/symantec/index.ts';
import { tokenLifetimeSeconds } from '../../../shared/symantec/token-source.ts';
import { iterationFailure as failure, allOf as pages } from '../../helpers/connector-error.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { type Answer, jsonResponse, scriptedFetch, tokenResponse } from './scripted-fetch.ts';

/**
 * The security review's findings against the API client, each as the behaviour that must hold: echoed
 * tokens never reach an error, bodies are size-capped, token lifetimes are bounded, invalid UTF-8 is
 * never delivered altered, and a redirect's host is only suggested when it is a Symantec region.
 */
const base = new URL('https://api.sep.securitycloud.symantec.com');
const query: IncidentQuery = {
  startDate: new Date('2026-03-01T00:00:00.000Z'),
  endDate: new Date('2026-03-01T06:30:00.000Z'),
  limit: 2,
  includeEvents: true,
};

function tokenOf(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = 'eyJ';
  for (let i = 0; out.length < length; i++) out += alphabet[(i * 7 + 3) % alphabet.length];
  return out;
}

function client(incidents: Answer[], tokens: Answer[], redactor = new Redactor()) {
  const scripted = scriptedFetch({ '/v1/oauth2/tokens': tokens, '/v1/incidents': incidents });
  const api = createSymantecClient({
    baseUrl: base,
    credentials: staticCredentials({ clientId: 'id', clientSecret: 'client-secret-value-0123' }),
    fetch: scripted.fetch,
    clock: new FakeClock(Date.parse('2026-03-01T07:00:00.000Z')),
    backoffBaseMs: 10,
    maxAttempts: 2,
    random: () => 0.5,
    redactor,
  });
  return { api, calls: scripted.calls };
}

/** Every 16-character piece of `secret` found in `text` (a partial leak counts). */
function pieces(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 16))) found.push(secret.slice(i, i + 16));
  return found;
}

describe('Security review: echoed tokens are redacted before the error text is cut', () => {
  for (const length of [40, 287, 300, 600, 2_000]) {
    it(`keeps every piece of a ${length}-character access token echoed whole in a 400 body out of the error`, async () => {
      // Prepare
      const token = tokenOf(length);
      const { api } = client(
        [jsonResponse(400, { message: `Bad request for token ${token}` })],
        [tokenResponse(token)],
      );
      // Act
      const error = await failure(api.incidents.pages(query));
      // Assess
      expect(error.kind).toBe('bad_request');
      expect(error.message).toContain('[REDACTED]');
      expect(pieces(error.message, token)).toEqual([]);
    });
  }

  it('masks a token echoed in part: its first 290 characters, its last 60, a 40-character middle piece', async () => {
    // Prepare
    const token = tokenOf(600);
    const echoes = [token.slice(0, 290), token.slice(-60), token.slice(200, 240)];
    for (const echo of echoes) {
      const { api } = client(
        [jsonResponse(400, { message: `invalid bearer ${echo} (truncated)` })],
        [tokenResponse(token)],
      );
      // Act
      const error = await failure(api.incidents.pages(query));
      // Assess
      expect(pieces(error.message, token), echo.slice(0, 20)).toEqual([]);
    }
  });

  it('masks the client secret echoed by the token endpoint, whole and cut short', async () => {
    // Prepare
    const secret = 'client-secret-value-0123';
    for (const echo of [secret, secret.slice(0, 18)]) {
      const { api } = client([], [jsonResponse(401, { error_description: `client ${echo} unknown` })]);
      // Act
      const error = await failure(api.incidents.pages(query));
      // Assess
      expect(error.kind).toBe('auth');
      expect(error.message).not.toContain(secret.slice(0, 16));
    }
  });

  it('redacts before cutting: a token straddling the 300-character cut leaves none of its characters', async () => {
    // Prepare: the token starts at character 292, so cutting first would leave its first 8 characters,
    // too short for any piece or prefix rule to recognise.
    for (const length of [40, 120, 600]) {
      const token = tokenOf(length);
      const { api } = client(
        [jsonResponse(400, { message: `${', '.repeat(146)}${token}` })],
        [tokenResponse(token)],
      );
      // Act
      const error = await failure(api.incidents.pages(query));
      // Assess
      expect(error.message, `token of ${length}`).not.toContain(token.slice(0, 8));
    }
  });

  it('errorBodyMessage hands the whole text to the redactor, then cuts', () => {
    // An exact-match redactor (no piece rules) only works when it sees the whole token.
    const token = tokenOf(600);
    const seen: string[] = [];
    const exact = (t: string) => {
      seen.push(t);
      return t.split(token).join('[REDACTED]');
    };
    const message = errorBodyMessage(JSON.stringify({ message: `bad token ${token} given` }), exact);
    expect(seen).toEqual([`bad token ${token} given`]);
    expect(message).toBe('bad token [REDACTED] given');
    expect(pieces(String(message), token)).toEqual([]);
  });

  it('still cuts a long error text to 300 characters after redaction', async () => {
    // Prepare
    const { api } = client(
      [jsonResponse(400, { message: 'x'.repeat(5_000) })],
      [tokenResponse('tok-short-1')],
    );
    // Act
    const error = await failure(api.incidents.pages(query));
    // Assess
    expect(error.message).toContain(`${'x'.repeat(300)}...`);
    expect(error.message).not.toContain('x'.repeat(301));
  });

  it('Redactor: masks a run starting with a known secret prefix and any 16+ character piece of one', () => {
    const r = new Redactor();
    const token = tokenOf(400);
    r.add(token);
    expect(r.redact(`a ${token.slice(0, 287)} b`)).toBe('a [REDACTED] b');
    expect(r.redact(`tail=${token.slice(-30)}`)).toBe('tail=[REDACTED]');
    expect(r.redact(`other ${'Z'.repeat(40)} and uuid 2c201b00-a742-4edc-ba5b-8ced30c98603`)).toBe(
      `other ${'Z'.repeat(40)} and uuid 2c201b00-a742-4edc-ba5b-8ced30c98603`,
    );
  });
});

describe('Security review: response bodies are size-capped', () => {
  const url = new URL('https://api.sep.securitycloud.symantec.com/v1/incidents');
  const init = { method: 'POST' };

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    // Prepare: a body far longer than the cap (finite, so a client without the cap fails, not hangs).
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 64) controller.close();
        else controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const fetchFn = (async () =>
      new Response(body, {
        status: 200,
        headers: { 'content-length': String(400 * 1024 * 1024) },
      })) as typeof fetch;
    // Act
    const error = await send(fetchFn, url, init, 5_000, undefined, 1024 * 1024).catch((e: unknown) => e);
    // Assess
    expect((error as { failure?: { kind: string; reason: string } }).failure?.kind).toBe('invalid_response');
    expect((error as { failure?: { reason: string } }).failure?.reason).toContain(
      '419430400 bytes (Content-Length)',
    );
    expect(pulled).toBeLessThanOrEqual(2);
  });

  it('stops reading a streamed body without Content-Length once it passes the cap', async () => {
    // Prepare: 8 MiB with no Content-Length, against a 1 MiB cap (finite: no cap means a result, not a hang).
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const fetchFn = (async () => new Response(body, { status: 200 })) as typeof fetch;
    // Act
    const error = await send(fetchFn, url, init, 5_000, undefined, 1024 * 1024).catch((e: unknown) => e);
    // Assess
    expect((error as { failure?: { kind?: string } }).failure?.kind, 'a body over the cap is refused').toBe(
      'invalid_response',
    );
    expect((error as { failure?: { reason: string } }).failure?.reason).toContain(
      `more than ${1024 * 1024} bytes (streamed)`,
    );
    expect(sent).toBeLessThan(2 * 1024 * 1024);
  });

  it('gives the client an invalid_response error that says to lower SES_PAGE_SIZE', async () => {
    // Prepare
    const huge = () =>
      new Response('{}', { status: 200, headers: { 'content-length': String(400 * 1024 * 1024) } });
    const { api } = client([huge(), huge()], [tokenResponse('tok-aaaaaa')]);
    // Act
    const error = await failure(api.incidents.pages(query));
    // Assess
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toContain('over the 67108864 bytes the connector reads');
    expect(error.action).toContain('SES_PAGE_SIZE');
  });
});

describe('Security review: the token lifetime (expires_in) is bounded and named', () => {
  const cases: Array<[unknown, number, RegExp | undefined]> = [
    [3600, 3600, undefined],
    ['7200', 7200, undefined],
    [1e300, 86_400, /expires_in=1e\+300 is outside 60\.\.86400 s; using 86400 s/],
    ['12345678901234567890', 86_400, /expires_in=12345678901234567890 is outside/],
    [0, 60, /expires_in=0 is outside 60\.\.86400 s; using 60 s/],
    [-5, 60, /expires_in=-5 is outside/],
    [0.001, 60, /expires_in=0\.001 is outside/],
    ['soon', 3600, /expires_in is not a number \("soon"\); assuming 3600 s/],
    [undefined, 3600, /expires_in is missing/],
  ];
  for (const [value, seconds, warning] of cases) {
    it(`expires_in ${JSON.stringify(value) ?? 'missing'} -> ${seconds} s${warning ? ', with a warning naming the field' : ''}`, () => {
      const warnings: string[] = [];
      expect(tokenLifetimeSeconds(value, (m) => warnings.push(m))).toBe(seconds);
      if (warning) expect(warnings.join('\n')).toMatch(warning);
      else expect(warnings).toEqual([]);
    });
  }

  it('a token with expires_in 1e300 is cached instead of crashing the run; 0.001 does not cost a token per call', async () => {
    for (const expiresIn of [1e300, 0.001]) {
      // Prepare
      const clock = new FakeClock(Date.parse('2026-03-01T07:00:00.000Z'));
      const scripted = scriptedFetch({
        '/v1/oauth2/tokens': [tokenResponse('tok-first-1', expiresIn), tokenResponse('tok-second', 3600)],
      });
      const warnings: string[] = [];
      const logger: Logger = {
        debug() {},
        info() {},
        warn: (m: string) => {
          warnings.push(m);
        },
        error() {},
      };
      const tokens = new OAuthTokenSource({
        baseUrl: base,
        credentials: staticCredentials({ clientId: 'id', clientSecret: 'client-secret-value-0123' }),
        fetch: scripted.fetch,
        clock,
        logger,
      });
      // Act
      const first = await tokens.getToken();
      clock.advance(1_000);
      const second = await tokens.getToken();
      // Assess
      expect([first, second]).toEqual(['tok-first-1', 'tok-first-1']);
      expect(scripted.calls).toHaveLength(1);
      expect(warnings.join('\n')).toContain('expires_in');
    }
  });
});

describe('Security review: invalid UTF-8 is quarantined, not delivered altered', () => {
  it('reports the items with invalid bytes as invalid and keeps the clean ones', async () => {
    // Prepare: item 2 carries the byte 0xFF inside a string.
    const head = Buffer.from(
      '{"total":2,"incidents":[{"incident_uid":"uid-1","time":1772323200001,"type_id":8075},{"incident_uid":"uid-2","time":1772323200002,"type_id":8075,"device_name":"PC-',
    );
    const tail = Buffer.from('"}]}');
    const body = Buffer.concat([head, Buffer.from([0xff]), tail]);
    const { api } = client(
      [new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })],
      [tokenResponse('tok-aaaaaa')],
    );
    // Act
    const [page] = await pages(api.incidents.pages(query));
    // Assess
    expect(page?.incidents.map((i) => i.incident_uid)).toEqual(['uid-1']);
    expect(page?.invalid).toHaveLength(1);
    expect(page?.invalid[0]?.reason).toContain('not valid UTF-8');
    expect((page?.invalid[0]?.raw as { incident_uid?: string } | undefined)?.incident_uid).toBe('uid-2');
  });

  it('keeps a real U+FFFD of a valid UTF-8 body as data', async () => {
    // Prepare
    const text =
      '{"total":1,"incidents":[{"incident_uid":"uid-1","time":1772323200001,"type_id":8075,"device_name":"PC-\uFFFD"}]}';
    const { api } = client([new Response(text, { status: 200 })], [tokenResponse('tok-aaaaaa')]);
    // Act
    const [page] = await pages(api.incidents.pages(query));
    // Assess
    expect(page?.incidents).toHaveLength(1);
    expect(page?.invalid).toEqual([]);
  });
});

describe('Security review: the wrong-region hint only names Symantec region hosts', () => {
  it('suggests SES_API_REGION=eu for a redirect to the EU host', async () => {
    const { api } = client(
      [
        new Response(null, {
          status: 301,
          headers: { location: 'https://api.sep.eu.securitycloud.symantec.com/v1/incidents' },
        }),
      ],
      [tokenResponse('tok-aaaaaa')],
    );
    const error = await failure(api.incidents.pages(query));
    expect(error.action).toBe(
      'Set SES_API_REGION=eu (the region of api.sep.eu.securitycloud.symantec.com), or SES_API_URL=https://api.sep.eu.securitycloud.symantec.com',
    );
  });

  it('never suggests SES_API_URL for a redirect to another host', async () => {
    const { api } = client(
      [new Response(null, { status: 302, headers: { location: 'https://login.evil.example/steal' } })],
      [tokenResponse('tok-aaaaaa')],
    );
    const error = await failure(api.incidents.pages(query));
    expect(error.message).toContain('it points to login.evil.example (not a Symantec API region host)');
    expect(error.action).not.toContain('evil');
    expect(error.action).toContain(
      'https://api.sep.securitycloud.symantec.com, https://api.sep.eu.securitycloud.symantec.com',
    );
  });
});
