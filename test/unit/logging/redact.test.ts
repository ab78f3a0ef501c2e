import { describe, expect, it } from 'vitest';
import { ConsoleLogger } from '../../../shared/logging/console-logger.ts';
import { PIECE_ANYWHERE, Redactor } from '../../../shared/logging/redact.ts';
import { errorBodyMessage } from '../../../shared/symantec/errors.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { iterationFailure } from '../../helpers/connector-error.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { jsonResponse, scriptedFetch, tokenResponse } from '../symantec/scripted-fetch.ts';

/**
 * docs/security.md, "Known gaps" closed: a piece from the middle of a secret, glued to other token
 * characters on both sides, was neither inside the secret nor held its prefix, so no rule masked it.
 * Now any run of token characters holding PIECE_ANYWHERE (23) characters of a known secret is masked.
 */

/** A JWT-shaped access token (base64url parts joined by '.', with '-' and '_'), deterministic. */
function jwtOf(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = 20261202;
  let body = '';
  while (body.length < length - 21) {
    s = (s * 1664525 + 1013904223) >>> 0;
    body += alphabet[s >>> 26];
  }
  const cut = Math.floor(body.length / 2);
  return `eyJhbGciOiJSUzI1NiJ9.${body.slice(0, cut)}.${body.slice(cut + 1)}`.slice(0, length);
}
const TOKEN = jwtOf(1000);
/** A piece from the middle: away from the prefix, crossing the '.' between payload and signature. */
const middle = (length: number) => TOKEN.slice(480, 480 + length);

/** Every 16-character piece of `secret` found in `text` (a partial leak counts). */
function pieces(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 16 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 16))) found.push(secret.slice(i, i + 16));
  return found;
}

function redactorWith(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}

describe('Redactor: a middle piece of a secret glued to token characters on both sides', () => {
  const r = redactorWith(TOKEN, 'client-secret-value-0123');

  it(`masks the whole run for a piece of ${PIECE_ANYWHERE}, 40 and 200 characters`, () => {
    expect(PIECE_ANYWHERE).toBe(23);
    expect(middle(40)).toContain('.');
    for (const length of [23, 40, 200])
      for (const [before, after] of [
        ['xx', 'yy'],
        ['a', 'b'],
        ['session.', '.end'],
        ['0123456789abcdef', 'Z'],
      ]) {
        const out = r.redact(`rejected ${before}${middle(length)}${after} today`);
        expect(out, `${length} ${before}…${after}`).toBe('rejected [REDACTED] today');
      }
  });

  it('masks it at every offset in the run, and whatever token character glues it', () => {
    const piece = middle(PIECE_ANYWHERE);
    for (let offset = 0; offset < 16; offset++)
      expect(r.redact(`x ${'q'.repeat(offset)}${piece}q y`), String(offset)).toBe('x [REDACTED] y');
    // The token characters of TOKEN_RUN: letters, digits and . _ ~ + / - (JWT and base64 alphabets).
    for (const glue of ['A', 'z', '7', '.', '_', '~', '+', '/', '-'])
      expect(r.redact(`x ${glue}${piece}${glue} y`), glue).toBe('x [REDACTED] y');
  });

  it('leaves the text around the run and other runs as they were', () => {
    const uuid = '2c201b00-a742-4edc-ba5b-8ced30c98603';
    const text = `id=${uuid} other ${'Z'.repeat(40)} "${TOKEN.slice(0, 11)}"`;
    expect(r.redact(`${text} xx${middle(40)}yy`)).toBe(`${text} [REDACTED]`);
  });

  it('a piece glued after other characters than token characters is its own run, masked too', () => {
    for (const glue of [' ', '"', ':', ',', '%', '\n'])
      expect(r.redact(`x${glue}${middle(40)}${glue}y`), JSON.stringify(glue)).toBe(
        `x${glue}[REDACTED]${glue}y`,
      );
  });

  it(`below ${PIECE_ANYWHERE} characters, glued on both sides, a piece is masked only where it covers a looked-up window (documented limit)`, () => {
    // Runs are looked up at every 8th position: a 22-character piece starting 1 past one of them
    // holds no whole 16-character window at a looked-up position and stays.
    const piece = middle(PIECE_ANYWHERE - 1);
    expect(r.redact(`x q${piece}q y`)).toBe(`x q${piece}q y`);
    // The same piece at the start of the run is masked, and 16+ characters alone always are.
    expect(r.redact(`x ${piece}qq y`)).toBe('x [REDACTED] y');
    expect(r.redact(`x ${middle(16)} y`)).toBe('x [REDACTED] y');
  });

  it('checks every 8th window of a run of 8 MiB: a piece glued into its middle is masked', () => {
    const run = 'a'.repeat(4 * 1024 * 1024);
    const out = r.redact(`start ${run}${middle(40)}${run} end`);
    expect(out).toBe('start [REDACTED] end');
  });
});

