import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { FileCheckpointStore } from '../../../shared/checkpoint/file.ts';
import { CheckpointConflictError } from '../../../shared/errors.ts';
import type { CheckpointStore } from '../../../shared/ports/checkpoint-store.ts';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.ts';

interface Harness {
  setup(): Promise<void>;
  /** A fresh, empty store (new file / new table) for each test. */
  fresh(): Promise<CheckpointStore>;
  teardown(): Promise<void>;
}

let dir = '';
let dyn: DynaliteHandle | undefined;
let tableCount = 0;

const harnesses: [string, Harness][] = [
  [
    'FileCheckpointStore',
    {
      async setup() {
        dir = await mkdtemp(join(tmpdir(), 'ckpt-'));
      },
      async fresh() {
        tableCount++;
        return new FileCheckpointStore({ path: join(dir, `nested/dir-${tableCount}/checkpoint.json`) });
      },
      async teardown() {
        await rm(dir, { recursive: true, force: true });
      },
    },
  ],
  [
    'DynamoDbCheckpointStore (dynalite)',
    {
      async setup() {
        dyn = await startDynalite();
      },
      async fresh() {
        const name = `checkpoints-${++tableCount}`;
        await dyn!.createTable(name);
        return new DynamoDbCheckpointStore({ tableName: name, client: dyn!.client });
      },
      async teardown() {
        await dyn?.close();
      },
    },
  ],
];

