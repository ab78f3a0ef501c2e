import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import {
  type Alert,
  alertMessage,
  EventBridgeAlertPublisher,
  FileAlertPublisher,
  publishersFromEnv,
  SnsAlertPublisher,
} from '../../../shared/monitors/index.ts';
import { alerts } from '../../helpers/alerts.ts';
import { FakeClock } from '../../helpers/fakes.ts';

/**
 * The SNS and EventBridge publishers on client mocks only for the answers moto cannot give: a refused
 * entry, a sender fault, entries failing until maxAttempts. What reaches the topic or bus (batches of
 * at most 10, the alert JSON, subject, attributes, source, detail-type) is tested against moto in
 * test/integration/monitors/publishers.moto.test.ts.
 */
const sns = mockClient(SNSClient);
const eb = mockClient(EventBridgeClient);
afterEach(() => {
  sns.reset();
  eb.reset();
});

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

describe('Module: monitors — SnsAlertPublisher', () => {
  it('retries only the entries that failed with a service fault', async () => {
    const calls: string[][] = [];
    sns.on(PublishBatchCommand).callsFake((input) => {
      const ids = input.PublishBatchRequestEntries.map((e: PublishBatchRequestEntry) => e.Id as string);
      calls.push(ids);
      if (calls.length === 1) {
        return {
          Successful: ids.filter((id: string) => id !== 'a1').map((Id: string) => ({ Id })),
          Failed: [{ Id: 'a1', Code: 'InternalError', SenderFault: false }],
        };
      }
      return { Successful: ids.map((Id: string) => ({ Id })) };
    });
    await new SnsAlertPublisher({
      topicArn: TOPIC,
      client: new SNSClient({}),
      clock: new FakeClock(0),
    }).publish(alerts(3));
    expect(calls).toEqual([['a0', 'a1', 'a2'], ['a1']]);
  });

  it('fails with an actionable error on a sender fault, without retrying', async () => {
    let n = 0;
    sns.on(PublishBatchCommand).callsFake(() => {
      n++;
      return { Failed: [{ Id: 'a0', Code: 'KMSAccessDenied', SenderFault: true }] };
    });
    const publisher = new SnsAlertPublisher({
      topicArn: TOPIC,
      client: new SNSClient({}),
      clock: new FakeClock(0),
    });
    await expect(publisher.publish(alerts(1))).rejects.toThrow(SinkError);
    await expect(publisher.publish(alerts(1))).rejects.toThrow('KMSAccessDenied');
    expect(n).toBe(2);
  });
});

describe('Module: monitors — EventBridgeAlertPublisher', () => {
  it('retries only the failed entries until they pass', async () => {
    const calls: string[][] = [];
    eb.on(PutEventsCommand).callsFake((input) => {
      const causes = input.Entries.map(
        (e: PutEventsRequestEntry) => JSON.parse(e.Detail ?? '').causeKey as string,
      );
      calls.push(causes);
      const fail = (c: string) => calls.length === 1 && (c === 'inc-1' || c === 'inc-3');
      return {
        FailedEntryCount: causes.filter(fail).length,
        Entries: causes.map((c: string) =>
          fail(c) ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: c },
        ),
      };
    });
    await new EventBridgeAlertPublisher({
      busName: 'b',
      client: new EventBridgeClient({}),
      clock: new FakeClock(0),
    }).publish(alerts(4));
    expect(calls).toEqual([
      ['inc-0', 'inc-1', 'inc-2', 'inc-3'],
      ['inc-1', 'inc-3'],
    ]);
  });

  it('gives up after maxAttempts with the error codes in the message', async () => {
    let n = 0;
    eb.on(PutEventsCommand).callsFake((input) => {
      n++;
      return {
        FailedEntryCount: input.Entries.length,
        Entries: input.Entries.map(() => ({ ErrorCode: 'InternalFailure' })),
      };
    });
    const publisher = new EventBridgeAlertPublisher({
      busName: 'b',
      client: new EventBridgeClient({}),
      clock: new FakeClock(0),
      maxAttempts: 3,
    });
    await expect(publisher.publish(alerts(2))).rejects.toThrow(
      'EventBridge rejected 2 alert(s) on bus b after 3 attempts: InternalFailure',
    );
    expect(n).toBe(3);
  });
});

describe('Module: monitors — FileAlertPublisher and publishersFromEnv', () => {
  it('appends one alert message per line to <dir>/alerts.ndjson', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'alerts-')), 'out', 'alerts');
    const publisher = new FileAlertPublisher({ dir });
    const list = alerts(3);
    await publisher.publish(list.slice(0, 2));
    await publisher.publish(list.slice(2));
    const lines = readFileSync(join(dir, 'alerts.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(list.map((a) => a.id));
    expect(lines[0]).toEqual(JSON.parse(JSON.stringify(alertMessage(list[0] as Alert))));
    expect(publisher.description).toBe(join(dir, 'alerts.ndjson'));
  });

  it('builds SNS and EventBridge publishers from the Lambda environment', () => {
    expect(publishersFromEnv({})).toBeUndefined();
    expect(publishersFromEnv({ ALERT_TOPIC_ARN: TOPIC })?.description).toBe(`sns:${TOPIC}`);
    expect(publishersFromEnv({ ALERT_TOPIC_ARN: TOPIC, ALERT_BUS_NAME: 'bus' })?.description).toBe(
      `sns:${TOPIC}, eventbridge:bus`,
    );
  });
});
