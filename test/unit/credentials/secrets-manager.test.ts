import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretCache, SecretsManagerCredentials } from '../../../shared/credentials/secrets-manager.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import { failure } from '../../helpers/connector-error.ts';

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

beforeEach(() => {
  sm.reset();
  clearSecretCache();
  nowMs = 1_000_000;
});
afterEach(() => sm.reset());

/**
 * SecretsManagerCredentials on a client mock, only for the answers moto cannot give: AccessDenied and
 * DecryptionFailure need IAM/KMS enforcement that moto's Secrets Manager does not do. Everything moto
 * implements (reading, caching, rotation, bad shapes, ResourceNotFoundException) is tested on moto in
 * secrets-manager.moto.test.ts.
 */
describe('Module: SecretsManagerCredentials (errors moto cannot produce)', () => {
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

  it("names kms:Decrypt when the secret's key cannot be used", async () => {
    sm.on(GetSecretValueCommand).rejects(
      new SecretsManagerServiceException({
        name: 'DecryptionFailure',
        $fault: 'client',
        message: 'denied by key policy',
        $metadata: {},
      }),
    );

    const error = await failure(source().get());

    expect(error.kind).toBe('permission');
    expect(error.action).toContain('kms:Decrypt');
  });
});
