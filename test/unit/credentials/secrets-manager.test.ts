import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretCache, SecretsManagerCredentials } from '../../../shared/credentials/secrets-manager.ts';
import { ConnectorError } from '../../../shared/errors.ts';
import { redactor } from '../../../shared/logging/redact.ts';
import type { Clock } from '../../../shared/ports/clock.ts';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ses-client-AbCdEf';

let nowMs = 0;
const clock: Clock = { now: () => nowMs, sleep: async () => {} };

function source(options: { secretId?: string; maxAgeMs?: number } = {}) {
  return new SecretsManagerCredentials({
    secretId: options.secretId ?? ARN,
    client: new SecretsManagerClient({ region: 'us-east-1' }),
    clock,
    ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

beforeEach(() => {
  sm.reset();
  clearSecretCache();
  nowMs = 1_000_000;
});
afterEach(() => sm.reset());

describe('Module: SecretsManagerCredentials', () => {
  it('reads client_id and client_secret from the secret JSON', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: JSON.stringify({ client_id: 'O2ID.abc', client_secret: 'sup3r-s3cret-value' }),
    });

    expect(await source().get()).toEqual({ clientId: 'O2ID.abc', clientSecret: 'sup3r-s3cret-value' });
    expect(source().description).toBe(`Secrets Manager secret ${ARN}`);
  });

  it('also accepts clientId / clientSecret', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ clientId: 'O2ID.camel', clientSecret: 'camel-s3cret-value' }),
    });

    expect(await source().get()).toEqual({ clientId: 'O2ID.camel', clientSecret: 'camel-s3cret-value' });
  });

  it('registers the client secret with the redactor', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_id: 'O2ID.abc', client_secret: 'redact-me-please-123' }),
    });

    await source().get();

    expect(redactor.redact('token call with redact-me-please-123 failed')).toBe(
      'token call with [REDACTED] failed',
    );
  });

  it('caches the secret across instances (warm invocations) until maxAge, then fetches again', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"client_id":"id-1","client_secret":"secret-one-111"}' })
      .resolves({ SecretString: '{"client_id":"id-2","client_secret":"secret-two-222"}' });

    const first = await source({ maxAgeMs: 60_000 }).get();
    nowMs += 59_999;
    const second = await source({ maxAgeMs: 60_000 }).get();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    nowMs += 1;
    const third = await source({ maxAgeMs: 60_000 }).get();

    expect(first.clientId).toBe('id-1');
    expect(second.clientId).toBe('id-1');
    expect(third.clientId).toBe('id-2');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('keys the cache by secret id and shares one fetch between concurrent callers', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: '{"client_id":"a","client_secret":"secret-aaaa"}',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'other' }).resolves({
      SecretString: '{"client_id":"b","client_secret":"secret-bbbb"}',
    });

    const [a1, a2, b] = await Promise.all([
      source().get(),
      source().get(),
      source({ secretId: 'other' }).get(),
    ]);

    expect([a1.clientId, a2.clientId, b.clientId]).toEqual(['a', 'a', 'b']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failure: the next call fetches again', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'not json' })
      .resolves({ SecretString: '{"client_id":"fixed","client_secret":"fixed-secret-1"}' });

    await failure(source().get());
    expect((await source().get()).clientId).toBe('fixed');
  });

  it('rejects invalid JSON with an error naming the secret and the expected shape, without the secret text', async () => {
    const secretText = '{"client_id": "O2ID.abc", "client_secret": "leaky-s3cret-XYZ",';
    sm.on(GetSecretValueCommand).resolves({ SecretString: secretText });

    const error = await failure(source().get());

    expect(error.kind).toBe('auth');
    expect(error.message).toContain(ARN);
    expect(error.message).toContain('is not valid JSON');
    expect(error.message).toContain('{"client_id": "<client id>", "client_secret": "<client secret>"}');
    expect(error.message).not.toContain('leaky-s3cret-XYZ');
    expect(error.message).not.toContain('O2ID.abc');
    expect(JSON.stringify(error.details)).not.toContain('leaky');
  });

  it('names the missing fields', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_id: 'O2ID.abc', secret: 'wrong-key-s3cret' }),
    });

    const error = await failure(source().get());

    expect(error.message).toContain('is missing client_secret');
    expect(error.message).not.toContain('client_id and');
    expect(error.message).not.toContain('wrong-key-s3cret');
  });

  it('names both fields when the secret is an empty object, and invalid types without their values', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{}' })
      .resolves({ SecretString: JSON.stringify({ client_id: 'x', client_secret: 97531864 }) });

    expect((await failure(source().get())).message).toContain('is missing client_id and client_secret');
    const typeError = await failure(source().get());
    expect(typeError.message).toContain('invalid field(s) client_secret');
    expect(typeError.message).not.toContain('97531864');
  });

  it('says the secret does not exist and names SECRET_ARN', async () => {
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );

    const error = await failure(source().get());

    expect(error.kind).toBe('config');
    expect(error.message).toContain(`Secrets Manager secret ${ARN} does not exist`);
    expect(error.message).toContain('SECRET_ARN');
  });

  it('names the IAM action when access is denied', async () => {
    sm.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'denied',
        $metadata: {},
      }),
    );

    const error = await failure(source().get());

    expect(error.kind).toBe('permission');
    expect(error.message).toContain('secretsmanager:GetSecretValue');
  });
});
