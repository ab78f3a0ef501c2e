import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedState } from '../../../shared/checkpoint/chunked-state.ts';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.ts';

let ddb: DynaliteHandle;
beforeAll(async () => {
  ddb = await startDynalite();
  await ddb.createTable('chunked-state');
});
afterAll(() => ddb.close());

const options = { empty: () => [] as string[], corruptAction: 'delete it' };

describe('Module: checkpoint/chunked-state on DynamoDB', () => {
  it('stores a value far over the 400 KB item limit in parts and reads it back whole', async () => {
    const store = new DynamoDbCheckpointStore({ tableName: 'chunked-state', client: ddb.client });
    const big = Array.from({ length: 30_000 }, () => randomUUID()); // ~1.2 MB of JSON
    const state = new ChunkedState(store, 'acme', 'open-incidents', options);

    const size = await state.save(big);
    const again = await new ChunkedState(store, 'acme', 'open-incidents', options).load();

    expect(size).toBeGreaterThan(1_000_000);
    expect(again).toEqual(big);
  });

  it('keeps a small value inline, and a new save replaces an old chunked one (old parts removed)', async () => {
    const store = new DynamoDbCheckpointStore({ tableName: 'chunked-state', client: ddb.client });
    const state = new ChunkedState(store, 'beta', 'open-incidents', options);
    await state.load();
    await state.save(Array.from({ length: 30_000 }, () => randomUUID()));
    const manifest = await store.loadState<{ gen: string; parts: number }>('beta', 'open-incidents');

    await state.save(['a', 'b']);

    expect(await new ChunkedState(store, 'beta', 'open-incidents', options).load()).toEqual(['a', 'b']);
    expect(await store.loadState('beta', `open-incidents.${manifest?.gen}.0`)).toBeUndefined();
  });

  it('starts empty when nothing is stored', async () => {
    const store = new DynamoDbCheckpointStore({ tableName: 'chunked-state', client: ddb.client });
    expect(await new ChunkedState(store, 'none', 'open-incidents', options).load()).toEqual([]);
  });
});
