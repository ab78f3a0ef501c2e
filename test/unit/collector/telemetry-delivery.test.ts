import { describe, expect, it } from 'vitest';
import type { TelemetryOrigin } from '../../../shared/collector/telemetry-delivery.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { MemoryMetrics } from '../../../shared/ports/logger.ts';
import type { SinkBatch, SinkWriteResult } from '../../../shared/ports/sink.ts';
import { MemorySink } from '../../helpers/fakes.ts';
import { testDelivery } from '../../helpers/telemetry-collect.ts';

const origin: TelemetryOrigin = { source: 'stream', where: 'stream s channel 0 from cursor (fresh)' };
const ev = (uuid: string) => ({ uuid, log_time: '2026-12-01T00:00:00.000Z' });

describe('TelemetryDelivery: events normalized as they arrive are delivered as `deliver` delivers them', () => {
  it('same documents, order, dedup (in the batch and across batches), quarantine and counts', async () => {
    // Lines of one stream read: a repeat inside the batch, a non-event, then a repeat of an earlier batch.
    const lines = [
      [ev('a'), ev('b')],
      [ev('b'), 'not an event', ev('c')],
    ];
    const invalid = [{ raw: '{broken', reason: 'line 3 is not JSON' }];
    const later = [ev('a'), ev('d')];

    const eager = new MemorySink();
    const eagerDelivery = testDelivery(eager, new MemoryMetrics());
    const batch = eagerDelivery.batch();
    for (const line of lines) eagerDelivery.normalizeInto(batch, line, origin);
    expect(batch.events).toBe(5);
    const eagerCounts = await eagerDelivery.deliverNormalized(batch, origin, invalid);
    const laterBatch = eagerDelivery.batch();
    eagerDelivery.normalizeInto(laterBatch, later, origin);
    const eagerLater = await eagerDelivery.deliverNormalized(laterBatch, origin);

    const whole = new MemorySink();
    const wholeDelivery = testDelivery(whole, new MemoryMetrics());
    const wholeCounts = await wholeDelivery.deliver(lines.flat(), origin, invalid);
    const wholeLater = await wholeDelivery.deliver(later, origin);

    expect(eagerCounts).toEqual({ events: 3, quarantined: 2, duplicatesSkipped: 1, alerts: 0 });
    expect(eagerCounts).toEqual(wholeCounts);
    expect(eagerLater).toEqual({ events: 1, quarantined: 0, duplicatesSkipped: 1, alerts: 0 });
    expect(eagerLater).toEqual(wholeLater);
    expect(eager.docs.map((d) => d.id)).toEqual(whole.docs.map((d) => d.id));
    expect(eager.docs).toEqual(whole.docs);
    expect(eagerDelivery.totals).toEqual(wholeDelivery.totals);
  });

  it('an empty batch with only a cursor to save delivers nothing and counts nothing', async () => {
    const sink = new MemorySink();
    const delivery = testDelivery(sink);
    const counts = await delivery.deliverNormalized(delivery.batch(), origin);
    expect(counts).toEqual({ events: 0, quarantined: 0, duplicatesSkipped: 0, alerts: 0 });
    expect(sink.docs).toEqual([]);
  });

  it('with a sink that encodes as documents are added: the same lines, dedup and counts, nothing kept', async () => {
    const lines = [
      [ev('a'), ev('b')],
      [ev('b'), 'not an event', ev('c')],
    ];
    const invalid = [{ raw: '{broken', reason: 'line 3 is not JSON' }];
    const encoding = new EncodingSink();
    const delivery = testDelivery(encoding);
    const batch = delivery.batch();
    for (const line of lines) delivery.normalizeInto(batch, line, origin);
    // Encoded while normalized: before the delivery, the sink already has the lines, the batch no objects.
    expect(encoding.added).toHaveLength(4);
    expect(batch.pending.docs).toEqual([]);
    const counts = await delivery.deliverNormalized(batch, origin, invalid);
    const later = delivery.batch();
    delivery.normalizeInto(later, [ev('a'), ev('d')], origin);
    const laterCounts = await delivery.deliverNormalized(later, origin);

    const whole = new MemorySink();
    const wholeDelivery = testDelivery(whole);
    expect(counts).toEqual(await wholeDelivery.deliver(lines.flat(), origin, invalid));
    expect(laterCounts).toEqual(await wholeDelivery.deliver([ev('a'), ev('d')], origin));
    expect(encoding.committed).toEqual(whole.docs.map((d) => JSON.stringify(d.doc)));
    expect(delivery.totals).toEqual(wholeDelivery.totals);
  });

  it('a failed commit remembers no id: the batch read again is delivered, not skipped as duplicates', async () => {
    const encoding = new EncodingSink();
    encoding.failNext = true;
    const delivery = testDelivery(encoding);
    const batch = delivery.batch();
    delivery.normalizeInto(batch, [ev('a'), ev('b')], origin);
    await expect(delivery.deliverNormalized(batch, origin)).rejects.toThrow('injected commit failure');
    const again = delivery.batch();
    delivery.normalizeInto(again, [ev('a'), ev('b')], origin);
    const counts = await delivery.deliverNormalized(again, origin);
    expect(counts).toEqual({ events: 2, quarantined: 0, duplicatesSkipped: 0, alerts: 0 });
    expect(encoding.committed).toHaveLength(2);
  });
});

/** A sink with `batch`: encodes each added document at once, keeps the lines of committed batches. */
class EncodingSink extends MemorySink {
  readonly added: string[] = [];
  readonly committed: string[] = [];
  failNext = false;
  batch(): SinkBatch {
    const lines: string[] = [];
    return {
      add: (doc: OutputDocument) => {
        const line = JSON.stringify(doc.doc);
        lines.push(line);
        this.added.push(line);
      },
      commit: async (): Promise<SinkWriteResult> => {
        if (this.failNext) {
          this.failNext = false;
          throw new Error('injected commit failure');
        }
        this.committed.push(...lines);
        return { written: lines.length, quarantined: 0, retries: 0 };
      },
    };
  }
}
