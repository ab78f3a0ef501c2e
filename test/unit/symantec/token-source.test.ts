import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../../shared/errors.ts';
import { Redactor } from '../../../shared/logging/redact.ts';
import { OAuthTokenSource } from '../../../shared/symantec/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { jsonResponse, scriptedFetch, tokenResponse } from './scripted-fetch.ts';

const base = new URL('https://api.sep.securitycloud.symantec.com');
const secret = 'sEcReT-value-123456';

function source(routes: Parameters<typeof scriptedFetch>[0], clock = new FakeClock(1_700_000_000_000)) {
  const scripted = scriptedFetch(routes);
  const redactor = new Redactor();
  const tokens = new OAuthTokenSource({
    baseUrl: base,
    credentials: staticCredentials(
      { clientId: 'my-client', clientSecret: secret },
      'Secrets Manager secret ses/prod',
    ),
    fetch: scripted.fetch,
    clock,
    backoffBaseMs: 10,
    maxAttempts: 3,
    redactor,
  });
  return { tokens, calls: scripted.calls, clock, redactor };
}

describe('Module: symantec/token-source', () => {
  it('asks POST /v1/oauth2/tokens with Basic base64(id:secret) and a form body, without following redirects', async () => {
    // Prepare
    const { tokens, calls } = source({ '/v1/oauth2/tokens': [tokenResponse('tok-abcdef')] });
    // Act
    const token = await tokens.getToken();
    // Assess
    expect(token).toBe('tok-abcdef');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('https://api.sep.securitycloud.symantec.com/v1/oauth2/tokens');
    expect(calls[0]?.method).toBe('POST');
    expect(calls[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`my-client:${secret}`).toString('base64')}`,
    );
    expect(calls[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(calls[0]?.body).toBe('grant_type=client_credentials');
    expect(calls[0]?.redirect).toBe('manual');
  });

  it('keeps the token until one minute before expiry, then fetches a new one', async () => {
    // Prepare
    const { tokens, calls, clock } = source({
      '/v1/oauth2/tokens': [tokenResponse('tok-first1', 3600), tokenResponse('tok-second', 3600)],
    });
    // Act + Assess
    expect(await tokens.getToken()).toBe('tok-first1');
    clock.advance(3540_000 - 1);
    expect(await tokens.getToken()).toBe('tok-first1');
    expect(calls).toHaveLength(1);
    clock.advance(1);
    expect(await tokens.getToken()).toBe('tok-second');
    expect(calls).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    const { tokens, calls } = source({ '/v1/oauth2/tokens': [tokenResponse('tok-shared')] });
    const got = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);
    expect(got).toEqual(['tok-shared', 'tok-shared', 'tok-shared']);
    expect(calls).toHaveLength(1);
  });

  it('fetches a new token after invalidate()', async () => {
    const { tokens, calls } = source({
      '/v1/oauth2/tokens': [tokenResponse('tok-first1'), tokenResponse('tok-second')],
    });
    await tokens.getToken();
    tokens.invalidate();
    expect(await tokens.getToken()).toBe('tok-second');
    expect(calls).toHaveLength(2);
  });

  it('reports bad credentials as an auth error naming the credential source and settings, never the secret', async () => {
    // Prepare
    const { tokens, calls } = source({
      '/v1/oauth2/tokens': [jsonResponse(401, { message: 'Credential mismatch' })],
    });
    // Act
    const error = await tokens.getToken().catch((e: unknown) => e);
    // Assess
    expect(isConnectorError(error) && error.kind).toBe('auth');
    const message = (error as Error).message;
    expect(message).toContain('Secrets Manager secret ses/prod');
    expect(message).toContain('SES_CLIENT_ID / SES_CLIENT_SECRET');
    expect(message).toContain('Credential mismatch');
    expect(message).not.toContain(secret);
    expect(message).not.toContain(Buffer.from(`my-client:${secret}`).toString('base64'));
    expect(calls).toHaveLength(1); // no retry storm on bad credentials
  });

  it('treats a 400 "Invalid Client token" as bad credentials too', async () => {
    const { tokens } = source({
      '/v1/oauth2/tokens': [jsonResponse(400, { fault: { faultstring: 'Invalid Client token' } })],
    });
    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('auth');
    expect((error as Error).message).toContain('Invalid Client token');
  });

  it('retries a 503 and a network error, then succeeds', async () => {
    const { tokens, calls } = source({
      '/v1/oauth2/tokens': [
        jsonResponse(503, { message: 'busy' }),
        new TypeError('fetch failed'),
        tokenResponse('tok-late01'),
      ],
    });
    expect(await tokens.getToken()).toBe('tok-late01');
    expect(calls).toHaveLength(3);
    expect(tokens.counters).toEqual({ requests: 3, retries: 2 });
  });

  it('registers the secret, the Basic value and the token with the redactor', async () => {
    const { tokens, redactor } = source({ '/v1/oauth2/tokens': [tokenResponse('tok-zyxwvu987')] });
    await tokens.getToken();
    const line = redactor.redact(
      `x ${secret} y tok-zyxwvu987 z ${Buffer.from(`my-client:${secret}`).toString('base64')}`,
    );
    expect(line).toBe('x [REDACTED] y [REDACTED] z [REDACTED]');
  });

  it('turns a redirect of the token call into a region error naming the target host', async () => {
    const { tokens, calls } = source({
      '/v1/oauth2/tokens': [
        new Response(null, {
          status: 302,
          headers: { location: 'https://api.sep.eu.securitycloud.symantec.com/v1/oauth2/tokens' },
        }),
      ],
    });
    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('region');
    expect((error as Error).message).toContain('api.sep.eu.securitycloud.symantec.com');
    expect(calls).toHaveLength(1);
  });
});
