import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.ts';

/** The item layout is a contract with the CDK stack (partition key pk, TTL attribute ttl). */
describe('Module: DynamoDbCheckpointStore item layout (dynalite)', () => {
  let dyn: DynaliteHandle;
  beforeAll(async () => {
    dyn = await startDynalite();
    await dyn.createTable('layout');
  });
  afterAll(() => dyn.close());

  it('writes checkpoint#, lease# and state# items with the documented attributes', async () => {
    const clock = { now: () => Date.parse('2024-06-01T12:00:00.000Z'), sleep: async () => {} };
    const store = new DynamoDbCheckpointStore({ tableName: 'layout', client: dyn.client, clock });

    await store.save('acme', { watermark: '2024-06-01T11:00:00.000Z' }, 0);
    await store.acquireLease('acme', 'req-1', 1_717_243_500_000, 1_717_243_200_000);
    await store.saveState('acme', 'monitors', { fired: ['x'] });

    const get = async (pk: string) =>
      (await dyn.client.send(new GetItemCommand({ TableName: 'layout', Key: { pk: { S: pk } } }))).Item;
    expect(await get('checkpoint#acme')).toEqual({
      pk: { S: 'checkpoint#acme' },
      version: { N: '1' },
      state: { S: '{"watermark":"2024-06-01T11:00:00.000Z"}' },
      updatedAt: { S: '2024-06-01T12:00:00.000Z' },
    });
    expect(await get('lease#acme')).toEqual({
      pk: { S: 'lease#acme' },
      owner: { S: 'req-1' },
      expiresAt: { N: '1717243500000' },
      // Epoch seconds, a day after expiry: TTL deletion is housekeeping, never what frees the lease.
      ttl: { N: String(1_717_243_500 + 86_400) },
    });
    expect(await get('state#acme#monitors')).toEqual({
      pk: { S: 'state#acme#monitors' },
      value: { S: '{"fired":["x"]}' },
      updatedAt: { S: '2024-06-01T12:00:00.000Z' },
    });
    const all = await dyn.client.send(new ScanCommand({ TableName: 'layout' }));
    expect(all.Count).toBe(3);
  });

  it('names the table and CHECKPOINT_TABLE when the table does not exist', async () => {
    const store = new DynamoDbCheckpointStore({ tableName: 'no-such-table', client: dyn.client });

    await expect(store.load('acme')).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringMatching(/"no-such-table" does not exist.*CHECKPOINT_TABLE/),
    });
  });
});
