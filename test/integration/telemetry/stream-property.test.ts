import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectStream, type LostInterval } from '../../../shared/collector/stream.ts';
import type { CheckpointStore } from '../../../shared/ports/checkpoint-store.ts';
import { MemoryMetrics, silentLogger } from '../../../shared/ports/logger.ts';
import { createEventStreamClient } from '../../../shared/symantec/event-stream.ts';
import { FakeClock, MemoryCheckpointStore, MemorySink } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { testDelivery } from '../../helpers/telemetry-collect.ts';

/** What one read answers: line sizes, where the body is cut, how the bytes are chunked, retention moves. */
interface ReadScript {
  lineSizes: number[];
  /** Cut the body after this fraction of its bytes (a mid-line cut when it falls inside a line). */
  cutAt?: number;
  /** Chunk boundaries as fractions of the body. */
  splits: number[];
  /** Before answering, the API forgets events below this position (a 410 for an older cursor). */
  expireTo?: number;
}

const T0 = Date.parse('2026-11-30T00:00:00.000Z');

/**
 * A vendor model behind fetch: cursors are positions, lines are `{events, next}`, the retention head
 * moves when a script says so, bodies are cut and chunked at random byte offsets.
 */
class Vendor {
  readonly events: { uuid: string; log_time: string; type_id: number }[];
  head = 0;
  /** Events a 410 made unrecoverable: [cursor, head) at the time of the 410. */
  readonly lost = new Set<string>();
  expiries = 0;
  private n = 0;
  constructor(
    count: number,
    private readonly scripts: ReadScript[],
  ) {
    this.events = Array.from({ length: count }, (_, i) => ({
      uuid: `8001:ev-${i}`,
      type_id: 8001,
      log_time: new Date(T0 + i * 1000).toISOString(),
    }));
  }
  fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname.endsWith('/oauth2/tokens'))
      return new Response(JSON.stringify({ access_token: 'tok', expires_in: 3600 }), { status: 200 });
    // Faults are transient: after three rounds of the scripts the API answers cleanly.
    const n = this.n++;
    const script: ReadScript =
      n < this.scripts.length * 3
        ? (this.scripts[n % this.scripts.length] as ReadScript)
        : { lineSizes: [5, 5, 5], splits: [] };
    const body = JSON.parse(String(init?.body)) as { next?: string };
    // Retention moves while we hold a cursor (a fresh read starts at the oldest kept: nothing to lose).
    if (script.expireTo !== undefined && body.next !== undefined)
      this.head = Math.max(this.head, Math.min(script.expireTo, this.events.length));
    let pos = body.next === undefined ? this.head : Number(body.next.slice(2));
    if (pos < this.head) {
      for (const e of this.events.slice(pos, this.head)) this.lost.add(e.uuid);
      this.expiries++;
      return new Response('{"message":"position expired"}', { status: 410 });
    }
    if (pos >= this.events.length) return new Response(null, { status: 204 });
    let text = '';
    for (const size of script.lineSizes) {
      if (pos >= this.events.length) break;
      const batch = this.events.slice(pos, pos + size);
      pos += batch.length;
      text += `${JSON.stringify({ events: batch, next: `c:${pos}` })}\n`;
    }
    const bytes = Buffer.from(text);
    const end = script.cutAt === undefined ? bytes.length : Math.floor(script.cutAt * bytes.length);
    const cuts = [...new Set(script.splits.map((f) => Math.floor(f * end)))]
      .filter((c) => c > 0 && c < end)
      .sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const c of [...cuts, end]) {
      chunks.push(bytes.subarray(from, c));
      from = c;
    }
    const cut = script.cutAt !== undefined;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else if (cut) controller.error(new Error('connection reset'));
        else controller.close();
      },
    });
    return new Response(stream, { status: 200, headers: { 'Content-Type': 'application/x-ndjson' } });
  };
}