describe('A glued middle piece of the access token never reaches the outputs', () => {
  const base = new URL('https://api.sep.securitycloud.symantec.com');
  const query = {
    startDate: new Date('2026-03-01T00:00:00.000Z'),
    endDate: new Date('2026-03-01T06:30:00.000Z'),
    limit: 2,
    includeEvents: false,
  };

  for (const length of [23, 40, 200]) {
    it(`a ${length}-character piece glued in a JSON error body: not in the thrown error's message`, async () => {
      // Prepare: the client registers the token it is issued; the API echoes a piece of it in a 400.
      const redactor = new Redactor();
      const body = {
        error: 'invalid_request',
        message: `bad signature sig_${middle(length)}_end`,
        code: 400,
      };
      const api = createSymantecClient({
        baseUrl: base,
        credentials: staticCredentials({ clientId: 'id', clientSecret: 'client-secret-value-0123' }),
        fetch: scriptedFetch({
          '/v1/oauth2/tokens': [tokenResponse(TOKEN)],
          '/v1/incidents': [jsonResponse(400, body)],
        }).fetch,
        clock: new FakeClock(Date.parse('2026-03-01T07:00:00.000Z')),
        backoffBaseMs: 1,
        maxAttempts: 2,
        redactor,
      });
      // Act
      const error = await iterationFailure(api.incidents.pages(query));
      // Assess
      expect(error.kind).toBe('bad_request');
      expect(error.message).toContain('bad signature [REDACTED]');
      expect(pieces(error.message, TOKEN)).toEqual([]);
      expect(pieces(String(error.stack), TOKEN)).toEqual([]);
    });
  }

  it('errorBodyMessage: a glued piece in the message of a JSON body is masked before the cut', () => {
    const r = redactorWith(TOKEN);
    const text = JSON.stringify({ message: `${'w '.repeat(140)}token=ab${middle(200)}cd` });
    const message = String(errorBodyMessage(text, (t) => r.redact(t)));
    expect(pieces(message, TOKEN)).toEqual([]);
    expect(message).toContain('token=[REDACTED]');
  });

  it('a logger line: glued pieces in the message, in fields (nested, in arrays) and in an Error field', () => {
    const r = redactorWith(TOKEN);
    const lines: string[] = [];
    const logger = new ConsoleLogger({ format: 'json', redactor: r, write: (l) => lines.push(l) });
    const glued = (length: number) => `xx${middle(length)}yy`;
    logger.error(`call failed ${glued(23)}`, {
      reason: glued(40),
      response: { body: `{"detail":"${glued(200)}"}`, list: [glued(23), 'fine'] },
      error: new Error(`thrown with ${glued(40)}`),
    });
    expect(lines).toHaveLength(1);
    const line = String(lines[0]);
    expect(pieces(line, TOKEN)).toEqual([]);
    const parsed = JSON.parse(line);
    expect(parsed.message).toBe('call failed [REDACTED]');
    expect(parsed.reason).toBe('[REDACTED]');
    expect(parsed.response.list).toEqual(['[REDACTED]', 'fine']);
    expect(parsed.error).toBe('thrown with [REDACTED]');
  });
});