describe.each(harnesses)('Checkpoint store contract: %s', (_name, harness) => {
  let store: CheckpointStore;
  beforeAll(() => harness.setup());
  afterAll(() => harness.teardown());
  beforeEach(async () => {
    store = await harness.fresh();
  });

  it('has no checkpoint before the first save', async () => {
    expect(await store.load('acme')).toBeUndefined();
  });

  it('saves the first checkpoint with expected version 0 and loads it back at version 1', async () => {
    const saved = await store.save('acme', { watermark: '2024-05-01T00:00:00.000Z' }, 0);

    expect(saved).toMatchObject({ tenant: 'acme', version: 1, watermark: '2024-05-01T00:00:00.000Z' });
    expect(Number.isNaN(Date.parse(saved.updatedAt))).toBe(false);
    expect(await store.load('acme')).toEqual(saved);
  });

  it('round-trips every state field, including the cursor and the last run summary', async () => {
    const state = {
      watermark: '2024-05-01T00:00:00.000Z',
      cursor: { start: '2024-05-01T00:00:00.000Z', end: '2024-05-01T01:00:00.000Z', offset: 2000 },
      lastOpenSweep: '2024-05-01T00:30:00.000Z',
      lastSuccess: '2024-05-01T00:31:00.000Z',
      lastRun: { incidents: 12, pages: 2, status: 'partial' },
    };
    await store.save('acme', state, 0);

    const loaded = await store.load('acme');

    expect(loaded).toMatchObject({ ...state, tenant: 'acme', version: 1 });
  });

  it('increments the version on every save', async () => {
    const v1 = await store.save('acme', { watermark: 'a' }, 0);
    const v2 = await store.save('acme', { watermark: 'b' }, v1.version);
    const v3 = await store.save('acme', { watermark: 'c' }, v2.version);

    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
    expect(await store.load('acme')).toMatchObject({ version: 3, watermark: 'c' });
  });

  it('rejects a save that names a stale version and keeps the stored checkpoint', async () => {
    await store.save('acme', { watermark: 'a' }, 0);
    await store.save('acme', { watermark: 'b' }, 1);

    await expect(store.save('acme', { watermark: 'stale' }, 1)).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    await expect(store.save('acme', { watermark: 'again' }, 0)).rejects.toMatchObject({
      kind: 'checkpoint_conflict',
    });
    expect(await store.load('acme')).toMatchObject({ version: 2, watermark: 'b' });
  });

  it('rejects a save with a version ahead of the stored one', async () => {
    await expect(store.save('acme', { watermark: 'x' }, 5)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await store.load('acme')).toBeUndefined();
  });

  it('lets exactly one of two concurrent saves with the same expected version win', async () => {
    await store.save('acme', { watermark: 'base' }, 0);

    const results = await Promise.allSettled([
      store.save('acme', { watermark: 'first' }, 1),
      store.save('acme', { watermark: 'second' }, 1),
    ]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError);
    const winner = (won[0] as PromiseFulfilledResult<{ watermark?: string }>).value.watermark;
    expect(await store.load('acme')).toMatchObject({ version: 2, watermark: winner });
  });

  it('lets exactly one of two concurrent first saves win', async () => {
    const results = await Promise.allSettled([
      store.save('acme', { watermark: 'first' }, 0),
      store.save('acme', { watermark: 'second' }, 0),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await store.load('acme')).toMatchObject({ version: 1 });
  });

  it('does not persist store-owned fields passed back in the state', async () => {
    const v1 = await store.save('acme', { watermark: 'a' }, 0);

    const v2 = await store.save('acme', { ...v1, watermark: 'b' }, v1.version);

    expect(v2).toMatchObject({ tenant: 'acme', version: 2, watermark: 'b' });
    expect(await store.load('acme')).toEqual(v2);
  });

  it('keeps tenants apart', async () => {
    await store.save('acme', { watermark: 'a' }, 0);
    await store.save('globex', { watermark: 'g' }, 0);
    await store.acquireLease('acme', 'run-1', 2_000, 1_000);

    expect(await store.load('acme')).toMatchObject({ version: 1, watermark: 'a' });
    expect(await store.load('globex')).toMatchObject({ version: 1, watermark: 'g' });
    expect(await store.readLease('globex')).toBeUndefined();
  });

  describe('lease', () => {
    it('is granted when nobody holds it and can be read back', async () => {
      expect(await store.acquireLease('acme', 'run-1', 61_000, 1_000)).toBeUndefined();

      expect(await store.readLease('acme')).toEqual({ owner: 'run-1', expiresAt: 61_000 });
    });

    it('refuses a second owner while the lease is valid and says who holds it until when', async () => {
      await store.acquireLease('acme', 'run-1', 61_000, 1_000);

      const held = await store.acquireLease('acme', 'run-2', 90_000, 30_000);

      expect(held).toEqual({ owner: 'run-1', expiresAt: 61_000 });
      expect(await store.readLease('acme')).toEqual({ owner: 'run-1', expiresAt: 61_000 });
    });

    it('is still held at the exact expiry instant and free just after it', async () => {
      await store.acquireLease('acme', 'run-1', 61_000, 1_000);

      expect(await store.acquireLease('acme', 'run-2', 120_000, 61_000)).toEqual({
        owner: 'run-1',
        expiresAt: 61_000,
      });
      expect(await store.acquireLease('acme', 'run-2', 120_000, 61_001)).toBeUndefined();
      expect(await store.readLease('acme')).toEqual({ owner: 'run-2', expiresAt: 120_000 });
    });

    it('can be re-acquired (extended) by the same owner', async () => {
      await store.acquireLease('acme', 'run-1', 61_000, 1_000);

      expect(await store.acquireLease('acme', 'run-1', 121_000, 60_000)).toBeUndefined();

      expect(await store.readLease('acme')).toEqual({ owner: 'run-1', expiresAt: 121_000 });
    });

    it('is released only by its owner', async () => {
      await store.acquireLease('acme', 'run-1', 61_000, 1_000);

      await store.releaseLease('acme', 'run-2');
      expect(await store.readLease('acme')).toEqual({ owner: 'run-1', expiresAt: 61_000 });

      await store.releaseLease('acme', 'run-1');
      expect(await store.readLease('acme')).toBeUndefined();
      expect(await store.acquireLease('acme', 'run-2', 90_000, 2_000)).toBeUndefined();
    });

    it('releasing a lease nobody holds is a no-op', async () => {
      await expect(store.releaseLease('acme', 'run-1')).resolves.toBeUndefined();
      expect(await store.readLease('acme')).toBeUndefined();
    });

    it('grants a free lease to exactly one of two concurrent owners', async () => {
      const results = await Promise.all([
        store.acquireLease('acme', 'run-1', 61_000, 1_000),
        store.acquireLease('acme', 'run-2', 61_000, 1_000),
      ]);

      const granted = results.filter((r) => r === undefined);
      expect(granted).toHaveLength(1);
      const refused = results.find((r) => r !== undefined);
      const holder = (await store.readLease('acme'))?.owner;
      expect(refused).toEqual({ owner: holder, expiresAt: 61_000 });
    });
  });

  describe('auxiliary state', () => {
    it('is absent before the first save', async () => {
      expect(await store.loadState('acme', 'monitors')).toBeUndefined();
    });

    it('round-trips JSON values by name, last writer wins', async () => {
      await store.saveState('acme', 'monitors', { fired: { 'high-severity': ['a', 'b'] }, n: 3 });
      await store.saveState('acme', 'other', [1, 2, 3]);
      await store.saveState('acme', 'monitors', { fired: {}, n: 4 });

      expect(await store.loadState('acme', 'monitors')).toEqual({ fired: {}, n: 4 });
      expect(await store.loadState('acme', 'other')).toEqual([1, 2, 3]);
      expect(await store.loadState('globex', 'monitors')).toBeUndefined();
    });

    it('does not touch the checkpoint or the lease', async () => {
      await store.save('acme', { watermark: 'a' }, 0);
      await store.acquireLease('acme', 'run-1', 61_000, 1_000);

      await store.saveState('acme', 'monitors', { n: 1 });

      expect(await store.load('acme')).toMatchObject({ version: 1, watermark: 'a' });
      expect(await store.readLease('acme')).toEqual({ owner: 'run-1', expiresAt: 61_000 });
    });
  });
});
