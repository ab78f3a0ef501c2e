import { afterEach, describe, expect, it } from 'vitest';
import { isConnectorError } from '../../../shared/errors.ts';
import {
  createEventStreamClient,
  type StreamBatch,
  type StreamItem,
  type StreamResponse,
} from '../../../shared/symantec/event-stream.ts';
import { craftedEvents, STREAM_ID, streamSimulator } from '../../helpers/telemetry.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(...args: Parameters<typeof streamSimulator>) {
  const s = await streamSimulator(...args);
  closers.push(() => s.sim.close());
  return s;
}

async function drain(response: StreamResponse): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  for await (const item of response.lines()) items.push(item);
  return items;
}

const batches = (items: StreamItem[]) => items.filter((i): i is StreamBatch => i.kind === 'batch');
const uuids = (items: StreamItem[]) =>
  batches(items).flatMap((b) => b.events.map((e) => (e as { uuid: string }).uuid));

describe('Event Stream client against the simulator', () => {
  it("200: reads a multi-line NDJSON body line by line, and the cursor to keep is the last line's next", async () => {
    const { client, sim } = await setup({ events: craftedEvents(25), eventsPerLine: 10 });
    const response = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      connectionTimeout: 1,
      readMs: 5000,
    });
    expect(response.status).toBe(200);
    const items = await drain(response);
    expect(batches(items).map((b) => b.events.length)).toEqual([10, 10, 5]);
    expect(response.outcome.end).toBe('end');
    const log = sim.requestLog.filter((r) => r.path.includes('event-export'));
    expect(log[0]?.path).toBe(`/v1/event-export/stream/${STREAM_ID}/0`);
    // Resuming from the LAST line's next serves nothing new; resuming from the first would re-serve 15.
    const last = batches(items).at(-1)?.next;
    const first = batches(items)[0]?.next;
    const again = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      cursor: last,
      connectionTimeout: 0,
      readMs: 2000,
    });
    expect(again.status).toBe(204);
    const fromFirst = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      cursor: first,
      connectionTimeout: 0,
      readMs: 2000,
    });
    expect(uuids(await drain(fromFirst))).toHaveLength(15);
  });

  it('sends {} for a fresh cursor and {"next": cursor} after, with the connectionTimeout query, and reads gzip', async () => {
    const seen: { url: string; body: string; headers: Headers; encoding: string | null }[] = [];
    const { sim, credentials } = await setup({ events: craftedEvents(3) });
    const spy = createEventStreamClient({
      baseUrl: new URL(sim.url),
      credentials,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const url = String(input);
        if (url.includes('event-export'))
          seen.push({
            url,
            body: String(init?.body),
            headers: new Headers(init?.headers),
            encoding: response.headers.get('content-encoding'),
          });
        return response;
      },
    });
    const items = await drain(
      await spy.open({ streamId: STREAM_ID, channel: 0, connectionTimeout: 1, readMs: 5000 }),
    );
    expect(uuids(items)).toHaveLength(3);
    const next = batches(items).at(-1)?.next;
    await drain(
      await spy.open({ streamId: STREAM_ID, channel: 0, cursor: next, connectionTimeout: 0, readMs: 2000 }),
    );
    expect(seen[0]?.body).toBe('{}');
    expect(seen[1]?.body).toBe(JSON.stringify({ next }));
    expect(new URL(seen[0]?.url ?? '').searchParams.get('connectionTimeout')).toBe('1');
    expect(seen[0]?.headers.get('accept')).toBe('application/x-ndjson');
    expect(seen[0]?.headers.get('accept-encoding')).toBe('gzip');
    expect(seen[0]?.encoding).toBe('gzip');
  });

  it('204: caught up when the channel has nothing new', async () => {
    const { client } = await setup({ events: [] });
    const response = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      connectionTimeout: 0,
      readMs: 2000,
    });
    expect(response.status).toBe(204);
    expect(await drain(response)).toEqual([]);
  });

  it('404: a config error naming the stream id, the channel and API State', async () => {
    const { client, events } = await setup({ events: craftedEvents(2) });
    events.setApiState(STREAM_ID, false);
    const error = await client
      .open({ streamId: STREAM_ID, channel: 0, connectionTimeout: 0, readMs: 2000 })
      .catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('config');
    expect(String((error as Error).message)).toContain(STREAM_ID);
    expect(String((error as Error).message)).toContain('API State');
    const wrongChannel = await client
      .open({ streamId: STREAM_ID, channel: 3, connectionTimeout: 0, readMs: 2000 })
      .catch((e: unknown) => e);
    expect(isConnectorError(wrongChannel) && wrongChannel.kind).toBe('config');
  });

  it('410: an expired cursor is a typed cursor_expired error, not retried', async () => {
    const now = Date.now();
    const { client, events, sim } = await setup({
      events: craftedEvents(5, now - 30 * 3_600_000),
      retentionHours: 24,
    });
    const stale = Buffer.from(`sim1|${STREAM_ID}|0|0`).toString('base64url');
    events.addEvents(craftedEvents(2, now, 'new'));
    const error = await client
      .open({ streamId: STREAM_ID, channel: 0, cursor: stale, connectionTimeout: 0, readMs: 2000 })
      .catch((e: unknown) => e);
    expect(isConnectorError(error) && error.kind).toBe('cursor_expired');
    expect(sim.requestLog.filter((r) => r.path.includes('event-export'))).toHaveLength(1);
    expect(events.groundTruth.expired[0]?.lostUuids).toHaveLength(5);
  });

  it('401 once: refreshes the token and reads; 429 and 500 are retried', async () => {
    const { client, sim, events } = await setup({ events: craftedEvents(4) });
    await drain(await client.open({ streamId: STREAM_ID, channel: 0, connectionTimeout: 0, readMs: 2000 }));
    sim.expireTokens();
    events.streamFaults.push({ kind: 'status', status: 429 }, { kind: 'status', status: 500 });
    const response = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      connectionTimeout: 0,
      readMs: 2000,
    });
    expect(response.status).toBe(200);
    expect(uuids(await drain(response))).toHaveLength(4);
    expect(response.retries).toBeGreaterThanOrEqual(3);
  });

  it('a body cut mid-line keeps the complete lines and drops the partial one', async () => {
    // Plain body: every byte the server wrote before the cut reaches our reader. With gzip, fetch's own
    // decoder (undici) is destroyed by the cut and drops the tail it still holds: a plain fetch drained
    // as fast as possible got 1 of the 2 complete lines in 2 of 60 gzip cuts, 0 of 60 plain (next test).
    const { client, events, sim } = await setup({
      events: craftedEvents(30),
      eventsPerLine: 10,
      gzip: false,
    });
    events.streamFaults.push({ kind: 'cut', afterLines: 2 });
    const response = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      connectionTimeout: 0,
      readMs: 3000,
    });
    const items = await drain(response);
    expect(batches(items).map((b) => b.events.length)).toEqual([10, 10]);
    expect(response.outcome.end).toBe('cut');
    // A cut after the headers is not retried: the caller resumes from the last complete line.
    expect(sim.requestLog.filter((r) => r.path.includes('event-export'))).toHaveLength(1);
  });

  it('a gzip body cut mid-line yields only complete lines, in order, and reports the cut', async () => {
    const { client, events } = await setup({ events: craftedEvents(30), eventsPerLine: 10 });
    events.streamFaults.push({ kind: 'cut', afterLines: 2 });
    const response = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      connectionTimeout: 0,
      readMs: 3000,
    });
    const items = await drain(response);
    // fetch's decoder may lose complete lines with the cut (undici drops what it still holds): what
    // comes out is a prefix of the complete lines, never the partial one; the caller resumes after it.
    const got = uuids(items);
    expect([0, 10, 20]).toContain(got.length);
    expect(got).toEqual(craftedEvents(got.length).map((e) => e.uuid));
    expect(items.every((i) => i.kind === 'batch')).toBe(true);
    expect(response.outcome.end).toBe('cut');
  });

  it('our own bound ends a held read, whatever connectionTimeout says', async () => {
    const { client, events } = await setup({ events: craftedEvents(3), maxHoldMs: 60_000 });
    events.streamFaults.push({ kind: 'stall' });
    const started = Date.now();
    const response = await client.open({
      streamId: STREAM_ID,
      channel: 0,
      connectionTimeout: 30,
      readMs: 300,
    });
    expect(response.status).toBe(204);
    expect(response.outcome.end).toBe('deadline');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an invalid line is returned as invalid (to quarantine) and the next lines still count', async () => {
    const { client, events } = await setup({ events: craftedEvents(5) });
    events.streamFaults.push({ kind: 'invalid_line' });
    const items = await drain(
      await client.open({ streamId: STREAM_ID, channel: 0, connectionTimeout: 0, readMs: 2000 }),
    );
    expect(items[0]?.kind).toBe('invalid');
    expect(uuids(items)).toHaveLength(5);
  });
});
