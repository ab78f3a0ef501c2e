import { describe, expect, it } from 'vitest';
import { Delivery } from '../../../shared/collector/delivery.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { MemoryMetrics } from '../../../shared/ports/logger.ts';
import type { Sink } from '../../../shared/ports/sink.ts';

function doc(id: string): OutputDocument {
  return { id, dataset: 'incident', timestamp: '2026-11-30T00:00:00.000Z', doc: { id } };
}

/** A sink that records the ids `write` received. */
function recordingSink(written: string[], description = 'memory'): Sink {
  return {
    description,
    write: async (docs) => {
      written.push(...docs.map((d) => d.id));
      return { written: docs.length, quarantined: 0, retries: 0 };
    },
    close: async () => {},
  };
}

function delivery(memory: number) {
  const written: string[] = [];
  const sink = recordingSink(written);
  const d = new Delivery(
    {
      normalize: (raw) => [doc(raw as string)],
      quarantine: (raw) => doc(`q-${raw as string}`),
      sink,
      metrics: new MemoryMetrics(),
    },
    memory,
  );
  return { d, written };
}

describe('Delivery: the de-duplication window', () => {
  it('skips ids delivered among the last `memory` ones and forgets the oldest first, batch after batch', async () => {
    const { d, written } = delivery(3);
    await d.deliver({ records: ['a', 'b', 'c'] });
    expect((await d.deliver({ records: ['a', 'd'] })).duplicatesSkipped).toBe(1); // d evicts a
    expect([...'abcd'].map((id) => d.has(id))).toEqual([false, true, true, true]);
    await d.deliver({ records: ['a', 'b', 'e', 'f'] }); // b is skipped; then a, e and f evict b, c and d
    expect([...'abcdef'].map((id) => d.has(id))).toEqual([true, false, false, false, true, true]);
    expect(written).toEqual(['a', 'b', 'c', 'd', 'a', 'e', 'f']);
  });

  it('holds exactly the last `memory` distinct ids over many wraps of the window', async () => {
    const { d } = delivery(7);
    const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
    for (let i = 0; i < ids.length; i += 5) await d.deliver({ records: ids.slice(i, i + 5) });
    expect(ids.filter((id) => d.has(id))).toEqual(ids.slice(-7));
  });
});

describe('Delivery: sinks that encode as documents are added (`Sink.batch`)', () => {
  it('encodes through the batch without monitors, and hands the documents to the monitors when there are', async () => {
    const encoded: string[] = [];
    const written: string[] = [];
    const sink: Sink = {
      ...recordingSink(written, 'encoding'),
      batch: () => {
        const ids: string[] = [];
        return {
          add: (d) => ids.push(d.id),
          commit: async () => {
            encoded.push(...ids);
            return { written: ids.length, quarantined: 0, retries: 0 };
          },
        };
      },
    };
    const deps = {
      normalize: (raw: unknown) => [doc(raw as string)],
      quarantine: (raw: unknown) => doc(`q-${raw as string}`),
      sink,
      metrics: new MemoryMetrics(),
    };
    await new Delivery(deps).deliver({ records: ['a', 'b', 'a'], invalid: [{ raw: 'x', reason: 'bad' }] });
    expect(encoded).toEqual(['a', 'b', 'q-x']);
    expect(written).toEqual([]);

    const seen: string[] = [];
    const monitors = {
      evaluate: async (docs: OutputDocument[]) => {
        seen.push(...docs.map((d) => d.id));
        return { alerts: [], commit: async () => {} };
      },
    };
    await new Delivery({ ...deps, monitors }).deliver({ records: ['c', 'd'] });
    expect(seen).toEqual(['c', 'd']);
    expect(written).toEqual(['c', 'd']);
    expect(encoded).toEqual(['a', 'b', 'q-x']);
  });

  it('still encodes as documents are added when the monitors take them one by one (`input()`)', async () => {
    const encoded: string[] = [];
    const written: string[] = [];
    const sink: Sink = {
      ...recordingSink(written, 'encoding'),
      batch: () => ({
        add: (d) => encoded.push(d.id),
        commit: async () => ({ written: 0, quarantined: 0, retries: 0 }),
      }),
    };
    const taken: string[][] = [];
    const monitors = {
      input: () => {
        const ids: string[] = [];
        taken.push(ids);
        return { add: (d: OutputDocument) => ids.push(d.id) };
      },
      evaluate: async (batch: OutputDocument[] | { add(d: OutputDocument): void }) => {
        if (Array.isArray(batch)) throw new Error('documents were kept for the monitors');
        return { alerts: [{ id: 'al', rule: 'r', doc: doc('alert-1') }], commit: async () => {} };
      },
    };
    const delivery = new Delivery({
      normalize: (raw: unknown) => [doc(raw as string)],
      quarantine: (raw: unknown) => doc(`q-${raw as string}`),
      sink,
      metrics: new MemoryMetrics(),
      monitors,
    });
    const counts = await delivery.deliver({ records: ['a', 'b', 'a'] });
    // Each document went to the sink's batch and to the monitors' input once; only the alert was written.
    expect(encoded).toEqual(['a', 'b']);
    expect(taken).toEqual([['a', 'b']]);
    expect(written).toEqual(['alert-1']);
    expect(counts).toMatchObject({ documents: 2, duplicatesSkipped: 1, alerts: 1 });
  });
});

