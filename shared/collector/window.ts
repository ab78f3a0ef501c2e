import type { CheckpointState, WindowCursor } from '../ports/checkpoint-store.ts';

/** The timing settings that shape windows (a subset of Settings). */
export interface WindowSettings {
  initialLookbackMinutes: number;
  overlapSeconds: number;
  settleSeconds: number;
  maxWindowMinutes: number;
  historyDays: number;
  historyMarginMinutes: number;
}

/** A lost interval: data the API no longer keeps and that was never collected. */
export interface HistoryGap {
  from: string;
  to: string;
  seconds: number;
}

export interface PlannedWindow {
  cursor: WindowCursor;
  /** The window ends at now − settle (or the backfill end): once it is delivered, the run is caught up. */
  reachesEnd: boolean;
  /** Set when the planned start had to be clamped to the API's history limit. */
  gap?: HistoryGap;
  /** Set when only the first run's lookback was clamped (nothing had been collected yet). */
  lookbackClamped?: boolean;
  /**
   * Set when a partly delivered window was restarted at the horizon because the API no longer serves its
   * start: records in [from, to) beyond those delivered (`offset`) may be missing.
   */
  restarted?: { from: string; to: string; offset: number };
}

const MIN = 60_000;

/**
 * A saved cursor stays usable while its start is at least this far inside the API's own limit (now −
 * history). Planning uses the wider history margin, so a window planned at the horizon keeps its cursor
 * for about (margin − this) of real time: a run or two.
 */
export const CURSOR_SAFETY_MS = 60_000;
/**
 * Longest window planned while its start is within an hour of the history limit: it must be delivered
 * before the limit reaches its start, so it is kept short (and halved each time it still did not finish).
 */
export const CLAMPED_WINDOW_MINUTES = 60;
const CLAMPED_LEAD_MS = 60 * MIN;

/** Earliest instant the API still serves (now − history + margin). */
export function historyHorizon(now: number, s: WindowSettings): number {
  return now - s.historyDays * 24 * 60 * MIN + s.historyMarginMinutes * MIN;
}

/** The API's own limit (now − history) plus a small safety: a saved cursor older than this is void. */
export function cursorLimit(now: number, s: WindowSettings): number {
  return now - s.historyDays * 24 * 60 * MIN + Math.min(CURSOR_SAFETY_MS, s.historyMarginMinutes * MIN);
}

/**
 * Next window to collect, or undefined when caught up. Resumes an interrupted window at its offset while
 * the API still serves its start; otherwise starts at the watermark minus the overlap (first run: now −
 * lookback) and ends at min(now − settle, watermark + maxWindow, until). A window starting near the
 * history limit is at most CLAMPED_WINDOW_MINUTES long, so it finishes before the limit reaches its
 * start. Time the API no longer serves and that was never delivered is reported as a gap.
 */
export function planWindow(
  state: CheckpointState,
  now: number,
  s: WindowSettings,
  until?: number,
): PlannedWindow | undefined {
  const horizon = historyHorizon(now, s);
  const endLimit = Math.min(now - s.settleSeconds * 1000, until ?? Number.POSITIVE_INFINITY);
  /** End of a window starting at `start`: short while near the limit. */
  const capEnd = (start: number, end: number, span = CLAMPED_WINDOW_MINUTES * MIN) =>
    start - horizon < CLAMPED_LEAD_MS ? Math.min(end, start + span) : end;

  if (state.cursor) {
    const start = Date.parse(state.cursor.start);
    const end = Date.parse(state.cursor.end);
    if (start >= cursorLimit(now, s)) return { cursor: { ...state.cursor }, reachesEnd: end >= endLimit };
    // The API no longer serves the window's start, so its offsets mean nothing: restart at the horizon,
    // at most half as long as the window that did not finish in time, so a restart converges.
    const span = Math.max(MIN, Math.floor((end - start) / 2));
    const target = Math.min(endLimit, end > horizon ? end : horizon + CLAMPED_WINDOW_MINUTES * MIN);
    const newEnd = Math.max(capEnd(horizon, target, span), horizon + 1000);
    const planned: PlannedWindow = {
      cursor: { start: iso(horizon), end: iso(newEnd), offset: 0 },
      reachesEnd: newEnd >= endLimit,
    };
    // Only a window of which nothing was delivered has certainly lost [start, horizon).
    if (state.cursor.offset === 0) planned.gap = gap(start, horizon);
    else planned.restarted = { from: iso(start), to: iso(horizon), offset: state.cursor.offset };
    return planned;
  }

  const watermark = state.watermark ? Date.parse(state.watermark) : undefined;
  if (watermark !== undefined && watermark >= endLimit) return undefined;

  let start =
    watermark !== undefined ? watermark - s.overlapSeconds * 1000 : now - s.initialLookbackMinutes * MIN;
  const progressFrom = watermark ?? start;
  let end = Math.min(endLimit, progressFrom + s.maxWindowMinutes * MIN);
  let result: PlannedWindow | undefined;
  if (start < horizon) {
    if (watermark !== undefined && watermark < horizon) {
      result = { cursor: { start: '', end: '', offset: 0 }, gap: gap(watermark, horizon), reachesEnd: false };
      end = Math.min(endLimit, horizon + s.maxWindowMinutes * MIN);
    } else if (watermark === undefined) {
      result = { cursor: { start: '', end: '', offset: 0 }, lookbackClamped: true, reachesEnd: false };
      end = Math.min(endLimit, horizon + s.maxWindowMinutes * MIN);
    }
    start = horizon;
  }
  end = capEnd(start, end);
  if (end <= start) return undefined;
  const cursor = { start: iso(start), end: iso(end), offset: 0 };
  return { ...(result ?? {}), cursor, reachesEnd: end >= endLimit };
}

function gap(from: number, to: number): HistoryGap {
  return { from: iso(from), to: iso(to), seconds: Math.max(0, Math.round((to - from) / 1000)) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
