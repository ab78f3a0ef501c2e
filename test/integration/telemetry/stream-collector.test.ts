import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { collectStream, streamCheckpointKey } from '../../../shared/collector/stream.ts';
import { MemoryMetrics, MetricNames, silentLogger } from '../../../shared/ports/logger.ts';
import type { Sink } from '../../../shared/ports/sink.ts';
import { LocalSink } from '../../../shared/sink/local.ts';
import { FakeClock, MemoryCheckpointStore, MemorySink } from '../../helpers/fakes.ts';
import { craftedEvents, STREAM_ID, streamSimulator } from '../../helpers/telemetry.ts';
import { testDelivery } from '../../helpers/telemetry-collect.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(...args: Parameters<typeof streamSimulator>) {
  const s = await streamSimulator(...args);
  closers.push(() => s.sim.close());
  const store = new MemoryCheckpointStore();
  const sink = new MemorySink();
  const metrics = new MemoryMetrics();
  const clock = new FakeClock(Date.now());
  const run = (over: Partial<Parameters<typeof collectStream>[1]> = {}, runSink: Sink = sink) =>
    collectStream(
      {
        client: s.client,
        store,
        delivery: testDelivery(runSink, metrics),
        clock,
        logger: silentLogger,
        metrics,
      },
      {
        tenant: 'default',
        streamId: STREAM_ID,
        channels: [0],
        owner: 'test',
        deadline: clock.now() + 60_000,
        connectionTimeout: 0,
        deadlineMarginMs: 1000,
        maxReadMs: 3000,
        ...over,
      },
    );
  return { ...s, store, sink, metrics, run };
}

const sinkUuids = (sink: MemorySink) => sink.docs.filter((d) => d.dataset === 'event').map((d) => d.id);

