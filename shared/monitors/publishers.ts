/**
 * Alert delivery: SNS topic and EventBridge bus in AWS, an NDJSON file locally. All three deliver the
 * same JSON message ({@link alertMessage}); the ECS alert document goes to the data lake via the sink.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { ConnectorError, SinkError } from '../errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { AlertSink } from '../ports/monitors.ts';
import { type Alert, alertMessage } from './alert.ts';

/** Where alerts are delivered. */
export interface AlertPublisher extends AlertSink {
  publish(alerts: Alert[]): Promise<void>;
  readonly description: string;
}

/** Both SNS PublishBatch and EventBridge PutEvents take at most 10 entries and 256 KiB per call. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 240 * 1024;
const MAX_MESSAGE_BYTES = 200 * 1024;

/** The delivered JSON; evidence lists are trimmed if the message would exceed the services' limits. */
export function alertJson(alert: Alert): string {
  const message = alertMessage(alert);
  let text = JSON.stringify(message);
  if (Buffer.byteLength(text) <= MAX_MESSAGE_BYTES) return text;
  const ev = message.evidence;
  const trimmed = {
    ...message,
    evidence: {
      ...ev,
      incidentUids: ev.incidentUids.slice(0, 50),
      eventIds: ev.eventIds.slice(0, 50),
      docIds: ev.docIds.slice(0, 50),
      truncated: true,
    },
  };
  text = JSON.stringify(trimmed);
  return Buffer.byteLength(text) <= MAX_MESSAGE_BYTES
    ? text
    : JSON.stringify({ ...trimmed, evidence: { truncated: true } });
}

