import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod/mini';
import { CheckpointConflictError, ConnectorError } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import type { Checkpoint, CheckpointState, CheckpointStore, Lease } from '../ports/checkpoint-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { checkExpectedVersion, checkTenant, stateOf } from './common.ts';

export interface FileCheckpointStoreOptions {
  /** JSON file holding every tenant's checkpoint, lease and auxiliary state. */
  path: string;
  clock?: Clock;
  /** How long to wait for another process's lock on the file before giving up (default 10 s). */
  lockTimeoutMs?: number;
}

const tenantSchema = z.object({
  checkpoint: z.optional(
    z.object({
      version: z.number().check(z.int(), z.minimum(1)),
      updatedAt: z.string(),
      state: z.record(z.string(), z.unknown()),
    }),
  ),
  lease: z.optional(z.object({ owner: z.string(), expiresAt: z.number() })),
  state: z.optional(z.record(z.string(), z.unknown())),
});
const fileSchema = z.object({
  format: z.literal(1),
  tenants: z.record(z.string(), tenantSchema),
});
type FileContent = z.infer<typeof fileSchema>;
type TenantRecord = z.infer<typeof tenantSchema>;

/** A lock older than this belongs to a crashed process: no write holds it for more than milliseconds. */
const STALE_LOCK_MS = 30_000;

// Serialises read-modify-write cycles per file within this process (the lock file covers other processes).
const queues = new Map<string, Promise<unknown>>();

