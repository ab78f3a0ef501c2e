import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EnvCredentials,
  FileCredentials,
  localCredentials,
  SIMULATOR_CREDENTIALS,
} from '../../../shared/credentials/local.ts';
import { ConnectorError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/ports/logger.ts';

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
  return { logger, warnings };
}

describe('Module: local credentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'creds-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('EnvCredentials', () => {
    it('reads SES_CLIENT_ID and SES_CLIENT_SECRET', async () => {
      const source = new EnvCredentials({ SES_CLIENT_ID: 'O2ID.env', SES_CLIENT_SECRET: 'env-s3cret-value' });

      expect(await source.get()).toEqual({ clientId: 'O2ID.env', clientSecret: 'env-s3cret-value' });
      expect(source.description).toBe('env SES_CLIENT_ID / SES_CLIENT_SECRET');
    });

    it('names the missing variable, without the value of the other', async () => {
      const error = await new EnvCredentials({ SES_CLIENT_SECRET: 'env-s3cret-value' })
        .get()
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as Error).message).toMatch(/^SES_CLIENT_ID is not set/);
      expect((error as Error).message).not.toContain('env-s3cret-value');
    });
  });

  describe('FileCredentials', () => {
    it('reads the same JSON shape as the secret', async () => {
      const path = join(dir, 'creds.json');
      await writeFile(path, '{"client_id":"O2ID.file","client_secret":"file-s3cret-value"}', { mode: 0o600 });
      const { logger, warnings } = recordingLogger();

      expect(await new FileCredentials({ path, logger }).get()).toEqual({
        clientId: 'O2ID.file',
        clientSecret: 'file-s3cret-value',
      });
      expect(warnings).toEqual([]);
    });

    it('warns, but still works, when other users can read the file', async () => {
      const path = join(dir, 'open.json');
      await writeFile(path, '{"clientId":"O2ID.file","clientSecret":"file-s3cret-value"}');
      await chmod(path, 0o644);
      const { logger, warnings } = recordingLogger();

      expect((await new FileCredentials({ path, logger }).get()).clientId).toBe('O2ID.file');
      expect(warnings).toEqual([`credentials file ${path} is readable by other users: run chmod 600 on it`]);
    });

    it('names the file and the expected shape when the content is wrong, without the content', async () => {
      const path = join(dir, 'bad.json');
      await writeFile(path, 'client_secret=oops-s3cret-value', { mode: 0o600 });

      const error = (await new FileCredentials({ path }).get().catch((e: unknown) => e)) as Error;

      expect(error.message).toContain(`credentials file ${path} is not valid JSON`);
      expect(error.message).toContain('"client_id"');
      expect(error.message).not.toContain('oops-s3cret-value');
    });

    it('names the file when it does not exist', async () => {
      const path = join(dir, 'missing.json');

      await expect(new FileCredentials({ path }).get()).rejects.toThrow(
        `Cannot read credentials file ${path} (ENOENT)`,
      );
    });
  });

  describe('localCredentials', () => {
    it('prefers the file over the environment', async () => {
      const path = join(dir, 'creds.json');
      await writeFile(path, '{"client_id":"from-file","client_secret":"file-s3cret-value"}', { mode: 0o600 });

      const source = localCredentials({
        file: path,
        env: { SES_CLIENT_ID: 'from-env', SES_CLIENT_SECRET: 'env-secret' },
      });

      expect((await source.get()).clientId).toBe('from-file');
      expect(source.description).toBe(`credentials file ${path}`);
    });

    it('uses the environment when no file is given', async () => {
      const source = localCredentials({
        env: { SES_CLIENT_ID: 'from-env', SES_CLIENT_SECRET: 'env-s3cret-value' },
      });

      expect((await source.get()).clientId).toBe('from-env');
      expect(source.description).toContain('SES_CLIENT_ID');
    });

    it('falls back to the simulator test credentials and says so', async () => {
      const source = localCredentials({ env: {} });

      expect(await source.get()).toEqual({
        clientId: 'ses-simulator-client',
        clientSecret: 'ses-simulator-secret',
      });
      expect(SIMULATOR_CREDENTIALS.clientId).toBe('ses-simulator-client');
      expect(source.description).toMatch(/simulator/);
    });

    it('does not fall back to the simulator when only one variable is set: it reports the missing one', async () => {
      const source = localCredentials({ env: { SES_CLIENT_ID: 'from-env' } });

      await expect(source.get()).rejects.toThrow(/SES_CLIENT_SECRET is not set/);
    });
  });
});
