/**
 * The normalizer: one raw API incident in, its documents out (incident first, then one document
 * per embedded event, or quarantine documents for what cannot be normalized). Pure, synchronous,
 * never throws; the collector calls it per incident in a hot loop.
 */
import type { OutputDocument, SeenDocuments } from '../ports/document.ts';
import { isPlainObject, jsonOf, safeStringify, toKeyword, toTimestamp } from './convert.ts';
import { buildEvent, type IncidentLink, SKIPPED, skipSeenEvent } from './event.ts';
import { buildIncident, type Related } from './incident.ts';
import { MAX_RECORD_DEPTH, nestsDeeperThan, prunedJson, type Walk } from './input.ts';
import { type NormalizeOptions, type RunContext, runContext } from './options.ts';
import { buildQuarantine, type QuarantineContext, quarantineDocument } from './quarantine.ts';
import { fastPaths } from './shapes.ts';

export { eventDocId } from './event.ts';
export { incidentDocId } from './incident.ts';
export type { NormalizeOptions } from './options.ts';
export type { QuarantineContext, QuarantineErrorType } from './quarantine.ts';
export { quarantineDocument };

/**
 * Normalize one raw incident. `raw` is the parsed API object, or its JSON text (then the text
 * itself becomes `event.original`, byte for byte). Returns the incident document first, then the
 * event documents (or quarantine documents for events that cannot be normalized); an incident
 * that cannot be normalized gives a single quarantine document. Never throws. With `seen`, an
 * event document found there is not built (the caller's de-duplication would drop it) and reported
 * to `seen.skipped`; everything else is the same, the incident's `related` fields included.
 */
export function normalizeIncident(
  raw: unknown,
  options: NormalizeOptions,
  seen?: SeenDocuments,
): OutputDocument[] {
  const ctx = runContext(options);
  try {
    return normalize(raw, ctx, seen);
  } catch (error) {
    // Defensive: a bug must cost one record, not the page.
    const why = error instanceof Error ? error.message : String(error);
    return [
      buildQuarantine(raw, `normalizer failed: ${why}`, ctx, {
        errorType: 'invalid_field',
        source: 'incident',
      }),
    ];
  }
}

function eventContext(
  errorType: QuarantineContext['errorType'],
  incidentUid: string,
  eventIndex: number,
): QuarantineContext {
  return { errorType, source: 'event', incidentUid, eventIndex };
}

function normalize(raw: unknown, ctx: RunContext, seen: SeenDocuments | undefined): OutputDocument[] {
  let rec: unknown = raw;
  let text: string | undefined;
  if (typeof raw === 'string') {
    text = raw;
    try {
      rec = JSON.parse(raw);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return [buildQuarantine(raw, `input is not valid JSON: ${why}`, ctx, { errorType: 'invalid_json' })];
    }
  }
  if (!isPlainObject(rec)) {
    const got = rec === null ? 'null' : Array.isArray(rec) ? 'an array' : `a ${typeof rec}`;
    return [
      buildQuarantine(
        rec,
        `expected an incident object, got ${got}`,
        ctx,
        { errorType: 'not_an_object' },
        text,
      ),
    ];
  }

  const walk: Walk = { shallow: true };
  let docs: OutputDocument[];
  try {
    docs = normalizeRecord(rec, text, ctx, walk, seen);
  } catch (error) {
    // Code that recurses (canonical JSON of an event id) can overflow the stack on a deep value.
    if (nestsDeeperThan(rec)) return [deepQuarantine(rec, text, ctx)];
    throw error;
  }
  // The depth guard, after the work when the copies proved the record shallow (`Walk`).
  const proven = walk.shallow && fastPaths.on;
  return proven || !nestsDeeperThan(rec) ? docs : [deepQuarantine(rec, text, ctx)];
}

/** A record nesting deeper than MAX_RECORD_DEPTH: one quarantine document, nothing normalized. */
function deepQuarantine(
  rec: Record<string, unknown>,
  text: string | undefined,
  ctx: RunContext,
): OutputDocument {
  // Keep what identifies the record: its uid (top level) and its text (received, or pruned JSON).
  const original = text ?? prunedJson(rec);
  const uid = typeof rec['incident_uid'] === 'string' ? rec['incident_uid'] : undefined;
  return buildQuarantine(
    original,
    `record nests objects/arrays deeper than ${MAX_RECORD_DEPTH} levels; not normalized`,
    ctx,
    { errorType: 'invalid_field', source: 'incident', ...(uid ? { incidentUid: uid } : {}) },
    original,
  );
}