/**
 * Checkpoint store in one local JSON file, with the same conditional semantics as the DynamoDB store:
 * every save names the version it read, the lease is free when absent, expired or ours. Writes go to
 * a temp file that is fsynced and renamed over the file, so a crash leaves the old or the new content,
 * never half of one.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string;
  private readonly clock: Clock;
  private readonly lockTimeoutMs: number;

  constructor(options: FileCheckpointStoreOptions) {
    this.path = options.path;
    this.clock = options.clock ?? systemClock;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  }

  async load(tenant: string): Promise<Checkpoint | undefined> {
    checkTenant(tenant);
    const record = (await this.read()).tenants[tenant]?.checkpoint;
    if (!record) return undefined;
    return {
      ...(record.state as CheckpointState),
      tenant,
      version: record.version,
      updatedAt: record.updatedAt,
    };
  }

  async save(tenant: string, state: CheckpointState, expectedVersion: number): Promise<Checkpoint> {
    checkTenant(tenant);
    checkExpectedVersion(expectedVersion);
    const clean = stateOf(state);
    return this.update((content) => {
      const record = tenantRecord(content, tenant);
      const current = record.checkpoint?.version ?? 0;
      if (current !== expectedVersion) {
        throw new CheckpointConflictError(
          `Checkpoint of tenant "${tenant}" in ${this.path} is at version ${current}, not the expected ${expectedVersion}: another run saved it meanwhile`,
          {
            action:
              'Reload the checkpoint and run again; make sure only one collector per tenant uses this file',
            details: { tenant, path: this.path, expectedVersion, currentVersion: current },
          },
        );
      }
      const updatedAt = new Date(this.clock.now()).toISOString();
      record.checkpoint = {
        version: expectedVersion + 1,
        updatedAt,
        state: clean as Record<string, unknown>,
      };
      return { ...clean, tenant, version: expectedVersion + 1, updatedAt };
    });
  }

  async acquireLease(
    tenant: string,
    owner: string,
    expiresAt: number,
    now: number,
  ): Promise<Lease | undefined> {
    checkTenant(tenant);
    return this.update((content) => {
      const record = tenantRecord(content, tenant);
      const lease = record.lease;
      if (lease && !(lease.expiresAt < now) && lease.owner !== owner) return { ...lease };
      record.lease = { owner, expiresAt };
      return undefined;
    });
  }

  async releaseLease(tenant: string, owner: string): Promise<void> {
    checkTenant(tenant);
    await this.update((content) => {
      const record = content.tenants[tenant];
      if (record?.lease?.owner === owner) delete record.lease;
      return undefined;
    });
  }

  async readLease(tenant: string): Promise<Lease | undefined> {
    checkTenant(tenant);
    const lease = (await this.read()).tenants[tenant]?.lease;
    return lease ? { ...lease } : undefined;
  }

  /**
   * Auxiliary state (monitors) lives in its own file beside the checkpoint (`<path>.state/<tenant>/<name>.json`):
   * it can grow large, and the checkpoint file is rewritten after every page.
   */
  async loadState<T = unknown>(tenant: string, name: string): Promise<T | undefined> {
    checkTenant(tenant);
    let text: string;
    try {
      text = await readFile(this.statePath(tenant, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw this.fsError(error, 'read the state beside');
      // Files written before state moved out of the checkpoint file keep it inline.
      return (await this.read()).tenants[tenant]?.state?.[name] as T | undefined;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.corrupt(`its state file ${this.statePath(tenant, name)} is not valid JSON`);
    }
  }

  async saveState(tenant: string, name: string, value: unknown): Promise<void> {
    checkTenant(tenant);
    const target = this.statePath(tenant, name);
    if (value === undefined) {
      await unlink(target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw this.fsError(error, 'delete the state beside');
      });
      return;
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFileAtomic(target, JSON.stringify(value), { mode: 0o600 });
    } catch (error) {
      throw this.fsError(error, 'write the state beside');
    }
  }

  private statePath(tenant: string, name: string): string {
    return join(`${this.path}.state`, encodeURIComponent(tenant), `${encodeURIComponent(name)}.json`);
  }

  /** Read-modify-write under the in-process queue and the cross-process lock file. */
  private update<R>(change: (content: FileContent) => R): Promise<R> {
    const previous = queues.get(this.path) ?? Promise.resolve();
    const run = previous.then(async () => {
      await mkdir(dirname(this.path), { recursive: true }).catch((error) => {
        throw this.fsError(error, 'create the directory of');
      });
      const unlock = await this.lock();
      try {
        const content = await this.read();
        const result = change(content);
        await this.write(content);
        return result;
      } finally {
        await unlock();
      }
    });
    const settled = run.catch(() => undefined);
    queues.set(this.path, settled);
    void settled.then(() => {
      if (queues.get(this.path) === settled) queues.delete(this.path);
    });
    return run;
  }

  private async read(): Promise<FileContent> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, tenants: {} };
      throw this.fsError(error, 'read');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.corrupt('it is not valid JSON');
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw this.corrupt(`its structure is not a checkpoint file (unexpected value at ${where})`);
    }
    return parsed.data;
  }

  private async write(content: FileContent): Promise<void> {
    try {
      await writeFileAtomic(this.path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      throw this.fsError(error, 'write');
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.fsError(error, 'lock');
      }
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // A process killed while it held the lock (SIGKILL, out of memory) cannot remove it: when the pid
      // it wrote is gone on this host the lock is stale at once, not after STALE_LOCK_MS.
      if (age > STALE_LOCK_MS || (await holderIsGone(lockPath))) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new ConnectorError(
          'checkpoint_conflict',
          `Checkpoint file ${this.path} is locked by another process`,
          {
            action: `If no other collector is running, delete ${lockPath}`,
            details: { path: this.path, lockPath },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }

  private corrupt(why: string): ConnectorError {
    return new ConnectorError('config', `Checkpoint file ${this.path} is corrupt: ${why}`, {
      action:
        'Restore it from a backup, or move it away to start again from the initial lookback (SES_INITIAL_LOOKBACK_MINUTES)',
      details: { path: this.path },
    });
  }

  private fsError(error: unknown, verb: string): ConnectorError {
    const code = (error as NodeJS.ErrnoException).code;
    const permission = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
    return new ConnectorError(
      permission ? 'permission' : 'config',
      `Cannot ${verb} checkpoint file ${this.path} (${code ?? String(error)})`,
      {
        action: permission
          ? 'Make the file and its directory writable by this user, or choose another checkpoint path'
          : 'Check that the checkpoint path is a writable file location',
        details: { path: this.path, code },
        cause: error,
      },
    );
  }
}

/** True when the lock names a process id that no longer exists here (a lock being written reads as held). */
async function holderIsGone(lockPath: string): Promise<boolean> {
  const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function tenantRecord(content: FileContent, tenant: string): TenantRecord {
  content.tenants[tenant] ??= {};
  return content.tenants[tenant];
}
