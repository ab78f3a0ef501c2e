import { createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { type CollectorDeps, collect } from '../../../shared/collector/collect.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import type { CheckpointStore } from '../../../shared/ports/checkpoint-store.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { MemoryMetrics, silentLogger } from '../../../shared/ports/logger.ts';
import type { Sink } from '../../../shared/ports/sink.ts';
import { FirehoseSink } from '../../../shared/sink/firehose.ts';
import {
  ArraySource,
  fakeNormalize,
  fakeQuarantine,
  incidentsBetween,
  MemoryCheckpointStore,
  MemorySink,
} from '../../helpers/fakes.ts';

/**
 * Issue 12: Firehose and DynamoDB calls were not bounded by the run's deadline, so an endpoint that
 * accepts the connection and never answers hung the run until the Lambda timeout killed it. Now each
 * call carries the run's hard-stop signal (deadline − margin/2) and the run ends by its deadline as
 * `partial`, its checkpoint where the last delivered page left it.
 */
let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts connections, reads the requests, never answers.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const aws = () => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

async function runAgainst(
  make: (abortSignal: () => AbortSignal | undefined) => { sink?: Sink; store?: CheckpointStore },
) {
  const bound: { signal?: AbortSignal } = {};
  const made = make(() => bound.signal);
  const now = Date.now();
  const store = made.store ?? new MemoryCheckpointStore();
  const deps: CollectorDeps = {
    source: new ArraySource(incidentsBetween(now - 3 * 3_600_000, now - 3_600_000, 30)),
    store,
    sink: made.sink ?? new MemorySink(),
    clock: systemClock,
    metrics: new MemoryMetrics(),
    logger: silentLogger,
    normalize: fakeNormalize,
    quarantine: fakeQuarantine,
  };
  const settings = parseSettings({ openSweepMinutes: 0, deadlineMarginSeconds: 2 });
  const deadline = now + 3_000;
  const summary = await collect(deps, {
    settings,
    owner: 'run-1',
    deadline,
    bindSignal: (signal) => {
      bound.signal = signal;
    },
  });
  return { summary, endedAt: Date.now(), deadline, store };
}

describe('AWS calls are bounded by the run deadline', () => {
  it('a Firehose endpoint that never answers: the run ends by its deadline as partial, checkpoint unmoved', async () => {
    const { summary, endedAt, deadline, store } = await runAgainst((abortSignal) => ({
      sink: new FirehoseSink({ streamName: 'hung', client: new FirehoseClient(aws()), abortSignal }),
    }));
    expect(summary.status).toBe('partial');
    expect(summary.reason).toMatch(/hard stop/);
    expect(endedAt).toBeLessThanOrEqual(deadline);
    expect((await store.load('default'))?.watermark).toBeUndefined();
  }, 20_000);

  it('a DynamoDB endpoint that never answers: the run ends by its deadline as partial', async () => {
    const { summary, endedAt, deadline } = await runAgainst((abortSignal) => ({
      store: new DynamoDbCheckpointStore({
        tableName: 'hung',
        client: new DynamoDBClient(aws()),
        abortSignal,
      }),
    }));
    expect(summary.status).toBe('partial');
    expect(summary.reason).toMatch(/hard stop/);
    expect(endedAt).toBeLessThanOrEqual(deadline);
  }, 20_000);
});
