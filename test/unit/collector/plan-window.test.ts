import { describe, expect, it } from 'vitest';
import {
  CLAMPED_WINDOW_MINUTES,
  type PlannedWindow,
  planWindow,
  type WindowSettings,
} from '../../../shared/collector/window.ts';
import type { CheckpointState } from '../../../shared/ports/checkpoint-store.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The defaults: 24 h first lookback, 5 min overlap, 60 s settle, 24 h windows, 30-day history, 10 min margin. */
const S: WindowSettings = {
  initialLookbackMinutes: 24 * 60,
  overlapSeconds: 300,
  settleSeconds: 60,
  maxWindowMinutes: 24 * 60,
  historyDays: 30,
  historyMarginMinutes: 10,
};
const SETTLED = NOW - 60_000;
/** Earliest instant planned (now − 30 d + margin). */
const HORIZON = NOW - 30 * DAY + 10 * MIN;

interface Row {
  name: string;
  state: CheckpointState;
  settings?: Partial<WindowSettings>;
  until?: number;
  expected: Partial<PlannedWindow> | undefined;
}

const rows: Row[] = [
  {
    name: 'first run: now − lookback → now − settle, which catches up',
    state: {},
    expected: { cursor: { start: iso(NOW - DAY), end: iso(SETTLED), offset: 0 }, reachesEnd: true },
  },
  {
    name: 'first run with a lookback longer than a window: one window of maxWindowMinutes',
    state: {},
    settings: { initialLookbackMinutes: 3 * 24 * 60 },
    expected: {
      cursor: { start: iso(NOW - 3 * DAY), end: iso(NOW - 2 * DAY), offset: 0 },
      reachesEnd: false,
    },
  },
  {
    name: 'first run whose lookback is beyond the history: clamped to the horizon and short',
    state: {},
    settings: { initialLookbackMinutes: 30 * 24 * 60 },
    expected: {
      cursor: { start: iso(HORIZON), end: iso(HORIZON + CLAMPED_WINDOW_MINUTES * MIN), offset: 0 },
      reachesEnd: false,
      lookbackClamped: true,
    },
  },
  {
    name: 'next run: watermark − overlap → now − settle',
    state: { watermark: iso(NOW - 6 * MIN) },
    expected: { cursor: { start: iso(NOW - 11 * MIN), end: iso(SETTLED), offset: 0 }, reachesEnd: true },
  },
  {
    name: 'a backlog: one window of maxWindowMinutes from the watermark',
    state: { watermark: iso(NOW - 5 * DAY) },
    expected: {
      cursor: { start: iso(NOW - 5 * DAY - 5 * MIN), end: iso(NOW - 4 * DAY), offset: 0 },
      reachesEnd: false,
    },
  },
  { name: 'caught up: nothing to plan', state: { watermark: iso(SETTLED) }, expected: undefined },
  {
    name: 'an interrupted window resumes at its offset, unchanged',
    state: { cursor: { start: iso(NOW - 2 * HOUR), end: iso(NOW - HOUR), offset: 400, lastUid: 'u-399' } },
    expected: {
      cursor: { start: iso(NOW - 2 * HOUR), end: iso(NOW - HOUR), offset: 400, lastUid: 'u-399' },
      reachesEnd: false,
    },
  },
  {
    name: 'a window whose start the API no longer serves, nothing delivered: restarts at the horizon, gap reported',
    state: { cursor: { start: iso(NOW - 30 * DAY), end: iso(NOW - 29 * DAY), offset: 0 } },
    expected: {
      cursor: { start: iso(HORIZON), end: iso(HORIZON + 12 * HOUR), offset: 0 },
      reachesEnd: false,
      gap: { from: iso(NOW - 30 * DAY), to: iso(HORIZON), seconds: 600 },
    },
  },
  {
    name: 'the same window partly delivered: restarted without a gap (what was delivered is not lost)',
    state: { cursor: { start: iso(NOW - 30 * DAY), end: iso(NOW - 29 * DAY), offset: 120 } },
    expected: {
      cursor: { start: iso(HORIZON), end: iso(HORIZON + 12 * HOUR), offset: 0 },
      reachesEnd: false,
      restarted: { from: iso(NOW - 30 * DAY), to: iso(HORIZON), offset: 120 },
    },
  },
  {
    name: 'a watermark older than the history: the gap up to the horizon, then a short window',
    state: { watermark: iso(NOW - 40 * DAY) },
    expected: {
      cursor: { start: iso(HORIZON), end: iso(HORIZON + CLAMPED_WINDOW_MINUTES * MIN), offset: 0 },
      reachesEnd: false,
      gap: { from: iso(NOW - 40 * DAY), to: iso(HORIZON), seconds: 10 * 86_400 + 600 },
    },
  },
  {
    name: 'backfill: the window ends at `until`, with no settle',
    state: { watermark: iso(NOW - 10 * DAY) },
    settings: { overlapSeconds: 1, settleSeconds: 0 },
    until: NOW - 9.5 * DAY,
    expected: {
      cursor: { start: iso(NOW - 10 * DAY - 1000), end: iso(NOW - 9.5 * DAY), offset: 0 },
      reachesEnd: true,
    },
  },
  {
    name: 'backfill done: the watermark reached `until`',
    state: { watermark: iso(NOW - 9 * DAY) },
    settings: { overlapSeconds: 1, settleSeconds: 0 },
    until: NOW - 9 * DAY,
    expected: undefined,
  },
];

describe('planWindow', () => {
  it.each(rows)('$name', ({ state, settings, until, expected }) => {
    const plan = planWindow(state, NOW, { ...S, ...settings }, until);
    if (expected === undefined) {
      expect(plan).toBeUndefined();
      return;
    }
    // Fields not named in the row must be absent (no gap, no restart, no clamp note).
    expect(plan).toEqual(expected);
  });
});
