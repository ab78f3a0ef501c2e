import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConnectorError } from '../errors.ts';
import { redactor } from '../logging/redact.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { ClientCredentials, CredentialsSource } from '../ports/credentials.ts';
import { EXPECTED_SHAPE, parseClientCredentials } from './shape.ts';

export interface SecretsManagerCredentialsOptions {
  /** Secret name or ARN (the stack passes SECRET_ARN). */
  secretId: string;
  client?: SecretsManagerClient;
  /** How long a fetched secret is reused across warm invocations (default 5 min), so rotation lands. */
  maxAgeMs?: number;
  clock?: Clock;
}

interface CacheEntry {
  fetchedAt: number;
  value: Promise<ClientCredentials>;
}

// Module level: a warm Lambda container reuses the secret instead of calling Secrets Manager per run.
const cache = new Map<string, CacheEntry>();

/** Forget every cached secret (tests; or after the secret was rotated). */
export function clearSecretCache(): void {
  cache.clear();
}

/** Client credentials from a Secrets Manager secret holding {"client_id","client_secret"}. */
export class SecretsManagerCredentials implements CredentialsSource {
  readonly description: string;
  private readonly secretId: string;
  private readonly client: SecretsManagerClient;
  private readonly maxAgeMs: number;
  private readonly clock: Clock;

  constructor(options: SecretsManagerCredentialsOptions) {
    this.secretId = options.secretId;
    this.description = `Secrets Manager secret ${options.secretId}`;
    this.client = options.client ?? new SecretsManagerClient({});
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  get(): Promise<ClientCredentials> {
    const now = this.clock.now();
    const hit = cache.get(this.secretId);
    if (hit && now - hit.fetchedAt < this.maxAgeMs) return hit.value;
    const entry: CacheEntry = { fetchedAt: now, value: this.fetch() };
    cache.set(this.secretId, entry);
    // A failure must not be cached: the next run (or a fixed secret) gets a fresh try.
    entry.value.catch(() => {
      if (cache.get(this.secretId) === entry) cache.delete(this.secretId);
    });
    return entry.value;
  }

  /** Drop this secret from the cache (e.g. after the API rejected the credentials). */
  invalidate(): void {
    cache.delete(this.secretId);
  }

  private async fetch(): Promise<ClientCredentials> {
    let raw: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      raw =
        out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (raw) redactor.add(raw);
    } catch (error) {
      throw this.awsError(error);
    }
    if (!raw) {
      throw new ConnectorError('auth', `${this.description} has no value`, {
        action: `Put the client application's credentials in it as JSON: ${EXPECTED_SHAPE}`,
        details: { secretId: this.secretId },
      });
    }
    const credentials = parseClientCredentials(raw, this.description);
    redactor.add(credentials.clientSecret);
    return credentials;
  }

  private awsError(error: unknown): ConnectorError {
    const name = (error as { name?: string })?.name ?? 'Error';
    const details = { secretId: this.secretId, awsError: name };
    switch (name) {
      case 'ResourceNotFoundException':
        return new ConnectorError('config', `${this.description} does not exist (or is not in this region)`, {
          action: `Create it with ${EXPECTED_SHAPE}, or set SECRET_ARN to the right secret`,
          details,
          cause: error,
        });
      case 'AccessDeniedException':
        return new ConnectorError('permission', `Access denied reading ${this.description}`, {
          action: 'Grant secretsmanager:GetSecretValue on the secret to the collector role',
          details,
          cause: error,
        });
      case 'DecryptionFailure':
        return new ConnectorError('permission', `${this.description} cannot be decrypted`, {
          action: "Grant kms:Decrypt on the secret's KMS key to the collector role",
          details,
          cause: error,
        });
      case 'InvalidRequestException':
        return new ConnectorError('config', `${this.description} cannot be read (deleted or disabled?)`, {
          action: 'Restore the secret or set SECRET_ARN to an active one',
          details,
          cause: error,
        });
      default:
        return new ConnectorError('network', `Reading ${this.description} failed (${name})`, {
          action: 'Check network access to Secrets Manager (VPC endpoint or NAT); the next run retries',
          details,
          cause: error,
        });
    }
  }
}
