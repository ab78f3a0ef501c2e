/**
 * Objects built as one object literal per key sequence. Adding keys one by one to a fresh object
 * walks V8's shape transitions key by key (a runtime call per key once the stores are
 * megamorphic, which they are in a normalizer); a literal gets its final shape at once. Documents of
 * one event type repeat the same key sequences, so a trie of the sequences seen maps each to a
 * generated builder. Keys reach the generated source only as JSON string literals (JSON.stringify).
 */

type Obj = Record<string, unknown>;

/** One position in the key sequences seen. */
export interface ShapeStep<F> {
  /** The first key seen after this position, and where it leads (most positions have one). */
  key: string | undefined;
  next: ShapeStep<F> | undefined;
  /** Other keys seen here. */
  more: Map<string, ShapeStep<F>> | undefined;
  /** Set where a sequence ends: what was generated for it. */
  fn: F | undefined;
}

export function newStep<F>(): ShapeStep<F> {
  return { key: undefined, next: undefined, more: undefined, fn: undefined };
}

/** The step after `key`, created when missing. */
export function stepAfter<F>(step: ShapeStep<F>, key: string): ShapeStep<F> {
  let next = step.key === key ? step.next : step.more?.get(key);
  if (next === undefined) {
    next = newStep();
    if (step.key === undefined) {
      step.key = key;
      step.next = next;
    } else {
      step.more ??= new Map();
      step.more.set(key, next);
    }
  }
  return next;
}

/** Sets a key on a plain object, safely for `__proto__` (a JSON key like any other). */
export function setKey(o: Obj, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

export type Make = (values: unknown[]) => Obj;

/**
 * `(v) => ({k0: v[0], k1: v[1], …})` for these keys. Not for `__proto__` (as a literal key it
 * would set the prototype): the caller builds those key by key.
 */
export function literalMaker(keys: readonly string[]): Make {
  const fields = keys.map((key, i) => `${JSON.stringify(key)}: v[${i}]`);
  return new Function('v', `return { ${fields.join(', ')} };`) as Make;
}

/** Builders of `{k0: values[0], k1: values[1], …}`, bounded to `max` key sequences. */
export class LiteralObjects {
  private readonly root: ShapeStep<Make> = newStep();
  private count = 0;

  constructor(
    private readonly max: number,
    private readonly maxKeys = 256,
  ) {}

  /** The object of the first `n` keys and values (`n` > 0), in that order. */
  build(keys: readonly string[], values: unknown[], n: number): Obj {
    let step: ShapeStep<Make> | undefined = this.root;
    for (let i = 0; i < n && step !== undefined; i++) {
      const key = keys[i] as string;
      step = step.key === key ? step.next : step.more?.get(key);
    }
    const make = step?.fn ?? this.learn(keys, n);
    if (make !== undefined) return make(values);
    const out: Obj = {};
    for (let i = 0; i < n; i++) setKey(out, keys[i] as string, values[i]);
    return out;
  }

  private learn(keys: readonly string[], n: number): Make | undefined {
    if (this.count >= this.max || n > this.maxKeys) return undefined;
    // `__proto__` as a literal key would set the prototype: such objects are built key by key.
    for (let i = 0; i < n; i++) if (keys[i] === '__proto__') return undefined;
    let step = this.root;
    for (let i = 0; i < n; i++) step = stepAfter(step, keys[i] as string);
    const make = literalMaker(keys.slice(0, n));
    step.fn = make;
    this.count++;
    return make;
  }
}