describe('Delivery: events that an earlier version of the incident delivered are not normalized again', () => {
  const OPTIONS = { keepOriginal: false, namespace: 'default', ingestedAt: '2026-11-30T00:00:00.000Z' };
  const event = (uuid: string, host: string) => ({ uuid, time: '2026-11-30T00:00:00Z', device_name: host });
  const version = (modified: string, events: unknown[]) => ({
    incident_uid: 'inc-1',
    time: 1_764_460_800_000,
    modified,
    events,
  });
  // Version 2 repeats version 1's two events and adds one; version 3 comes in the next batch.
  const v1 = version('2026-11-30T00:01:00Z', [event('e1', 'a'), event('e2', 'b')]);
  const v2 = version('2026-11-30T00:02:00Z', [event('e1', 'a'), event('e2', 'b'), event('e3', 'c')]);
  const v3 = version('2026-11-30T00:03:00Z', [event('e1', 'a'), event('e2', 'b'), event('e3', 'c')]);

  async function run(useSeen: boolean) {
    const written: OutputDocument[] = [];
    const built: string[][] = [];
    const d = new Delivery({
      normalize: (raw, seen) => {
        const docs = normalizeIncident(raw, OPTIONS, useSeen ? seen : undefined);
        built.push(docs.map((x) => x.dataset));
        return docs;
      },
      quarantine: (raw) => doc(`q-${String(raw)}`),
      sink: {
        description: 'memory',
        write: async (docs) => {
          written.push(...docs);
          return { written: docs.length, quarantined: 0, retries: 0 };
        },
        close: async () => {},
      },
      metrics: new MemoryMetrics(),
    });
    const first = await d.deliver({ records: [v1, v2] });
    const second = await d.deliver({ records: [v3] });
    return { written, built, first, second };
  }

  it('delivers the same documents with the same counts, building each event document once', async () => {
    const plain = await run(false);
    const skipping = await run(true);
    expect(skipping.written).toEqual(plain.written);
    expect(skipping.first).toEqual(plain.first);
    expect(skipping.second).toEqual(plain.second);
    expect(skipping.first).toMatchObject({ incidents: 2, events: 3, duplicatesSkipped: 2 });
    expect(skipping.second).toMatchObject({ incidents: 1, events: 0, duplicatesSkipped: 3 });
    // The work not done: version 2 built only its new event, version 3 (next batch) none.
    expect(skipping.built).toEqual([['incident', 'event', 'event'], ['incident', 'event'], ['incident']]);
    expect(plain.built[2]).toEqual(['incident', 'event', 'event', 'event']);
    // The later versions' related fields still name every event's host.
    const related = skipping.written.filter((x) => x.dataset === 'incident').map((x) => x.doc['related']);
    expect(related.at(-1)).toEqual({ hosts: ['a', 'b', 'c'] });
  });
});
