import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { motoAvailable, type RunningMoto, startMoto } from '../../../infra/rehearse/moto.ts';

// CI=true must run it (a missing moto_server fails); elsewhere it skips with the reason.
const canRun = motoAvailable() || process.env.CI === 'true';
const started: RunningMoto[] = [];

afterAll(async () => {
  await Promise.all(started.map((m) => m.close()));
});

const sqs = (endpoint: string) =>
  new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

describe.skipIf(!canRun)('Module: rehearse/moto (a moto_server per caller)', () => {
  it('servers started at the same moment each listen on their own port and keep their own state', async () => {
    const [a, b] = await Promise.all([startMoto(), startMoto()]);
    started.push(a, b);
    expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.endpoint).not.toBe(b.endpoint);
    await sqs(a.endpoint).send(new CreateQueueCommand({ QueueName: 'only-on-a' }));
    const onA = await sqs(a.endpoint).send(new ListQueuesCommand({}));
    const onB = await sqs(b.endpoint).send(new ListQueuesCommand({}));
    expect(onA.QueueUrls?.some((u) => u.endsWith('/only-on-a'))).toBe(true);
    expect(onB.QueueUrls ?? []).toEqual([]);
  }, 90_000);
});