/** The record cannot be normalized: one quarantine document (the deep-record one if it is deep). */
function recordQuarantine(
  rec: Record<string, unknown>,
  text: string | undefined,
  ctx: RunContext,
  reason: string,
  errorType: QuarantineContext['errorType'],
): OutputDocument[] {
  if (nestsDeeperThan(rec)) return [deepQuarantine(rec, text, ctx)];
  return [buildQuarantine(rec, reason, ctx, { errorType, source: 'incident' }, text)];
}

/**
 * The documents of one incident object. A record nesting deeper than MAX_RECORD_DEPTH must give
 * the deep-record quarantine instead (whatever else is wrong with it); walking every record for
 * that costs as much as copying it, so the walk is skipped when the copies prove the record
 * shallow: a copy that keeps nothing in `unmapped` only accepted leaves (primitives or arrays of
 * them) and catalogued objects a few levels deep. Anything else clears `walk.shallow`, and the
 * caller then walks the record.
 */
function normalizeRecord(
  rec: Record<string, unknown>,
  text: string | undefined,
  ctx: RunContext,
  walk: Walk,
  seen: SeenDocuments | undefined,
): OutputDocument[] {
  const rawUid = rec['incident_uid'];
  if (rawUid === undefined || rawUid === null || rawUid === '') {
    return recordQuarantine(rec, text, ctx, 'incident_uid is missing', 'missing_field');
  }
  const incidentUid = toKeyword(rawUid);
  if (incidentUid === undefined)
    return recordQuarantine(rec, text, ctx, 'incident_uid is not a string', 'invalid_field');
  const rawTime = rec['time'];
  if (rawTime === undefined || rawTime === null || rawTime === '')
    return recordQuarantine(rec, text, ctx, 'time is missing', 'missing_field');
  const timeIso = toTimestamp(rawTime);
  if (timeIso === undefined) {
    return recordQuarantine(
      rec,
      text,
      ctx,
      `time is not a valid date (epoch milliseconds or ISO 8601): ${safeStringify(rawTime).slice(0, 60)}`,
      'invalid_field',
    );
  }

  const events = rec['events'];
  const out: OutputDocument[] = [];
  const extra: OutputDocument[] = [];
  let related: Related | undefined;
  let eventCount: number | undefined;
  if (Array.isArray(events)) {
    eventCount = events.length;
    if (events.length > 0) {
      related = { hosts: [], ip: [], user: [], hash: [] };
      const link: IncidentLink = {
        incidentUid,
        ruleName: toKeyword(rec['rule_name']),
        conclusion: toKeyword(rec['conclusion']),
        severityId: undefined,
      };
      const sev = rec['severity_id'];
      if (typeof sev === 'number' && Number.isSafeInteger(sev)) link.severityId = sev;
      else if (typeof sev === 'string' && sev.trim() !== '' && Number.isSafeInteger(Number(sev))) {
        link.severityId = Number(sev);
      }
      for (let i = 0; i < events.length; i++) {
        const item = events[i];
        if (!isPlainObject(item)) {
          walk.shallow = false;
          const got = item === null ? 'null' : Array.isArray(item) ? 'an array' : `a ${typeof item}`;
          extra.push(
            buildQuarantine(
              item,
              `events[${i}] is not an object (got ${got})`,
              ctx,
              eventContext('not_an_object', incidentUid, i),
              jsonOf(item),
            ),
          );
          continue;
        }
        const id = seen ? skipSeenEvent(item, incidentUid, related, seen) : undefined;
        if (id === SKIPPED) continue;
        const r = buildEvent(item, i, link, ctx, related, walk, id);
        if (r.ok) extra.push({ id: r.id, dataset: 'event', timestamp: r.timestamp, doc: r.doc });
        else extra.push(buildQuarantine(item, r.reason, ctx, eventContext(r.errorType, incidentUid, i)));
      }
    }
  } else if (events !== undefined && events !== null) {
    walk.shallow = false;
    extra.push(
      buildQuarantine(
        events,
        'events is not an array',
        ctx,
        { errorType: 'invalid_field', source: 'event', incidentUid },
        jsonOf(events),
      ),
    );
  }

  const original = ctx.keepOriginal ? (text ?? jsonOf(rec)) : undefined;
  const inc = buildIncident(rec, incidentUid, timeIso, ctx, original, eventCount, related, walk);
  out.push({ id: inc.id, dataset: 'incident', timestamp: inc.timestamp, doc: inc.doc });
  for (const d of extra) out.push(d);
  return out;
}

export {
  normalizeTelemetry,
  normalizeTelemetryLine,
  TELEMETRY_DATASET,
  type TelemetryNormalizeOptions,
  telemetryDocId,
} from './telemetry/index.ts';
