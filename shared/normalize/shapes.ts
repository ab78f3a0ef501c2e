/**
 * Code generated per record shape. An object's shape is the sequence of its own keys; objects
 * of one API record type repeat a handful of shapes, so code written for a shape (property reads
 * and one object literal, no per-key catalogue lookups) is built once and reused. Shapes are found
 * by walking the object's keys down a trie; the number of shapes kept is bounded, past that (or
 * for an object that is not a plain `{}`) the caller takes its generic path.
 */

/** One trie node: the keys seen after this prefix, and the entry of the shape that ends here. */
interface TrieNode<F> {
  /** First child inline: most nodes have one, so the walk is one compare and one load per key. */
  k0: string | undefined;
  n0: TrieNode<F> | undefined;
  /** Further children, rare (shapes that differ at this position). */
  more: Array<[string, TrieNode<F>]> | undefined;
  /** What was compiled for the shape ending here (or NOT_COMPILABLE). */
  entry: F | typeof NOT_COMPILABLE | undefined;
}

/** The shape cannot be compiled (an uncatalogued key, say): the caller's generic path handles it. */
export const NOT_COMPILABLE: unique symbol = Symbol('not compilable');

const node = <F>(): TrieNode<F> => ({ k0: undefined, n0: undefined, more: undefined, entry: undefined });

/** Shapes longer than this are not cached (each key costs a trie node). */
const MAX_KEYS = 256;

export class ShapeCache<F> {
  private readonly root: TrieNode<F> = node();
  private shapes = 0;

  /**
   * `compile` builds the entry for a key sequence, or returns NOT_COMPILABLE; at most `max`
   * shapes (compiled or not) are kept.
   */
  constructor(
    private readonly compile: (keys: readonly string[]) => F | typeof NOT_COMPILABLE,
    private readonly max = 64,
  ) {}

  /**
   * The entry for `obj`'s shape; NOT_COMPILABLE when it cannot be compiled, undefined when the
   * object is not a plain `{}` (an inherited enumerable key would be read as its own) or the cache
   * is full.
   */
  get(obj: object): F | typeof NOT_COMPILABLE | undefined {
    if (Object.getPrototypeOf(obj) !== Object.prototype) return undefined;
    let n: TrieNode<F> | undefined = this.root;
    for (const k in obj) {
      if (n.k0 === k) {
        n = n.n0 as TrieNode<F>;
        continue;
      }
      n = child(n, k);
      if (n === undefined) return this.add(obj);
    }
    return n.entry ?? this.add(obj);
  }

  private add(obj: object): F | typeof NOT_COMPILABLE | undefined {
    if (this.shapes >= this.max) return undefined;
    const keys: string[] = [];
    for (const k in obj) {
      keys.push(k);
      if (keys.length > MAX_KEYS) return undefined;
    }
    let n = this.root;
    for (const k of keys) {
      let next = child(n, k);
      if (next === undefined) {
        next = node();
        if (n.k0 === undefined) {
          n.k0 = k;
          n.n0 = next;
        } else if (n.more) n.more.push([k, next]);
        else n.more = [[k, next]];
      }
      n = next;
    }
    this.shapes++;
    n.entry = this.compile(keys);
    return n.entry;
  }
}

function child<F>(n: TrieNode<F>, k: string): TrieNode<F> | undefined {
  if (n.k0 === k) return n.n0;
  if (n.more) for (const [key, next] of n.more) if (key === k) return next;
  return undefined;
}

/** A key as a JavaScript string literal (generated code never holds raw input text). */
export const lit = (key: string): string => JSON.stringify(key);

/**
 * An object literal key. `__proto__` written plainly would set the prototype instead of defining
 * a key, so it (the only such name) is computed.
 */
export const literalKey = (key: string): string => (key === '__proto__' ? `[${lit(key)}]` : lit(key));