describe('Event Stream collector', () => {
  it("delivers every event and keeps the LAST line's next as the cursor; the next run reads nothing twice", async () => {
    const { run, sink, store, events } = await setup({
      events: craftedEvents(120),
      eventsPerLine: 7,
      linesPerResponse: 5,
    });
    const summary = await run();
    expect(summary.status).toBe('complete');
    expect(new Set(sinkUuids(sink)).size).toBe(120);
    expect(sinkUuids(sink)).toHaveLength(120);
    // The API served each event once: every read resumed after the last line of the previous one.
    expect(events.groundTruth.streamServed).toHaveLength(120);
    expect(summary.duplicatesSkipped).toBe(0);
    const key = streamCheckpointKey('default', STREAM_ID, 0);
    const saved = (await store.load(key))?.stream?.cursor;
    expect(Buffer.from(saved ?? '', 'base64url').toString()).toBe(`sim1|${STREAM_ID}|0|120`);
    events.addEvents(craftedEvents(3, Date.now(), 'late'));
    const second = await run();
    expect(second.events).toBe(3);
    expect(sinkUuids(sink)).toHaveLength(123);
  });

  it('delivers once the lines read reach batchBytes, whatever batchEvents says, so a 100 MB response is never held as one batch', async () => {
    const { run, sink, store } = await setup({
      events: craftedEvents(60),
      eventsPerLine: 10,
      linesPerResponse: 6,
    });
    const writes: number[] = [];
    const write = sink.write.bind(sink);
    sink.write = async (docs) => {
      writes.push(docs.length);
      return write(docs);
    };
    // One line of 10 crafted events is well over 1 KB: every line is its own delivery and save.
    const summary = await run({ batchEvents: 1000, batchBytes: 1024 });
    expect(summary.status).toBe('complete');
    expect(writes).toEqual([10, 10, 10, 10, 10, 10]);
    expect(sinkUuids(sink)).toHaveLength(60);
    const saved = await store.load(streamCheckpointKey('default', STREAM_ID, 0));
    expect(saved?.version).toBe(6);
  });

  it('with the local sink (documents encoded as each line is normalized): every event in the files once, the cursor saved after them', async () => {
    const { run, store } = await setup({ events: craftedEvents(120), eventsPerLine: 7, linesPerResponse: 5 });
    const dir = await mkdtemp(join(tmpdir(), 'stream-local-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    // The output root is a file at first: the write fails, so the cursor must stay unsaved.
    const out = join(dir, 'out');
    await writeFile(out, 'not a directory');
    const failed = await run({}, new LocalSink({ dir: out }));
    expect(failed.status).toBe('failed');
    const key = streamCheckpointKey('default', STREAM_ID, 0);
    expect((await store.load(key))?.stream?.cursor).toBeUndefined();
    await rm(out);
    const summary = await run({}, new LocalSink({ dir: out }));
    expect(summary.status).toBe('complete');
    expect(summary.events).toBe(120);
    const files = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.json.gz'));
    const ids = (
      await Promise.all(files.map(async (f) => gunzipSync(await readFile(join(out, f))).toString('utf8')))
    )
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { uuid: string }).uuid);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    const saved = (await store.load(key))?.stream?.cursor;
    expect(Buffer.from(saved ?? '', 'base64url').toString()).toBe(`sim1|${STREAM_ID}|0|120`);
  });

  it('saves the cursor only after the sink acknowledged the line: a failed write leaves it and the next run re-delivers', async () => {
    const { run, sink, store } = await setup({ events: craftedEvents(30), eventsPerLine: 10 });
    sink.failOnWrite = 2;
    const failed = await run({ batchEvents: 10 });
    expect(failed.status).toBe('failed');
    const key = streamCheckpointKey('default', STREAM_ID, 0);
    expect(Buffer.from((await store.load(key))?.stream?.cursor ?? '', 'base64url').toString()).toBe(
      `sim1|${STREAM_ID}|0|10`,
    );
    const again = await run({ batchEvents: 10 });
    expect(again.status).toBe('complete');
    expect(new Set(sinkUuids(sink)).size).toBe(30);
  });

  it('410: restarts from a fresh cursor once, reports the lost interval and the metric, and does not fail', async () => {
    const now = Date.now();
    const old = craftedEvents(10, now - 30 * 3_600_000, 'old');
    const { run, sink, store, events, metrics } = await setup({
      events: old,
      retentionHours: 24,
      eventsPerLine: 5,
    });
    const key = streamCheckpointKey('default', STREAM_ID, 0);
    // A cursor from a run long ago, after the first 4 events were delivered.
    await store.save(
      key,
      {
        stream: {
          cursor: Buffer.from(`sim1|${STREAM_ID}|0|4`).toString('base64url'),
          newestLogTime: String(old[3]?.log_time),
        },
      },
      0,
    );
    events.addEvents(craftedEvents(6, now, 'new'));
    const summary = await run();
    expect(summary.status).toBe('complete');
    expect(summary.cursorExpired).toBe(1);
    expect(metrics.get(MetricNames.streamCursorExpired)).toBe(1);
    expect(summary.lost).toEqual([expect.objectContaining({ channel: 0, from: old[3]?.log_time })]);
    expect(summary.lost[0]?.to).toBeDefined();
    expect(events.groundTruth.expired[0]?.lostUuids).toEqual(old.slice(4).map((e) => e.uuid));
    expect(sinkUuids(sink)).toEqual(craftedEvents(6, now, 'new').map((e) => e.uuid));
    expect((await store.load(key))?.stream?.lastExpired?.lostFrom).toBe(old[3]?.log_time);
  });

  it('404: fails the run with a config error naming the stream, without retry storms', async () => {
    const { run, events, sim, metrics } = await setup({ events: craftedEvents(3) });
    events.setApiState(STREAM_ID, false);
    const summary = await run();
    expect(summary.status).toBe('failed');
    expect(summary.channels[0]?.error?.kind).toBe('config');
    expect(summary.reason).toContain('API State');
    expect(metrics.get(MetricNames.configError)).toBe(1);
    expect(sim.requestLog.filter((r) => r.path.includes('event-export'))).toHaveLength(1);
  });

  it('reads all channels of a stream in one run, each under its own lease and cursor', async () => {
    const { run, sink, store } = await setup({
      events: craftedEvents(90),
      streams: [{ id: STREAM_ID, channels: 3 }],
    });
    await store.acquireLease(
      streamCheckpointKey('default', STREAM_ID, 2),
      'other-run',
      Date.now() + 60_000,
      Date.now(),
    );
    const summary = await run({ channels: [0, 1, 2] });
    expect(summary.channels.map((c) => c.status)).toEqual(['caught_up', 'caught_up', 'skipped']);
    const delivered = new Set(sinkUuids(sink));
    const third = await run({ channels: [2], owner: 'other-run' });
    expect(third.status).toBe('complete');
    for (const id of sinkUuids(sink)) delivered.add(id);
    expect(delivered.size).toBe(90);
    for (const c of [0, 1, 2])
      expect((await store.load(streamCheckpointKey('default', STREAM_ID, c)))?.stream?.cursor).toBeDefined();
  });

  it('a cut response resumes from the last complete line without loss', async () => {
    const { run, sink, events } = await setup({ events: craftedEvents(40), eventsPerLine: 10 });
    events.streamFaults.push({ kind: 'cut', afterLines: 1 }, { kind: 'cut', afterLines: 2 });
    const summary = await run({ batchEvents: 1 });
    expect(summary.status).toBe('complete');
    expect(summary.channels[0]?.cutReads).toBe(2);
    expect(new Set(sinkUuids(sink)).size).toBe(40);
  });

  it('an invalid line is quarantined with the cursor it was read from', async () => {
    const { run, sink, events } = await setup({ events: craftedEvents(5) });
    events.streamFaults.push({ kind: 'invalid_line' });
    const summary = await run();
    expect(summary.quarantined).toBe(1);
    const q = sink.docs.find((d) => d.dataset === 'quarantine');
    expect(String((q?.doc as { reason?: string } | undefined)?.reason)).toMatch(
      /not JSON.*read from cursor \(fresh\)/,
    );
    expect(sinkUuids(sink)).toHaveLength(5);
  });
});
