import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import {
  alertMessage,
  DEFAULT_DETAIL_TYPE,
  DEFAULT_EVENT_SOURCE,
  EventBridgeAlertPublisher,
  SnsAlertPublisher,
} from '../../../shared/monitors/index.ts';
import { alerts } from '../../helpers/alerts.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import {
  createBusWithQueue,
  createTopicWithQueue,
  drainQueue,
  type MotoAws,
  motoReady,
  startMotoAws,
} from '../../helpers/moto-aws.ts';

/**
 * The SNS and EventBridge alert publishers against moto: what they publish is read back from an SQS
 * queue subscribed to the topic (SNS's own notification envelope) or targeted by a rule on the bus
 * (EventBridge's own event envelope). moto accepts every entry, so the partial failures (a refused
 * entry, a sender fault) stay on the client mock in test/unit/monitors/publishers.test.ts.
 */
describe.skipIf(!motoReady)('Module: monitors — alert publishers on moto', () => {
  let aws: MotoAws;
  beforeAll(async () => {
    aws = await startMotoAws();
  });
  afterAll(async () => {
    await aws?.close();
  });
  beforeEach(async () => {
    await aws.reset();
  });

  it('SNS: every alert arrives once, as the alert JSON with its subject and filterable attributes', async () => {
    // Prepare
    const { topicArn, queue } = await createTopicWithQueue(aws, 'ses-alerts');
    const list = alerts(23);
    // Act: 23 alerts need three PublishBatch calls (SNS refuses more than 10 entries per call).
    await new SnsAlertPublisher({ topicArn, client: aws.sns, clock: new FakeClock(0) }).publish(list);
    // Assess
    const received = (await drainQueue(aws, queue.url)).map(
      (m) =>
        JSON.parse(String(m.Body)) as {
          Message: string;
          Subject: string;
          MessageAttributes: Record<string, { Value: string }>;
        },
    );
    expect(received).toHaveLength(23);
    const byId = new Map(received.map((n) => [JSON.parse(n.Message).id as string, n]));
    expect([...byId.keys()].sort()).toEqual(list.map((a) => a.id).sort());
    const first = byId.get(list[0]!.id)!;
    expect(JSON.parse(first.Message)).toEqual(JSON.parse(JSON.stringify(alertMessage(list[0]!))));
    expect(first.Subject).toBe('[CRITICAL] High Priority or Severity Incidents Detected');
    expect(first.MessageAttributes.rule?.Value).toBe('highPriorityOrSeverityIncident');
    expect(first.MessageAttributes.severity?.Value).toBe('critical');
    expect(first.MessageAttributes.alert_id?.Value).toBe(list[0]!.id);
  });

  it("SNS: a topic that does not exist fails with a SinkError naming it, after SNS's own NotFound", async () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:ses-nowhere';
    const error = await new SnsAlertPublisher({
      topicArn,
      client: aws.sns,
      clock: new FakeClock(0),
      maxAttempts: 2,
    })
      .publish(alerts(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).message).toContain(topicArn);
    expect(JSON.stringify((error as SinkError).details)).toMatch(/NotFound|does not exist/i);
  });

  it('EventBridge: every alert arrives once on the bus, with source, detail-type and the alert as detail', async () => {
    // Prepare
    const { queue } = await createBusWithQueue(aws, 'ses-alerts', DEFAULT_EVENT_SOURCE);
    const list = alerts(12);
    // Act: 12 alerts need two PutEvents calls (at most 10 entries each).
    await new EventBridgeAlertPublisher({
      busName: 'ses-alerts',
      client: aws.events,
      clock: new FakeClock(0),
    }).publish(list);
    // Assess
    const events = (await drainQueue(aws, queue.url)).map(
      (m) => JSON.parse(String(m.Body)) as { source: string; 'detail-type': string; detail: { id: string } },
    );
    expect(events).toHaveLength(12);
    expect(events.map((e) => e.detail.id).sort()).toEqual(list.map((a) => a.id).sort());
    for (const e of events) {
      expect(e.source).toBe(DEFAULT_EVENT_SOURCE);
      expect(e['detail-type']).toBe(DEFAULT_DETAIL_TYPE);
    }
    const last = events.find((e) => e.detail.id === list[11]!.id);
    expect(last?.detail).toEqual(JSON.parse(JSON.stringify(alertMessage(list[11]!))));
  });
});
