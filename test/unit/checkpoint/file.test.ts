import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../shared/checkpoint/file.ts';
import { ConnectorError } from '../../../shared/errors.ts';

describe('Module: FileCheckpointStore', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ckpt-file-'));
    path = join(dir, 'state', 'checkpoint.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates missing parent directories and writes readable JSON: checkpoint and lease in one file, aux state beside it', async () => {
    const store = new FileCheckpointStore({ path });

    await store.save('acme', { watermark: '2024-05-01T00:00:00.000Z' }, 0);
    await store.acquireLease('acme', 'run-1', 61_000, 1_000);
    await store.saveState('acme', 'monitors', { n: 1 });

    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.format).toBe(1);
    expect(json.tenants.acme.checkpoint).toMatchObject({
      version: 1,
      state: { watermark: '2024-05-01T00:00:00.000Z' },
    });
    expect(json.tenants.acme.lease).toEqual({ owner: 'run-1', expiresAt: 61_000 });
    expect(json.tenants.acme.state).toBeUndefined();
    expect(JSON.parse(await readFile(`${path}.state/acme/monitors.json`, 'utf8'))).toEqual({ n: 1 });
  });

  it('leaves no temp or lock files behind after writes', async () => {
    const store = new FileCheckpointStore({ path });

    await store.save('acme', { watermark: 'a' }, 0);
    await store.save('acme', { watermark: 'b' }, 1);

    expect(await readdir(join(dir, 'state'))).toEqual(['checkpoint.json']);
  });

  it('is not corrupted by a temp file left over by a crash mid-write', async () => {
    const store = new FileCheckpointStore({ path });
    await store.save('acme', { watermark: 'good' }, 0);
    // A crash between write and rename leaves a half-written temp file next to the checkpoint.
    await writeFile(`${path}.4242.deadbeef.tmp`, '{"format":1,"tenants":{"acme":{"checkp');

    const reopened = new FileCheckpointStore({ path });
    expect(await reopened.load('acme')).toMatchObject({ version: 1, watermark: 'good' });
    const next = await reopened.save('acme', { watermark: 'next' }, 1);
    expect(next.version).toBe(2);
    expect(await new FileCheckpointStore({ path }).load('acme')).toMatchObject({ watermark: 'next' });
  });

  it('refuses a corrupt file with an error that names the path and what to do, and does not overwrite it', async () => {
    await new FileCheckpointStore({ path }).save('acme', { watermark: 'a' }, 0);
    await writeFile(path, '{"format":1,"tenants":{"acme":');
    const store = new FileCheckpointStore({ path });

    const error = await store.load('acme').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe('config');
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/not valid JSON/);
    expect((error as Error).message).toMatch(/Restore it from a backup/);

    await expect(store.save('acme', { watermark: 'b' }, 1)).rejects.toThrow(path);
    expect(await readFile(path, 'utf8')).toBe('{"format":1,"tenants":{"acme":');
  });

  it('refuses valid JSON that is not a checkpoint file, naming the offending field', async () => {
    await rm(join(dir, 'state'), { recursive: true, force: true }).catch(() => undefined);
    await writeFile(
      join(dir, 'wrong.json'),
      JSON.stringify({ format: 1, tenants: { acme: { checkpoint: { version: 'x' } } } }),
    );
    const store = new FileCheckpointStore({ path: join(dir, 'wrong.json') });

    await expect(store.load('acme')).rejects.toThrow(
      /wrong\.json is corrupt.*tenants\.acme\.checkpoint\.version/,
    );
  });

  it('writes the file readable by its owner only', async () => {
    const store = new FileCheckpointStore({ path });
    await store.save('acme', { watermark: 'a' }, 0);

    expect((await stat(path)).mode & 0o077).toBe(0);
  });

  it('serialises two store instances on the same file (exactly one conditional save wins)', async () => {
    const a = new FileCheckpointStore({ path });
    const b = new FileCheckpointStore({ path });
    await a.save('acme', { watermark: 'base' }, 0);

    const results = await Promise.allSettled([
      a.save('acme', { watermark: 'a' }, 1),
      b.save('acme', { watermark: 'b' }, 1),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await a.load('acme')).toMatchObject({ version: 2 });
  });

  it('waits for a lock held by another process and reports it when it is never released', async () => {
    const store = new FileCheckpointStore({ path, lockTimeoutMs: 50 });
    await store.save('acme', { watermark: 'a' }, 0);
    // A live process (the test runner's parent) holds it.
    await writeFile(`${path}.lock`, `${process.ppid}\n`);

    await expect(store.save('acme', { watermark: 'b' }, 1)).rejects.toThrow(
      /locked by another process.*delete .*checkpoint\.json\.lock/,
    );
    expect(await store.load('acme')).toMatchObject({ version: 1, watermark: 'a' });
  });

  it('takes over at once a lock left by a process that was killed while holding it (its pid is gone)', async () => {
    const store = new FileCheckpointStore({ path, lockTimeoutMs: 50 });
    await store.save('acme', { watermark: 'a' }, 0);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(`${path}.lock`, `${dead.stdout.toString()}\n`);

    await store.save('acme', { watermark: 'b' }, 1);
    expect(await store.load('acme')).toMatchObject({ version: 2, watermark: 'b' });
  });

  it('rejects tenants that would make keys ambiguous', async () => {
    const store = new FileCheckpointStore({ path });
    await expect(store.load('a#b')).rejects.toThrow(/without '#'/);
  });
});
