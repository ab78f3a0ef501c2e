import { describe, expect, it } from 'vitest';
import { NormalizedBatch, type TelemetryOrigin } from '../../../shared/collector/telemetry-delivery.ts';
import { MemoryMetrics } from '../../../shared/ports/logger.ts';
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
    const batch = new NormalizedBatch();
    for (const line of lines) eagerDelivery.normalizeInto(batch, line, origin);
    expect(batch.events).toBe(5);
    const eagerCounts = await eagerDelivery.deliverNormalized(batch, origin, invalid);
    const laterBatch = new NormalizedBatch();
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
    const counts = await delivery.deliverNormalized(new NormalizedBatch(), origin);
    expect(counts).toEqual({ events: 0, quarantined: 0, duplicatesSkipped: 0, alerts: 0 });
    expect(sink.docs).toEqual([]);
  });
});
