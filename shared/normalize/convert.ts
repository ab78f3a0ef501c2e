/**
 * Value conversions of the normalizer: dates to ISO 8601 UTC, catalogue types, hashing. Written
 * for the hot path: no regular expressions, no deep clones, each value parsed once.
 */
import * as crypto from 'node:crypto';
import type { FieldType } from './fields.ts';
import { prunedJson } from './input.ts';

// 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z: outside, toISOString() would throw or
// write an expanded year that is not ISO 8601.
const MIN_MS = -62135596800000;
const MAX_MS = 253402300799999;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

// The last day formatted: records come in time order, so most instants fall on the day before.
let prefixDay = -1;
let prefixText = '';

/**
 * Epoch milliseconds → ISO 8601 UTC with milliseconds, or undefined when out of range. Years
 * 1970-9999 are formatted arithmetically (days → civil date, H. Hinnant's algorithm, its
 * `YYYY-MM-DDT` text kept for the next instant of the same day): several times faster than
 * `new Date(ms).toISOString()`, which handles the rest.
 */
export function epochMsToIso(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const t = Math.trunc(ms);
  if (t < MIN_MS || t > MAX_MS) return undefined;
  if (t < 0) return new Date(t).toISOString();
  const days = Math.floor(t / 86_400_000);
  let rem = t - days * 86_400_000;
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const sec = Math.floor(rem / 1000);
  const milli = rem - sec * 1000;
  if (days !== prefixDay) {
    prefixText = dayPrefix(days);
    prefixDay = days;
  }
  return `${prefixText}${pad2(h)}:${pad2(mi)}:${pad2(sec)}.${pad3(milli)}Z`;
}