const readScript = (count: number): fc.Arbitrary<ReadScript> =>
  fc.record(
    {
      lineSizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
      cutAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined, freq: 3 }),
      splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
      expireTo: fc.option(fc.integer({ min: 0, max: count }), { nil: undefined, freq: 6 }),
    },
    { requiredKeys: ['lineSizes', 'splits'] },
  );

describe('Event Stream: no event lost or duplicated across line splits, cuts, crashes and 410s', () => {
  it('delivers every event except exactly those a 410 made unrecoverable, each reported in a lost interval', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }).chain((count) =>
          fc.record({
            count: fc.constant(count),
            scripts: fc.array(readScript(count), { minLength: 1, maxLength: 8 }),
            sinkCrashes: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }),
            storeCrashes: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 3 }),
            batchEvents: fc.integer({ min: 1, max: 20 }),
          }),
        ),
        async ({ count, scripts, sinkCrashes, storeCrashes, batchEvents }) => {
          const vendor = new Vendor(count, scripts);
          const clock = new FakeClock(T0 + 10 * 86_400_000);
          const client = createEventStreamClient({
            baseUrl: new URL('https://api.example.test'),
            credentials: staticCredentials({ clientId: 'id', clientSecret: 'secret' }),
            fetch: vendor.fetch,
            clock,
            backoffBaseMs: 1,
            maxAttempts: 2,
          });
          const store = new MemoryCheckpointStore();
          const delivered = new Map<string, number>();
          const reported: LostInterval[] = [];
          let complete = false;
          for (let runNo = 0; runNo < 60 && !complete; runNo++) {
            const sink = new MemorySink();
            const sinkCrash = sinkCrashes[runNo];
            if (sinkCrash !== undefined) sink.failOnWrite = sinkCrash;
            // A crash after the sink wrote and before the cursor was saved (the Nth save of this run).
            const storeCrash = storeCrashes[runNo];
            let saves = 0;
            const crashing: CheckpointStore = {
              load: (k) => store.load(k),
              acquireLease: (...a) => store.acquireLease(...a),
              releaseLease: (...a) => store.releaseLease(...a),
              readLease: (k) => store.readLease(k),
              loadState: (...a) => store.loadState(...a),
              saveState: (...a) => store.saveState(...a),
              save: async (...a) => {
                if (++saves === storeCrash) throw new Error('injected crash before the cursor write');
                return store.save(...a);
              },
            };
            const summary = await collectStream(
              {
                client,
                store: crashing,
                delivery: testDelivery(sink),
                clock,
                logger: silentLogger,
                metrics: new MemoryMetrics(),
              },
              {
                tenant: 't',
                streamId: 's',
                channels: [0],
                owner: `run-${runNo}`,
                deadline: clock.now() + 600_000,
                connectionTimeout: 0,
                deadlineMarginMs: 1000,
                maxReadMs: 10_000,
                batchEvents,
                maxReads: 4,
              },
            );
            for (const d of sink.docs) delivered.set(d.id, (delivered.get(d.id) ?? 0) + 1);
            reported.push(...summary.lost.map((l) => ({ ...l })));
            complete = summary.status === 'complete';
          }
          expect(complete).toBe(true);
          const missing = vendor.events.filter((e) => !delivered.has(e.uuid));
          // Nothing is missing but what a 410 made unrecoverable ...
          for (const e of missing) expect(vendor.lost.has(e.uuid)).toBe(true);
          // ... and each missing event lies inside an interval the collector reported.
          for (const e of missing) {
            const t = Date.parse(e.log_time);
            const covered = reported.some(
              (l) =>
                (l.from === undefined || t > Date.parse(l.from)) &&
                (l.to === undefined || t < Date.parse(l.to)),
            );
            expect(covered, `${e.uuid} missing without a reported lost interval`).toBe(true);
          }
          if (vendor.lost.size === 0) expect(missing).toEqual([]);
          // No document other than an event (no quarantine, no invention).
          for (const id of delivered.keys()) expect(id.startsWith('8001:ev-')).toBe(true);
        },
      ),
      { numRuns: 100, seed: 20261201 },
    );
  }, 60_000);
});
