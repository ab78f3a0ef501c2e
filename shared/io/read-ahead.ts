import type { ReadableStreamDefaultReader } from 'node:stream/web';

/**
 * A web stream reader's chunks as an async iterable, with one read always pending (up to
 * `aheadBytes` held on our side). Why: a web stream that errors (a connection cut mid-body) discards
 * the chunks still in its queue, so a reader that only calls read() when its consumer asks lost the
 * complete lines that had arrived while the consumer was busy (fetch's gzip decoder enqueues a line
 * and the "terminated" error back to back). With a read pending, each arriving chunk is handed over
 * at once and only the error remains for the stream to report.
 *
 * The iteration throws the stream's error after every chunk received before it; `stopped()` turns a
 * read that ended because the caller cancelled the reader (its bound) into that error instead of an
 * ordinary end. Memory: at most `aheadBytes` plus one chunk beyond the consumer.
 */
export async function* readAhead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: { aheadBytes: number; stopped: () => Error | undefined },
): AsyncGenerator<Uint8Array> {
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let pump: Promise<void> | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const start = () => {
    if (pump || ended || failure) return;
    pump = (async () => {
      try {
        while (heldBytes < options.aheadBytes) {
          const { done, value } = await reader.read();
          const stop = options.stopped();
          if (stop) {
            failure = { error: stop };
            return;
          }
          if (done) {
            ended = true;
            return;
          }
          held.push(value);
          heldBytes += value.byteLength;
          notify();
        }
      } catch (error) {
        failure = { error: options.stopped() ?? error };
      } finally {
        pump = undefined;
        notify();
      }
    })();
  };
  try {
    for (;;) {
      const chunk = held.shift();
      if (chunk) {
        heldBytes -= chunk.byteLength;
        start();
        yield chunk;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      start();
      await woken;
    }
  } finally {
    // An early exit (the consumer stopped, or threw): end the pending read before the caller releases
    // the lock. A pump still running after cancel() resolves its read as done and stops.
    if (!ended && !failure) await reader.cancel().catch(() => undefined);
    await pump;
  }
}
