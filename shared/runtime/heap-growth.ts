/**
 * How far V8 lets the old generation grow between full collections (`heapGrowingPercent`).
 *
 * Why: the Lambda runtime starts Node with a young generation sized from the function's memory (a
 * 51 MB semi-space at 1,024 MB), and V8 starts marking the old generation whenever the room left under
 * its limit is smaller than the young generation. The collector keeps little (about 20-35 MB), so V8's
 * own limit (a few times that) leaves less room than the young generation and the heap is marked
 * almost without pause: a full collection per API page. Growing the limit by a fixed 200 % instead
 * cut the collector's CPU on the Firehose path by a fifth to a third (docs/performance.md, "Heap growth").
 *
 * The limit stays capped by `--max-old-space-size` (set by the Lambda runtime), so this changes when
 * V8 collects, not how much it may hold. V8 reads the flag whenever it computes the next limit, which
 * is why it can be set at run time (Node keeps V8's flags writable for `v8.setFlagsFromString`).
 */
import { setFlagsFromString } from 'node:v8';
import { HEAP_GROWING_PERCENT_MAX } from '../config/settings.ts';
import { ConfigError } from '../errors.ts';

/** `heapGrowingPercent` of 0 leaves V8's own growth (its flag's default). */
export const V8_OWN_HEAP_GROWTH = 0;

let current = V8_OWN_HEAP_GROWTH;

/**
 * Set V8's old-generation growth factor to `1 + percent/100` for this process (0: V8's own). Only
 * the last call counts: one process runs one configuration. Returns the value now in effect.
 */
export function applyHeapGrowth(percent: number): number {
  if (!Number.isSafeInteger(percent) || percent < 0 || percent > HEAP_GROWING_PERCENT_MAX) {
    const range = `0-${HEAP_GROWING_PERCENT_MAX}`;
    throw new ConfigError(`heapGrowingPercent must be an integer ${range} (got ${String(percent)})`, {
      action: `Set SES_HEAP_GROWING_PERCENT (stack parameter HeapGrowingPercent) to ${range}; 0 keeps V8 its own`,
    });
  }
  if (percent !== current) {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
    current = percent;
  }
  return current;
}

/** The growth this module last set (0 when none was set). */
export function heapGrowth(): number {
  return current;
}
