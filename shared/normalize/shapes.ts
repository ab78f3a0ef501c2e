/**
 * Code generated per record shape. An object's shape is the sequence of its own keys; objects
 * of one API record type repeat a handful of shapes, so code written for a shape (property reads
 * and one object literal, no per-key catalogue lookups) is built once and reused. Shapes are found
 * by walking the object's keys down a trie; the number of shapes kept is bounded, past that (or
 * for an object that is not a plain `{}`) the caller takes its generic path.
 */

/**
 * One node of the trie, path-compressed: the keys that must follow in sequence (`run`), then the
 * entry of the shape that ends there and the nodes of the shapes that go on (each starts with a
 * different key). The walk is one compare per key; it branches only where shapes differ.
 */
interface TrieNode<F> {
  run: string[];
  entry: F | typeof NOT_COMPILABLE | undefined;
  kids: Array<TrieNode<F>>;
}

/** The shape cannot be compiled (an uncatalogued key, say): the caller's generic path handles it. */
export const NOT_COMPILABLE: unique symbol = Symbol('not compilable');

/**
 * Switch and counters for the tests that compare the generated code with the reference paths.
 * `on: false` sends every record down the reference paths (the careful copy, the reference
 * removal, the full depth walk); `reset()` empties every cache (so each test meets fresh shapes
 * rather than a cache another filled); `compiled` counts the shapes code was generated for.
 */
export const fastPaths = {
  on: true,
  compiled: 0,
  epoch: 0,
  reset(): void {
    fastPaths.epoch++;
  },
};

/** Shapes longer than this are not cached. */
const MAX_KEYS = 256;

export class ShapeCache<F> {
  private root: TrieNode<F> = { run: [], entry: undefined, kids: [] };
  private shapes = 0;
  private epoch = fastPaths.epoch;

  /**
   * `compile` builds the entry for a key sequence (seen on `specimen`), or returns NOT_COMPILABLE;
   * at most `max` shapes (compiled or not) are kept.
   */
  constructor(
    private readonly compile: (keys: readonly string[], specimen: object) => F | typeof NOT_COMPILABLE,
    private readonly max = 64,
  ) {}

  /**
   * The entry for `obj`'s shape; NOT_COMPILABLE when it cannot be compiled, undefined when the
   * object is not a plain `{}` (an inherited enumerable key would be read as its own) or the cache
   * is full.
   */
  get(obj: object): F | typeof NOT_COMPILABLE | undefined {
    if (Object.getPrototypeOf(obj) !== Object.prototype) return undefined;
    if (this.epoch !== fastPaths.epoch) {
      this.epoch = fastPaths.epoch;
      this.root = { run: [], entry: undefined, kids: [] };
      this.shapes = 0;
    }
    let n = this.root;
    let run = n.run;
    let j = 0;
    for (const k in obj) {
      if (j < run.length) {
        if (run[j] !== k) return this.add(obj);
        j++;
        continue;
      }
      const next = kid(n, k);
      if (next === undefined) return this.add(obj);
      n = next;
      run = n.run;
      j = 1;
    }
    if (j !== run.length) return this.add(obj);
    return n.entry ?? this.add(obj);
  }

  private add(obj: object): F | typeof NOT_COMPILABLE | undefined {
    if (this.shapes >= this.max) return undefined;
    const keys: string[] = [];
    for (const k in obj) {
      keys.push(k);
      if (keys.length > MAX_KEYS) return undefined;
    }
    const entry = this.compile(keys, obj);
    this.shapes++;
    if (entry !== NOT_COMPILABLE) fastPaths.compiled++;
    let n = this.root;
    let j = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (j < n.run.length) {
        if (n.run[j] === k) {
          j++;
          continue;
        }
        split(n, j);
      }
      const next = kid(n, k);
      if (next === undefined) {
        n.kids.push({ run: keys.slice(i), entry, kids: [] });
        return entry;
      }
      n = next;
      j = 1;
    }
    if (j < n.run.length) split(n, j);
    n.entry = entry;
    return entry;
  }
}

function kid<F>(n: TrieNode<F>, k: string): TrieNode<F> | undefined {
  const kids = n.kids;
  for (let i = 0; i < kids.length; i++) if ((kids[i] as TrieNode<F>).run[0] === k) return kids[i];
  return undefined;
}

/** Cut `n`'s run after `j` keys; the rest (with n's entry and kids) becomes its only kid. */
function split<F>(n: TrieNode<F>, j: number): void {
  const tail: TrieNode<F> = { run: n.run.slice(j), entry: n.entry, kids: n.kids };
  n.run = n.run.slice(0, j);
  n.entry = undefined;
  n.kids = [tail];
}

/** A key as a JavaScript string literal (generated code never holds raw input text). */
export const lit = (key: string): string => JSON.stringify(key);

/**
 * An object literal key. `__proto__` written plainly would set the prototype instead of defining
 * a key, so it (the only such name) is computed.
 */
export const literalKey = (key: string): string => (key === '__proto__' ? `[${lit(key)}]` : lit(key));

/**
 * A few recent objects kept alive. V8's optimized code checks the hidden classes of the objects it
 * handles and is thrown away (deoptimized) when a full GC finds no live object of one: after that
 * the hot path runs unoptimized until V8 recompiles it. Keeping the latest objects of the hot
 * path's usual shapes (a document is a few KB) keeps their hidden classes, and the code, alive.
 */
export class Specimens {
  private readonly kept: object[] = [];
  private next = 0;

  constructor(private readonly size = 8) {}

  keep(obj: object): void {
    this.kept[this.next] = obj;
    this.next = (this.next + 1) % this.size;
  }
}