/** `YYYY-MM-DDT` of a day count since 1970-01-01 (≥ 0). */
function dayPrefix(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${pad2(m)}-${pad2(d)}T`;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** True for a string of decimal digits with an optional leading minus sign. */
function isIntegerText(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * ISO 8601 date or date-time (with or without milliseconds, `Z`, `+00:00` or `+0000` offset) →
 * ISO UTC with milliseconds. A date-time without offset is read as UTC, as Elastic does.
 */
export function isoToIso(s: string): string | undefined {
  const n = s.length;
  if (n < 10 || n > 40) return undefined;
  const y1 = digits2(s, 0);
  const y2 = digits2(s, 2);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  if (y1 < 0 || y2 < 0 || month < 0 || day < 0) return undefined;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const fast = canonicalFastPath(s, n, y1 * 100 + y2, month, day);
  if (fast !== undefined) return fast;
  let text = s;
  if (n > 10) {
    const sep = s.charCodeAt(10);
    if (sep !== 84 && sep !== 116 && sep !== 32) return undefined; // T, t, space
    let hasOffset = false;
    for (let i = 11; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 90 || c === 122 || c === 43 || c === 45) {
        hasOffset = true;
        break;
      }
    }
    if (!hasOffset) text = s + 'Z';
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // V8 rolls 2023-02-30 over to March; a real ISO parser rejects it.
  if (day > 28 && new Date(Date.UTC(y1 * 100 + y2, month, 0)).getUTCDate() < day) return undefined;
  return epochMsToIso(ms);
}

/** Value of the two decimal digits at `i` and `i + 1`, or -1 when either is not a digit. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days in a month of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The API's usual forms, already UTC, rewritten without any Date work:
 * `…T21:46:10.400Z` (as is), `…T21:46:10.400+00:00` / `+0000`, `…T21:46:10Z`. Date digits were
 * read by the caller; undefined means "take the general path". Char codes only (no slices): it
 * runs for every timestamp of every record.
 */
function canonicalFastPath(
  s: string,
  n: number,
  year: number,
  month: number,
  day: number,
): string | undefined {
  if (n !== 20 && n !== 24 && n !== 28 && n !== 29) return undefined;
  if (s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const h = digits2(s, 11);
  const mi = digits2(s, 14);
  const sec = digits2(s, 17);
  if (h < 0 || mi < 0 || sec < 0) return undefined;
  if (n === 20) {
    if (s.charCodeAt(19) !== 90) return undefined;
  } else {
    if (s.charCodeAt(19) !== 46) return undefined;
    if (!isDigit(s.charCodeAt(20)) || !isDigit(s.charCodeAt(21)) || !isDigit(s.charCodeAt(22)))
      return undefined;
    if (n === 24) {
      if (s.charCodeAt(23) !== 90) return undefined;
    } else if (n === 29) {
      if (!s.endsWith('+00:00')) return undefined;
    } else if (!s.endsWith('+0000')) return undefined;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  if (n === 24) return s;
  return n === 20 ? `${s.slice(0, 19)}.000Z` : `${s.slice(0, 23)}Z`;
}

// One-entry memo: records repeat the same instant (time / device_time, time / log_time).
let memoIn: unknown;
let memoOut: string | undefined;

/**
 * A timestamp as the API writes it: epoch milliseconds (number or digit string) or ISO 8601
 * text → ISO UTC with milliseconds; undefined when it is neither.
 */
export function toTimestamp(v: unknown): string | undefined {
  if (v === memoIn) return memoOut;
  let out: string | undefined;
  if (typeof v === 'number') out = epochMsToIso(v);
  else if (typeof v === 'string') {
    if (isIntegerText(v)) out = v.length <= 16 ? epochMsToIso(Number(v)) : undefined;
    else out = isoToIso(v);
  } else return undefined;
  memoIn = v;
  memoOut = out;
  return out;
}

/** A long (integer) from a JSON number or integer text; undefined otherwise. */
export function toLong(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!isIntegerText(t)) return undefined;
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

function toDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A keyword: strings as they are, numbers and booleans as text (Elastic's `convert` to string). */
export function toKeyword(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    if (t === 'yes' || t === 'true') return true;
    if (t === 'no' || t === 'false') return false;
  }
  return undefined;
}

/** Sentinel: the value does not fit the catalogue type. */
export const INVALID: unique symbol = Symbol('invalid');

/**
 * Convert a value to a catalogue type. Returns undefined for "nothing to write" (null, '' or an
 * empty array, removed as Elastic does) and INVALID when the value does not fit.
 */
export function convert(v: unknown, type: FieldType): unknown {
  if (v === null || v === '' || v === undefined) return undefined;
  let out: unknown;
  switch (type) {
    case 'string':
      out = toKeyword(v);
      break;
    case 'long':
      out = toLong(v);
      break;
    case 'double':
      out = toDouble(v);
      break;
    case 'boolean':
      out = toBoolean(v);
      break;
    case 'timestamp':
      out = toTimestamp(v);
      break;
    case 'string[]':
    case 'long[]': {
      const one = type === 'string[]' ? toKeyword : toLong;
      if (!Array.isArray(v)) {
        const x = one(v);
        return x === undefined ? INVALID : [x];
      }
      const arr: unknown[] = [];
      for (const item of v) {
        if (item === null || item === '') continue;
        const x = one(item);
        if (x === undefined) return INVALID;
        arr.push(x);
      }
      return arr.length === 0 ? undefined : arr;
    }
  }
  return out === undefined ? INVALID : out;
}

// One-shot crypto.hash (Node >= 20.12) skips the Hash object; createHash is the fallback.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** SHA-256 hex of a text: one hash per document. */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/**
 * Canonical JSON: object keys sorted at every level, so a fingerprint does not depend on key
 * order. Non-JSON values (undefined, functions, symbols) are written as JSON.stringify would drop
 * or null them; bigint as its decimal text; cycles as "[Circular]".
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown): string => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'number':
        return Number.isFinite(v) ? String(v) : 'null';
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return v.toString();
      case 'object': {
        if (seen.has(v)) return '"[Circular]"';
        seen.add(v);
        let out: string;
        if (Array.isArray(v)) {
          out = `[${v.map((x) => (x === undefined || typeof x === 'function' ? 'null' : walk(x))).join(',')}]`;
        } else {
          const rec = v as Record<string, unknown>;
          const parts: string[] = [];
          for (const k of Object.keys(rec).sort()) {
            const x = rec[k];
            if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
            parts.push(`${JSON.stringify(k)}:${walk(x)}`);
          }
          out = `{${parts.join(',')}}`;
        }
        seen.delete(v);
        return out;
      }
      default:
        return 'null';
    }
  };
  return walk(value);
}

/**
 * Text of a raw value for `event.original`: a string as it is (it is the raw text received), any
 * other value as JSON; never throwing (falls back to canonical JSON, then String()).
 */
export function safeStringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const s = JSON.stringify(value);
    if (typeof s === 'string') return s;
  } catch {
    // bigint or a cycle: fall through.
  }
  try {
    return canonicalJson(value);
  } catch {
    // Too deep to recurse: a pruned copy still shows the record, never "[object Object]".
    try {
      return prunedJson(value);
    } catch {
      return String(value);
    }
  }
}

/** JSON text of any value (strings quoted), never throwing. */
export function jsonOf(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : safeStringify(value);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
