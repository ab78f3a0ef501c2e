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
}

const MIN = 60_000;

/** Earliest instant the API still serves (now − history + margin). */
export function historyHorizon(now: number, s: WindowSettings): number {
  return now - s.historyDays * 24 * 60 * MIN + s.historyMarginMinutes * MIN;
}

/**
 * Next window to collect, or undefined when caught up. Resumes an interrupted window at its offset;
 * otherwise starts at the watermark minus the overlap (first run: now − lookback) and ends at
 * min(now − settle, watermark + maxWindow, until). Windows reaching past the history limit are clamped and
 * the uncollected part reported as a gap.
 */
export function planWindow(
  state: CheckpointState,
  now: number,
  s: WindowSettings,
  until?: number,
): PlannedWindow | undefined {
  const horizon = historyHorizon(now, s);
  const endLimit = Math.min(now - s.settleSeconds * 1000, until ?? Number.POSITIVE_INFINITY);

  if (state.cursor) {
    const start = Date.parse(state.cursor.start);
    const end = Date.parse(state.cursor.end);
    if (start >= horizon) return { cursor: { ...state.cursor }, reachesEnd: end >= endLimit };
    // The interrupted window's offsets mean nothing once its start moves: restart it at the horizon.
    const newEnd = end > horizon ? end : Math.min(endLimit, horizon + s.maxWindowMinutes * MIN);
    return {
      cursor: { start: iso(horizon), end: iso(Math.max(newEnd, horizon + 1000)), offset: 0 },
      gap: gap(start, horizon),
      reachesEnd: newEnd >= endLimit,
    };
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
