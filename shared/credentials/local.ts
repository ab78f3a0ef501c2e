import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import { redactor } from '../logging/redact.ts';
import type { ClientCredentials, CredentialsSource } from '../ports/credentials.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import { EXPECTED_SHAPE, parseClientCredentials } from './shape.ts';

/** The built-in simulator's test client application. */
export const SIMULATOR_CREDENTIALS: Readonly<ClientCredentials> = Object.freeze({
  clientId: 'ses-simulator-client',
  clientSecret: 'ses-simulator-secret',
});

export const ENV_CLIENT_ID = 'SES_CLIENT_ID';
export const ENV_CLIENT_SECRET = 'SES_CLIENT_SECRET';

/** Credentials from SES_CLIENT_ID / SES_CLIENT_SECRET. */
export class EnvCredentials implements CredentialsSource {
  readonly description = `env ${ENV_CLIENT_ID} / ${ENV_CLIENT_SECRET}`;
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(): Promise<ClientCredentials> {
    const clientId = this.env[ENV_CLIENT_ID]?.trim();
    const clientSecret = this.env[ENV_CLIENT_SECRET]?.trim();
    if (clientSecret) redactor.add(clientSecret);
    const missing = [clientId ? '' : ENV_CLIENT_ID, clientSecret ? '' : ENV_CLIENT_SECRET].filter(Boolean);
    if (!clientId || !clientSecret) {
      throw new ConfigError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`, {
        action: `Set both ${ENV_CLIENT_ID} and ${ENV_CLIENT_SECRET} to the client application's credentials, or use a credentials file`,
      });
    }
    return { clientId, clientSecret };
  }
}

export interface FileCredentialsOptions {
  path: string;
  logger?: Logger;
}

/** Credentials from a JSON file holding {"client_id","client_secret"}; warns when others can read it. */
export class FileCredentials implements CredentialsSource {
  readonly description: string;
  private readonly path: string;
  private readonly logger: Logger;
  private cached: ClientCredentials | undefined;

  constructor(options: FileCredentialsOptions) {
    this.path = options.path;
    this.description = `credentials file ${options.path}`;
    this.logger = options.logger ?? silentLogger;
  }

  async get(): Promise<ClientCredentials> {
    if (this.cached) return this.cached;
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(`Cannot read ${this.description} (${code ?? 'error'})`, {
        action: `Create it (chmod 600) with ${EXPECTED_SHAPE}, or point the credentials file setting at an existing file`,
        details: { path: this.path, code },
      });
    }
    redactor.add(raw.trim());
    const credentials = parseClientCredentials(raw, this.description);
    redactor.add(credentials.clientSecret);
    const mode = await stat(this.path).then(
      (s) => s.mode,
      () => 0,
    );
    if (process.platform !== 'win32' && mode & 0o077) {
      this.logger.warn(`${this.description} is readable by other users: run chmod 600 on it`, {
        path: this.path,
        mode: (mode & 0o777).toString(8),
      });
    }
    this.cached = credentials;
    return credentials;
  }
}

class StaticCredentials implements CredentialsSource {
  constructor(
    readonly description: string,
    private readonly credentials: ClientCredentials,
  ) {}
  async get(): Promise<ClientCredentials> {
    return { ...this.credentials };
  }
}

export interface LocalCredentialsOptions {
  /** Path of a credentials JSON file; wins over the environment. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * The CLI's credentials: a file if given, else SES_CLIENT_ID/SES_CLIENT_SECRET if either is set, else
 * the built-in simulator's test credentials. `description` says which one was chosen.
 */
export function localCredentials(options: LocalCredentialsOptions = {}): CredentialsSource {
  const env = options.env ?? process.env;
  if (options.file)
    return new FileCredentials({ path: options.file, ...(options.logger ? { logger: options.logger } : {}) });
  if (env[ENV_CLIENT_ID]?.trim() || env[ENV_CLIENT_SECRET]?.trim()) return new EnvCredentials(env);
  redactor.add(SIMULATOR_CREDENTIALS.clientSecret);
  return new StaticCredentials(
    `built-in simulator test credentials (${SIMULATOR_CREDENTIALS.clientId}; no credentials file and no ${ENV_CLIENT_ID}/${ENV_CLIENT_SECRET} given)`,
    SIMULATOR_CREDENTIALS,
  );
}