/** Splits entries into calls of at most 10 entries and MAX_BATCH_BYTES. */
function batches<T>(items: T[], size: (item: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (cur.length > 0 && (cur.length >= MAX_ENTRIES || bytes + n > MAX_BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

interface RetryOptions {
  /** Attempts per batch, first included (default 5). */
  maxAttempts?: number;
  /** First backoff in ms, doubled per attempt with full jitter (default 200). */
  baseDelayMs?: number;
  clock?: Clock;
  logger?: Logger;
}

function backoff(attempt: number, base: number): number {
  return Math.floor(Math.random() * base * 2 ** (attempt - 1));
}

function awsMessage(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}

export interface SnsAlertPublisherOptions extends RetryOptions {
  topicArn: string;
  client?: SNSClient;
}

/**
 * Publishes alerts to an SNS topic with PublishBatch (≤ 10 per call). Entries that fail with a service
 * fault are retried alone; sender faults (bad request) are not retried. Message attributes `rule` and
 * `severity` allow subscription filter policies.
 */
export class SnsAlertPublisher implements AlertPublisher {
  readonly description: string;
  private readonly client: SNSClient;
  private readonly attempts: number;
  private readonly base: number;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: SnsAlertPublisherOptions) {
    this.description = `sns:${options.topicArn}`;
    this.client = options.client ?? new SNSClient({});
    this.attempts = options.maxAttempts ?? 5;
    this.base = options.baseDelayMs ?? 200;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  async publish(alerts: Alert[]): Promise<void> {
    const entries: PublishBatchRequestEntry[] = alerts.map((a, i) => ({
      Id: `a${i}`,
      Message: alertJson(a),
      Subject: `[${a.severity.toUpperCase()}] ${a.ruleName}`.slice(0, 99),
      MessageAttributes: {
        rule: { DataType: 'String', StringValue: a.rule },
        severity: { DataType: 'String', StringValue: a.severity },
        alert_id: { DataType: 'String', StringValue: a.id },
      },
    }));
    for (const batch of batches(entries, (e) => Buffer.byteLength(e.Message ?? '') + 512)) {
      await this.send(batch);
    }
  }

  private async send(batch: PublishBatchRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let failed: { id: string; code: string; sender: boolean }[];
      try {
        const out = await this.client.send(
          new PublishBatchCommand({ TopicArn: this.options.topicArn, PublishBatchRequestEntries: pending }),
        );
        failed = (out.Failed ?? []).map((f) => ({
          id: f.Id ?? '',
          code: `${f.Code ?? 'Unknown'}${f.Message ? `: ${f.Message}` : ''}`,
          sender: f.SenderFault === true,
        }));
      } catch (error) {
        if (attempt >= this.attempts) {
          throw new SinkError(
            `Publishing ${pending.length} alert(s) to SNS topic ${this.options.topicArn} failed`,
            {
              action:
                'Check that the topic exists, the function may sns:Publish to it and may use its KMS key',
              details: { error: awsMessage(error) },
              cause: error,
            },
          );
        }
        await this.clock.sleep(backoff(attempt, this.base));
        continue;
      }
      if (failed.length === 0) return;
      const permanent = failed.filter((f) => f.sender);
      if (permanent.length > 0 || attempt >= this.attempts) {
        throw new SinkError(
          `SNS rejected ${failed.length} alert(s) on topic ${this.options.topicArn}: ${failed.map((f) => f.code).join('; ')}`,
          { action: 'Check the topic policy, its KMS key policy and the message size' },
        );
      }
      const ids = new Set(failed.map((f) => f.id));
      pending = pending.filter((e) => ids.has(e.Id ?? ''));
      this.logger.warn('retrying alerts SNS rejected', { count: pending.length, attempt });
      await this.clock.sleep(backoff(attempt, this.base));
    }
  }
}

export interface EventBridgeAlertPublisherOptions extends RetryOptions {
  /** Bus name or ARN. */
  busName: string;
  /** Event `source` (default `ses-connector.monitors`). */
  source?: string;
  /** Event `detail-type` (default `Symantec Endpoint Security Alert`). */
  detailType?: string;
  client?: EventBridgeClient;
}

export const DEFAULT_EVENT_SOURCE = 'ses-connector.monitors';
export const DEFAULT_DETAIL_TYPE = 'Symantec Endpoint Security Alert';

/**
 * Puts alerts on an EventBridge bus with PutEvents (≤ 10 entries per call); only the entries that
 * failed are retried, with exponential backoff and full jitter, up to `maxAttempts`.
 */
export class EventBridgeAlertPublisher implements AlertPublisher {
  readonly description: string;
  private readonly client: EventBridgeClient;
  private readonly attempts: number;
  private readonly base: number;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: EventBridgeAlertPublisherOptions) {
    this.description = `eventbridge:${options.busName}`;
    this.client = options.client ?? new EventBridgeClient({});
    this.attempts = options.maxAttempts ?? 5;
    this.base = options.baseDelayMs ?? 200;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  async publish(alerts: Alert[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = alerts.map((a) => ({
      EventBusName: this.options.busName,
      Source: this.options.source ?? DEFAULT_EVENT_SOURCE,
      DetailType: this.options.detailType ?? DEFAULT_DETAIL_TYPE,
      Detail: alertJson(a),
      Time: new Date(a.timestamp),
    }));
    for (const batch of batches(entries, (e) => Buffer.byteLength(e.Detail ?? '') + 256)) {
      await this.send(batch);
    }
  }

  private async send(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let retry: PutEventsRequestEntry[];
      let codes: string[];
      try {
        const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
        const results = out.Entries ?? [];
        if (!out.FailedEntryCount) return;
        // Result entries are in request order; a failed one carries ErrorCode.
        retry = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
        codes = results.filter((r) => r.ErrorCode).map((r) => `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`);
        if (retry.length === 0) retry = pending.slice(0, out.FailedEntryCount);
      } catch (error) {
        if (attempt >= this.attempts) {
          throw new SinkError(
            `Putting ${pending.length} alert(s) on EventBridge bus ${this.options.busName} failed`,
            {
              action: 'Check that the bus exists and the function may events:PutEvents on it',
              details: { error: awsMessage(error) },
              cause: error,
            },
          );
        }
        await this.clock.sleep(backoff(attempt, this.base));
        continue;
      }
      if (attempt >= this.attempts) {
        throw new SinkError(
          `EventBridge rejected ${retry.length} alert(s) on bus ${this.options.busName} after ${attempt} attempts: ${[...new Set(codes)].join('; ')}`,
          {
            action:
              'Check the bus policy and the event size; the alerts are also in the data lake (dataset alert)',
          },
        );
      }
      pending = retry;
      this.logger.warn('retrying alerts EventBridge rejected', { count: pending.length, attempt });
      await this.clock.sleep(backoff(attempt, this.base));
    }
  }
}

export interface FileAlertPublisherOptions {
  /** Folder of `alerts.ndjson` (created if absent), e.g. `./out/alerts`. */
  dir: string;
}

/** Appends one JSON alert message per line to `<dir>/alerts.ndjson`. */
export class FileAlertPublisher implements AlertPublisher {
  readonly description: string;
  readonly file: string;

  constructor(private readonly options: FileAlertPublisherOptions) {
    this.file = join(options.dir, 'alerts.ndjson');
    this.description = this.file;
  }

  async publish(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    try {
      await mkdir(this.options.dir, { recursive: true });
      await appendFile(this.file, alerts.map((a) => `${alertJson(a)}\n`).join(''), 'utf8');
    } catch (cause) {
      throw new SinkError(`Cannot write alerts to ${this.file}`, {
        action: 'Check that the output folder is writable (--out)',
        cause,
      });
    }
  }
}

/** Delivers to several publishers in turn (e.g. SNS and EventBridge). */
export class MultiAlertPublisher implements AlertPublisher {
  readonly description: string;
  constructor(private readonly publishers: AlertPublisher[]) {
    this.description = publishers.map((p) => p.description).join(', ') || 'none';
  }
  async publish(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const errors: unknown[] = [];
    // One destination failing must not keep the others from receiving the alerts.
    for (const p of this.publishers) {
      try {
        await p.publish(alerts);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new ConnectorError('sink', errors.map((e) => (e as Error).message).join(' | '), {
        action: 'See each destination above',
      });
    }
  }
}

/**
 * The AWS publishers named by the Lambda environment: `ALERT_TOPIC_ARN` and/or `ALERT_BUS_NAME`.
 * Undefined when neither is set.
 */
export function publishersFromEnv(
  env: { ALERT_TOPIC_ARN?: string | undefined; ALERT_BUS_NAME?: string | undefined },
  options: RetryOptions & { sns?: SNSClient; eventBridge?: EventBridgeClient } = {},
): AlertPublisher | undefined {
  const list: AlertPublisher[] = [];
  const { sns, eventBridge, ...retry } = options;
  if (env.ALERT_TOPIC_ARN) {
    list.push(
      new SnsAlertPublisher({ ...retry, topicArn: env.ALERT_TOPIC_ARN, ...(sns ? { client: sns } : {}) }),
    );
  }
  if (env.ALERT_BUS_NAME) {
    list.push(
      new EventBridgeAlertPublisher({
        ...retry,
        busName: env.ALERT_BUS_NAME,
        ...(eventBridge ? { client: eventBridge } : {}),
      }),
    );
  }
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : new MultiAlertPublisher(list);
}
