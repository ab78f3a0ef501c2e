import * as z from 'zod/mini';
import type { InvalidItem, RawIncident } from '../ports/incident-source.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** True for an ISO 8601 date-time string that Date.parse understands. */
const isIsoDateTime = (s: string): boolean => ISO_DATE.test(s) && !Number.isNaN(Date.parse(s));

/** An ISO 8601 date-time string that Date.parse understands. */
const isoDateString = z.string().check(z.refine(isIsoDateTime, 'expected an ISO 8601 date-time string'));

/**
 * One incident record. Only the fields the connector relies on are checked; everything else is kept
 * as received (looseObject) so the normalizer and `event.original` see the record unchanged.
 */
export const incidentSchema = z.looseObject({
  incident_uid: z.string().check(z.minLength(1)),
  time: z.optional(z.union([z.number().check(z.int(), z.nonnegative()), isoDateString])),
  modified: z.optional(isoDateString),
  created: z.optional(isoDateString),
  type_id: z.optional(z.number()),
  events: z.optional(z.array(z.unknown())),
});

const optionalIsoDate = (v: unknown): boolean =>
  v === undefined || (typeof v === 'string' && isIsoDateTime(v));

/**
 * True only for a record `incidentSchema` accepts (the same checks, written out): the page loop runs
 * it on every item and asks zod only about the rest, so a valid item costs no zod parse (it was about
 * 4 % of the collector's CPU) and an invalid one still gets zod's issues, hence the same reasons.
 * Never true where zod would refuse (test/unit/symantec/schemas.test.ts checks it on generated records).
 */
export function plainlyValidIncident(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const r = raw as Record<string, unknown>;
  const uid = r['incident_uid'];
  if (typeof uid !== 'string' || uid.length < 1) return false;
  const time = r['time'];
  if (time !== undefined) {
    if (typeof time === 'number') {
      if (!Number.isSafeInteger(time) || time < 0) return false;
    } else if (typeof time !== 'string' || !isIsoDateTime(time)) return false;
  }
  if (!optionalIsoDate(r['modified']) || !optionalIsoDate(r['created'])) return false;
  const typeId = r['type_id'];
  if (typeId !== undefined && (typeof typeId !== 'number' || !Number.isFinite(typeId))) return false;
  const events = r['events'];
  return events === undefined || Array.isArray(events);
}

/** `next` as an integer offset; tolerates a numeric string, and null meaning "no more". */
const offsetSchema = z.union([
  z.number().check(z.int(), z.nonnegative()),
  z.pipe(
    z.string().check(z.regex(/^\d+$/)),
    z.transform((s) => Number(s)),
  ),
]);

/** The envelope of `POST /v1/incidents`: `{total, next, incidents[]}`. Items are validated one by one. */
export const incidentsResponseSchema = z.looseObject({
  total: z.optional(offsetSchema),
  next: z.optional(z.nullable(offsetSchema)),
  incidents: z.optional(z.nullable(z.array(z.unknown()))),
});

export type IncidentsResponse = z.infer<typeof incidentsResponseSchema>;

const UNION_EXPECTED: Record<string, string> = {
  time: 'epoch milliseconds (integer) or ISO 8601 string',
  next: 'non-negative integer offset',
  total: 'non-negative integer',
};

function typeName(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * Format zod issues as `field: expected X, received Y` so a quarantined item says what was wrong.
 * zod/mini ships no messages, so the text is built here from the issue and the raw input.
 */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[], input?: unknown): string {
  return issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.map(String).join('.') : '(record)';
      const got = at(input, issue.path);
      let text: string;
      if (issue.code === 'invalid_type') {
        text =
          got === undefined
            ? `required ${issue.expected} is missing`
            : `expected ${issue.expected}, received ${typeName(got)}`;
      } else if (issue.code === 'invalid_union') {
        const expected = UNION_EXPECTED[String(issue.path.at(-1))] ?? 'another type';
        text = `expected ${expected}, received ${typeName(got)} ${JSON.stringify(got)?.slice(0, 60)}`;
      } else if (issue.code === 'custom' || issue.code === 'invalid_format') {
        text = `${issue.message && issue.message !== 'Invalid input' ? issue.message : 'invalid value'}, received ${JSON.stringify(got)?.slice(0, 60)}`;
      } else if (issue.code === 'too_small' || issue.code === 'too_big') {
        text = `${issue.code.replace('_', ' ')} (${JSON.stringify(got)?.slice(0, 60)})`;
      } else {
        text = issue.message || issue.code;
      }
      return `${path}: ${text}`;
    })
    .join('; ');
}

/** True when a string (key or value) anywhere in `value` holds U+FFFD (iterative: any depth). */
export function holdsReplacementChar(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\uFFFD')) return true;
    } else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        if (k.includes('\uFFFD')) return true;
        stack.push(c);
      }
    }
  }
  return false;
}

/**
 * Split a page's items into valid incidents and invalid items (index, reason, raw). When the body was
 * not valid UTF-8 (`invalidUtf8`), items that carry a replacement character are invalid: delivering
 * them would alter the text silently.
 */
export function validateIncidents(
  items: readonly unknown[],
  options: { invalidUtf8?: boolean } = {},
): {
  valid: RawIncident[];
  invalid: InvalidItem[];
} {
  const valid: RawIncident[] = [];
  const invalid: InvalidItem[] = [];
  items.forEach((raw, index) => {
    if (options.invalidUtf8 && holdsReplacementChar(raw)) {
      invalid.push({
        index,
        reason: 'the response held bytes that are not valid UTF-8 in this item (shown as U+FFFD)',
        raw,
      });
      return;
    }
    if (plainlyValidIncident(raw)) {
      valid.push(raw as RawIncident);
      return;
    }
    const result = incidentSchema.safeParse(raw);
    if (result.success) {
      // Keep the item exactly as received (parse output equals it, but this avoids any coercion).
      valid.push(raw as RawIncident);
    } else {
      invalid.push({ index, reason: describeZodIssues(result.error.issues, raw), raw });
    }
  });
  return { valid, invalid };
}
