import { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../shared/io/read-ahead.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('');

/**
 * A body that delivers `first`, then, while its consumer is still busy with it, `second` and a
 * connection error back to back (what fetch's gzip decoder does when the connection is cut).
 */
function cutAfterTwoChunks() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c as unknown as ReadableStreamDefaultController<Uint8Array>;
      c.enqueue(bytes('line 1\n'));
    },
  });
  const cut = () => {
    controller.enqueue(bytes('line 2\n'));
    controller.error(new TypeError('terminated'));
  };
  return { stream, cut };
}

describe('readAhead: a web body read with one read always pending', () => {
  it('keeps a chunk that arrived just before the stream errored while the consumer was busy', async () => {
    const { stream, cut } = cutAfterTwoChunks();
    const got: Uint8Array[] = [];
    let error: unknown;
    try {
      for await (const chunk of readAhead(stream.getReader(), {
        aheadBytes: 1 << 20,
        stopped: () => undefined,
      })) {
        got.push(chunk);
        // The consumer is busy (delivering a batch) while the rest of the body and the cut arrive.
        if (got.length === 1) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          cut();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    } catch (e) {
      error = e;
    }
    expect(text(got)).toBe('line 1\nline 2\n');
    expect(String(error)).toContain('terminated');
  });

  it('ends cleanly with every chunk, and stops holding more than aheadBytes ahead of its consumer', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulled++;
          if (pulled > 50) c.close();
          else c.enqueue(new Uint8Array(1000));
        },
      },
      { highWaterMark: 0 },
    );
    const reader = readAhead(stream.getReader(), { aheadBytes: 4000, stopped: () => undefined });
    const first = await reader.next();
    expect(first.value?.byteLength).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One chunk with the consumer, at most 4000 bytes held, plus the read in flight.
    expect(pulled).toBeLessThanOrEqual(7);
    let total = 1000;
    for await (const chunk of reader) total += chunk.byteLength;
    expect(total).toBe(50_000);
  });

  it('turns a read ended by our own cancel (the read bound) into the stop error, not a clean end', async () => {
    const stream = new ReadableStream<Uint8Array>({ pull() {} }, { highWaterMark: 0 });
    const r = stream.getReader();
    let stop: Error | undefined;
    const iteration = (async () => {
      for await (const _ of readAhead(r, { aheadBytes: 1000, stopped: () => stop })) {
        // no chunk ever arrives
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 5));
    stop = new Error('read bound reached');
    await r.cancel(stop);
    await expect(iteration).rejects.toThrow('read bound reached');
  });

  it('cancels the pending read when its consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          c.enqueue(bytes('x\n'));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const r = stream.getReader();
    for await (const _ of readAhead(r, { aheadBytes: 10, stopped: () => undefined })) break;
    expect(cancelled).toBe(true);
    r.releaseLock();
  });
});
