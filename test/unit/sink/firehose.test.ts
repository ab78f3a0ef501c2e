import {
  FirehoseClient,
  FirehoseServiceException,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import { FirehoseSink } from '../../../shared/sink/firehose.ts';
import { docs } from '../../helpers/documents.ts';

const firehose = mockClient(FirehoseClient);

/** A clock whose sleep returns at once and records the delays asked for. */
function fakeClock() {
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => Date.parse('2024-06-01T12:00:00.000Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { clock, sleeps };
}

/** Document ids of the records of one PutRecordBatch call, decoded from the record data. */
function idsOf(input: PutRecordBatchCommandInput): string[] {
  return (input.Records ?? []).map(
    (r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')).symantec_edr_cloud.doc_id,
  );
}

function calls(): PutRecordBatchCommandInput[] {
  return firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input);
}

/** Answer like Firehose: accept every record except those whose id is in `refuse`. */
function answer(refuse: Set<string>, code = 'ServiceUnavailableException') {
  return (input: PutRecordBatchCommandInput) => {
    const ids = idsOf(input);
    const responses = ids.map((id, i) =>
      refuse.has(id) ? { ErrorCode: code, ErrorMessage: 'Slow down.' } : { RecordId: `rec-${id}-${i}` },
    );
    return {
      FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
      Encrypted: false,
      RequestResponses: responses,
    };
  };
}

function sink(options: Partial<ConstructorParameters<typeof FirehoseSink>[0]> = {}) {
  return new FirehoseSink({
    streamName: 'ses-s3',
    client: new FirehoseClient({ region: 'us-east-1' }),
    random: () => 0.5,
    ...options,
  });
}

beforeEach(() => firehose.reset());
afterEach(() => firehose.reset());

/**
 * FirehoseSink on a client mock, only for what moto's Firehose cannot do: it accepts every record
 * (FailedPutCount 0) and never throttles, so per-record refusals, throttling of the call, retry
 * backoff and the bounded-attempts failure are injected here. Delivery itself (one NDJSON line per
 * document, the 500-record and 4 MiB splits, oversized documents, a missing stream) is tested against
 * moto in firehose.moto.test.ts.
 */
describe('Module: FirehoseSink (failures moto cannot inject)', () => {
  it('re-sends only the records that failed, never the whole batch', async () => {
    const refuseOnce = new Set(['d1', 'd3', 'd498']);
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      const out = answer(refuseOnce)(input);
      refuseOnce.clear();
      return out;
    });
    const { clock, sleeps } = fakeClock();
    const input = docs(500);

    const result = await sink({ clock }).write(input);

    expect(calls().map(idsOf)[1]).toEqual(['d1', 'd3', 'd498']);
    expect(calls()).toHaveLength(2);
    expect(result).toEqual({ written: 500, quarantined: 0, retries: 1 });
    expect(sleeps).toHaveLength(1);
    // Every document was accepted exactly once across the calls: no duplicates, no loss.
    const accepted = calls()
      .flatMap(idsOf)
      .filter((id, i, all) => all.indexOf(id) === i);
    expect(accepted.sort()).toEqual(input.map((d) => d.id).sort());
  });

  it('does not treat a call with FailedPutCount > 0 as success (the lost-records bug)', async () => {
    const refused = new Set(['d2']);
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      const out = answer(refused)(input);
      refused.clear();
      return out;
    });

    await sink({ clock: fakeClock().clock }).write(docs(5));

    expect(calls().map(idsOf)).toEqual([['d0', 'd1', 'd2', 'd3', 'd4'], ['d2']]);
  });

  it('retries shrinking sets of failed records with growing backoff', async () => {
    let round = 0;
    const refusals = [new Set(['d0', 'd1', 'd2']), new Set(['d1', 'd2']), new Set(['d2'])];
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => answer(refusals[round++] ?? new Set())(input));
    const { clock, sleeps } = fakeClock();

    const result = await sink({ clock, backoffBaseMs: 100 }).write(docs(4));

    expect(calls().map(idsOf)).toEqual([['d0', 'd1', 'd2', 'd3'], ['d0', 'd1', 'd2'], ['d1', 'd2'], ['d2']]);
    expect(result.retries).toBe(3);
    // Equal jitter at random 0.5: 3/4 of 100, 200, 400.
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('retries the whole call after throttling of the call itself', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejectsOnce(new ServiceUnavailableException({ message: 'Slow down.', $metadata: {} }))
      .rejectsOnce(
        new FirehoseServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          message: 'Rate exceeded',
          $metadata: {},
        }),
      )
      .callsFake(answer(new Set()));
    const { clock, sleeps } = fakeClock();

    const result = await sink({ clock }).write(docs(3));

    expect(calls().map(idsOf)).toEqual([
      ['d0', 'd1', 'd2'],
      ['d0', 'd1', 'd2'],
      ['d0', 'd1', 'd2'],
    ]);
    expect(result).toEqual({ written: 3, quarantined: 0, retries: 2 });
    expect(sleeps).toHaveLength(2);
  });

  it('fails with a SinkError naming the refused records after the bounded attempts', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set(['d1', 'd4'])));
    const { clock, sleeps } = fakeClock();

    const error = (await sink({ clock, maxAttempts: 3 })
      .write(docs(6))
      .catch((e: unknown) => e)) as SinkError;

    expect(error).toBeInstanceOf(SinkError);
    expect(error.kind).toBe('sink');
    expect(error.message).toContain(
      '2 of 6 records were not accepted by Firehose delivery stream "ses-s3" after 3 attempts',
    );
    expect(error.message).toContain('ServiceUnavailableException');
    expect(error.details).toMatchObject({ failedDocIds: ['d1', 'd4'], attempts: 3 });
    expect(calls().map(idsOf)).toEqual([
      ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'],
      ['d1', 'd4'],
      ['d1', 'd4'],
    ]);
    expect(sleeps).toHaveLength(2);
  });

  it('stops at the first batch that cannot be delivered and does not send later batches', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set(['d3'])));

    await expect(sink({ clock: fakeClock().clock, maxAttempts: 2 }).write(docs(700))).rejects.toBeInstanceOf(
      SinkError,
    );

    expect(calls().map((c) => c.Records?.length)).toEqual([500, 1]);
  });

  it('re-sends every record when the answer has no per-record results but a failure count', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [] })
      .callsFake(answer(new Set()));

    await sink({ clock: fakeClock().clock }).write(docs(2));

    expect(calls().map(idsOf)).toEqual([
      ['d0', 'd1'],
      ['d0', 'd1'],
    ]);
  });
});
