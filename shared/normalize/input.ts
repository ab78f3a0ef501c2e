/**
 * Splits raw input text into API incidents for the `normalize` command: NDJSON (one incident or
 * one response body per line), whole API response bodies `{"total","next","incidents":[...]}`,
 * arrays of incidents, and pretty-printed multi-line JSON, in any mix. A line that cannot be
 * read comes back as an `invalid` item (it becomes a quarantine document), never an exception.
 */

export type InputItem =
  /** `raw` is the incident; `text` its exact source text when it was one line on its own. */
  | { kind: 'incident'; raw: unknown; text?: string }
  | { kind: 'invalid'; text: string; reason: string; line: number };

/**
 * Deepest nesting of objects/arrays a record may have before it is normalized. API incidents nest a
 * handful of levels; the normalizer and JSON.stringify recurse, so a 100k-deep record overflowed the
 * stack and was quarantined as "[object Object]" without its incident_uid.
 */
export const MAX_RECORD_DEPTH = 100;

/**
 * True when `value` nests objects/arrays deeper than `max` levels. Recursive but bounded: it never
 * descends past level `max + 1`, so a 100k-deep record costs 101 frames, and it allocates nothing
 * (it runs on every record in the hot loop: `for...in` is about 3 times faster here than iterating
 * `Object.values`, which allocates an array per object, and that 1.5 times faster than an explicit
 * stack). `for...in` also visits inherited enumerable keys, which records parsed from JSON do not
 * have (a polluted prototype could only make a record look deeper, never shallower).
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_RECORD_DEPTH): boolean {
  return value !== null && typeof value === 'object' && deeper(value, 1, max);
}

function deeper(v: object, depth: number, max: number): boolean {
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (c !== null && typeof c === 'object' && deeper(c, depth + 1, max)) return true;
    }
    return false;
  }
  for (const key in v) {
    const c = (v as Record<string, unknown>)[key];
    if (c !== null && typeof c === 'object' && deeper(c, depth + 1, max)) return true;
  }
  return false;
}

/**
 * Whether the copies of a record proved it shallow (no deeper than MAX_RECORD_DEPTH), so the
 * depth guard need not walk it. Starts true; anything the copies did not check clears it.
 */
export interface Walk {
  shallow: boolean;
}

/**
 * JSON text of `value` with everything below `max` levels replaced by a marker string: safe to
 * serialize whatever the depth (the copy is built without recursion), for quarantine excerpts.
 */
export function prunedJson(value: unknown, max: number = MAX_RECORD_DEPTH): string {
  const marker = `[nested deeper than ${max} levels]`;
  const copy = (v: unknown): unknown =>
    Array.isArray(v) ? [] : v !== null && typeof v === 'object' ? {} : v;
  const root = copy(value);
  const stack: Array<[unknown, unknown, number]> = [[value, root, 1]];
  while (stack.length) {
    const [src, dst, depth] = stack.pop() as [unknown, unknown, number];
    if (src === null || typeof src !== 'object') continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(src)
      ? src.map((c, i) => [i, c])
      : Object.entries(src);
    for (const [k, child] of entries) {
      const deep = child !== null && typeof child === 'object' && depth >= max;
      const c = deep ? marker : copy(child);
      (dst as Record<string | number, unknown>)[k] = c;
      if (!deep && child !== null && typeof child === 'object') stack.push([child, c, depth + 1]);
    }
  }
  return JSON.stringify(root) ?? 'null';
}

// Longest multi-line value we try to assemble before calling the first line bad (lines).
const MAX_SPAN = 200_000;

/** Net bracket depth change of a line, tracking strings; `inString` carries across lines. */
function scan(line: string, state: { depth: number; inString: boolean }): void {
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (state.inString) {
      if (escaped) escaped = false;
      else if (c === 92) escaped = true;
      else if (c === 34) state.inString = false;
    } else if (c === 34) state.inString = true;
    else if (c === 123 || c === 91) state.depth++;
    else if (c === 125 || c === 93) state.depth--;
  }
}

function expand(value: unknown, text: string | undefined, out: InputItem[]): void {
  if (Array.isArray(value)) {
    for (const v of value) out.push({ kind: 'incident', raw: v });
    return;
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    Array.isArray((value as { incidents?: unknown }).incidents)
  ) {
    // An API response body: its incidents are the records.
    for (const v of (value as { incidents: unknown[] }).incidents) out.push({ kind: 'incident', raw: v });
    return;
  }
  out.push(text === undefined ? { kind: 'incident', raw: value } : { kind: 'incident', raw: value, text });
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

export function splitInput(text: string): InputItem[] {
  const out: InputItem[] = [];
  const whole = text.trim();
  if (whole === '') return out;
  const lines = text.split('\n');
  // Fast path for a single value that spans lines (a pretty-printed body).
  if (lines.length > 1 && (whole.startsWith('{') || whole.startsWith('['))) {
    const r = tryParse(whole);
    if (r.ok) {
      expand(r.value, undefined, out);
      return out;
    }
  }
  let i = 0;
  while (i < lines.length) {
    const line = (lines[i] as string).replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '') {
      i++;
      continue;
    }
    const single = tryParse(trimmed);
    if (single.ok) {
      expand(single.value, trimmed, out);
      i++;
      continue;
    }
    // Maybe the first line of a multi-line value: gather lines until the brackets close.
    const state = { depth: 0, inString: false };
    let end = -1;
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      for (let j = i; j < lines.length && j - i < MAX_SPAN; j++) {
        scan(lines[j] as string, state);
        if (state.depth <= 0 && !state.inString) {
          end = j;
          break;
        }
      }
    }
    if (end > i) {
      const multi = tryParse(lines.slice(i, end + 1).join('\n'));
      if (multi.ok) {
        expand(multi.value, undefined, out);
        i = end + 1;
        continue;
      }
    }
    out.push({
      kind: 'invalid',
      text: line,
      reason: `line ${i + 1} is not valid JSON: ${single.reason}`,
      line: i + 1,
    });
    i++;
  }
  return out;
}
