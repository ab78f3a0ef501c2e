import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretCache, SecretsManagerCredentials } from '../../../shared/credentials/secrets-manager.ts';
import { redactor } from '../../../shared/logging/redact.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import { failure } from '../../helpers/connector-error.ts';
import { type MotoAws, motoReady, startMotoAws } from '../../helpers/moto-aws.ts';

/**
 * SecretsManagerCredentials against moto's Secrets Manager (the real JSON protocol, real secrets,
 * real ResourceNotFoundException). Errors moto cannot produce (AccessDenied, DecryptionFailure) stay
 * on the client mock in secrets-manager.test.ts.
 */
let nowMs = 0;
const clock: Clock = { now: () => nowMs, sleep: async () => {} };

describe.skipIf(!motoReady)('Module: SecretsManagerCredentials on moto', () => {
  let aws: MotoAws;
  let client: SecretsManagerClient;
  let calls = 0;

  beforeAll(async () => {
    aws = await startMotoAws();
    client = new SecretsManagerClient(aws.config);
    // Count GetSecretValue requests as they leave the SDK (the cache is what is under test).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetSecretValueCommand') calls++;
        return next(args);
      },
      { step: 'initialize', name: 'countGetSecretValue' },
    );
  });
  afterAll(async () => {
    client?.destroy();
    await aws?.close();
  });
  beforeEach(async () => {
    await aws.reset();
    clearSecretCache();
    calls = 0;
    nowMs = 1_000_000;
  });

  async function secret(name: string, value: string): Promise<string> {
    const out = await aws.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return String(out.ARN);
  }
  const source = (secretId: string, maxAgeMs?: number) =>
    new SecretsManagerCredentials({
      secretId,
      client,
      clock,
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    });

  it('reads client_id and client_secret from the secret JSON, by ARN and by name', async () => {
    const arn = await secret(
      'ses-client',
      JSON.stringify({ client_id: 'O2ID.abc', client_secret: 'sup3r-s3cret-value' }),
    );
    expect(await source(arn).get()).toEqual({ clientId: 'O2ID.abc', clientSecret: 'sup3r-s3cret-value' });
    clearSecretCache();
    expect(await source('ses-client').get()).toEqual({
      clientId: 'O2ID.abc',
      clientSecret: 'sup3r-s3cret-value',
    });
  });

  it('also accepts clientId / clientSecret, and registers the secret with the redactor', async () => {
    const arn = await secret(
      'ses-camel',
      JSON.stringify({ clientId: 'O2ID.camel', clientSecret: 'camel-s3cret-value-on-moto' }),
    );
    expect(await source(arn).get()).toEqual({
      clientId: 'O2ID.camel',
      clientSecret: 'camel-s3cret-value-on-moto',
    });
    expect(redactor.redact('token call with camel-s3cret-value-on-moto failed')).toBe(
      'token call with [REDACTED] failed',
    );
  });

  it('caches the secret across instances until maxAge; a rotated value is read after it', async () => {
    const arn = await secret('ses-rotating', '{"client_id":"id-1","client_secret":"secret-one-111"}');
    const first = await source(arn, 60_000).get();
    await aws.secrets.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: '{"client_id":"id-2","client_secret":"secret-two-222"}',
      }),
    );
    nowMs += 59_999;
    const second = await source(arn, 60_000).get();
    expect(calls).toBe(1);
    nowMs += 1;
    const third = await source(arn, 60_000).get();
    expect([first.clientId, second.clientId, third.clientId]).toEqual(['id-1', 'id-1', 'id-2']);
    expect(calls).toBe(2);
  });

  it('keys the cache by secret id and shares one fetch between concurrent callers', async () => {
    const a = await secret('ses-a', '{"client_id":"a","client_secret":"secret-aaaa"}');
    const b = await secret('ses-b', '{"client_id":"b","client_secret":"secret-bbbb"}');
    const got = await Promise.all([source(a).get(), source(a).get(), source(b).get()]);
    expect(got.map((c) => c.clientId)).toEqual(['a', 'a', 'b']);
    expect(calls).toBe(2);
  });

  it('does not cache a failure: fixed in Secrets Manager, the next call reads it', async () => {
    const arn = await secret('ses-broken', 'not json');
    await failure(source(arn).get());
    await aws.secrets.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: '{"client_id":"fixed","client_secret":"fixed-secret-1"}',
      }),
    );
    expect((await source(arn).get()).clientId).toBe('fixed');
  });

  it('rejects invalid JSON naming the secret and the expected shape, without the secret text', async () => {
    const arn = await secret('ses-invalid', '{"client_id": "O2ID.abc", "client_secret": "leaky-s3cret-XYZ",');
    const error = await failure(source(arn).get());
    expect(error.kind).toBe('auth');
    expect(error.message).toContain(arn);
    expect(error.message).toContain('is not valid JSON');
    expect(error.message).toContain('{"client_id": "<client id>", "client_secret": "<client secret>"}');
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('leaky-s3cret-XYZ');
    expect(error.message).not.toContain('O2ID.abc');
  });

  it('names the missing fields, and invalid types without their values', async () => {
    const missing = await secret('ses-missing', '{"client_id":"O2ID.abc","secret":"wrong-key-s3cret"}');
    const empty = await secret('ses-empty', '{}');
    const typed = await secret('ses-typed', '{"client_id":"x","client_secret":97531864}');
    const m = await failure(source(missing).get());
    expect(m.message).toContain('is missing client_secret');
    expect(m.message).not.toContain('wrong-key-s3cret');
    expect((await failure(source(empty).get())).message).toContain('is missing client_id and client_secret');
    const t = await failure(source(typed).get());
    expect(t.message).toContain('invalid field(s) client_secret');
    expect(t.message).not.toContain('97531864');
  });

  it("says a secret that does not exist does not exist, from Secrets Manager's own answer, and names SECRET_ARN", async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ses-nowhere-AbCdEf';
    const error = await failure(source(arn).get());
    expect(error.kind).toBe('config');
    expect(error.message).toContain(`Secrets Manager secret ${arn} does not exist`);
    expect(error.action).toContain('SECRET_ARN');
    expect(error.details).toMatchObject({ awsError: 'ResourceNotFoundException' });
  });
});
