/**
 * API "personalities": the behaviours of `POST /v1/incidents` that the public facts leave open
 * (../shared/reference/symantec-api.md §7: which field the date filter uses, whether every lifecycle
 * record or only the latest version is returned, the sort order, a result cap, indexing delay). The
 * simulator can show each one, so the collector is tested under all of them (docs/api.md, "Personalities").
 */

/** Field of the record the window's start_date/end_date filter applies to. */
export type FilterField = 'time' | 'created';
/** Every lifecycle record of an incident, or only its latest visible version. */
export type VersionsMode = 'all' | 'latest';
/** Field the result list is sorted by. */
export type OrderField = 'time' | 'modified' | 'created';
export type OrderDirection = 'asc' | 'desc';
/** What an offset at or past the result cap answers: an empty last page, or 400. */
export type CapBeyond = 'empty' | 'error';

/** The documented default of the search behaviours (what the simulator did before personalities). */
export const DEFAULT_RESULT_CAP = 10_000;

export interface Personality {
  filterOn: FilterField;
  versions: VersionsMode;
  orderBy: OrderField;
  order: OrderDirection;
  /** `total` and reachable offsets are capped at this many results (undefined: no cap). */
  resultCap: number | undefined;
  resultCapBeyond: CapBeyond;
  /** A record becomes visible a seeded random 0..N minutes after its `time` (0: at its `time`). */
  lateIndexMinutes: number;
  /**
   * Probability that, after serving a search page, the simulator writes a new version of one incident of
   * that result list (half the time one already served, half one not yet reached): records move while a
   * scan is in progress.
   */
  scanUpdateRate: number;
  /** New versions of random open incidents the soak writes between two runs (`sim.updateIncidents`). */
  betweenRunUpdates: number;
  /**
   * Simulated time passing per real millisecond during a run (0: the clock stands still between the
   * harness's steps, the fake clock; 1: the real clock; >1: real time, accelerated).
   */
  clockRate: number;
}

export const DEFAULT_PERSONALITY: Personality = {
  filterOn: 'time',
  versions: 'all',
  orderBy: 'time',
  order: 'asc',
  resultCap: undefined,
  resultCapBeyond: 'empty',
  lateIndexMinutes: 0,
  scanUpdateRate: 0,
  betweenRunUpdates: 0,
  clockRate: 0,
};

/**
 * Resolve a partial personality. Compatibility: a creation-time filter without an explicit `versions`
 * returns the latest version per incident, as the simulator's `filterOn: 'created'` always did.
 */
export function resolvePersonality(p: Partial<Personality> = {}): Personality {
  const versions = p.versions ?? (p.filterOn === 'created' ? 'latest' : 'all');
  const resolved: Personality = { ...DEFAULT_PERSONALITY, ...stripUndefined(p), versions };
  validate(resolved);
  return resolved;
}

function validate(p: Personality): void {
  const bad = (field: string, why: string) => {
    throw new Error(`personality ${field}: ${why}`);
  };
  if (!['time', 'created'].includes(p.filterOn)) bad('filterOn', 'use time or created');
  if (!['all', 'latest'].includes(p.versions)) bad('versions', 'use all or latest');
  if (!['time', 'modified', 'created'].includes(p.orderBy)) bad('orderBy', 'use time, modified or created');
  if (!['asc', 'desc'].includes(p.order)) bad('order', 'use asc or desc');
  if (p.resultCap !== undefined && (!Number.isInteger(p.resultCap) || p.resultCap < 1))
    bad('resultCap', 'must be a positive integer');
  if (!['empty', 'error'].includes(p.resultCapBeyond)) bad('resultCapBeyond', 'use empty or error');
  if (!(p.lateIndexMinutes >= 0)) bad('lateIndexMinutes', 'must be >= 0');
  if (!(p.scanUpdateRate >= 0 && p.scanUpdateRate <= 1)) bad('scanUpdateRate', 'must be in [0, 1]');
  if (!Number.isInteger(p.betweenRunUpdates) || p.betweenRunUpdates < 0)
    bad('betweenRunUpdates', 'must be a non-negative integer');
  if (!(p.clockRate >= 0)) bad('clockRate', 'must be >= 0');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A personality in words: `filter=created,versions=latest,order=modified-desc,cap=60,late=5,scan-updates=0.3,between=4,clock=1`.
 * Every key is optional; the rest keep their defaults. Also accepts a preset name (PERSONALITY_PRESETS).
 */
export function parsePersonality(spec: string): Personality {
  const preset = PERSONALITY_PRESETS[spec.trim()];
  if (preset) return resolvePersonality(preset);
  const p: Partial<Personality> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key = '', value = ''] = part.split('=', 2).map((s) => s.trim());
    const num = () => {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n))
        throw new Error(`personality ${key}=${value}: expected a number`);
      return n;
    };
    switch (key) {
      case 'filter':
        p.filterOn = value as FilterField;
        break;
      case 'versions':
        p.versions = value as VersionsMode;
        break;
      case 'order': {
        const [field, direction = 'asc'] = value.split('-');
        p.orderBy = field as OrderField;
        p.order = direction as OrderDirection;
        break;
      }
      case 'cap':
        p.resultCap = value === 'none' ? undefined : num();
        break;
      case 'cap-beyond':
        p.resultCapBeyond = value as CapBeyond;
        break;
      case 'late':
        p.lateIndexMinutes = num();
        break;
      case 'scan-updates':
        p.scanUpdateRate = num();
        break;
      case 'between':
        p.betweenRunUpdates = num();
        break;
      case 'clock':
        p.clockRate = num();
        break;
      default:
        throw new Error(
          `unknown personality ${JSON.stringify(spec)}: use a preset (${Object.keys(PERSONALITY_PRESETS).join(', ')}) or key=value pairs: filter=time|created, versions=all|latest, order=<time|modified|created>-<asc|desc>, cap=<n>|none, cap-beyond=empty|error, late=<minutes>, scan-updates=<0..1>, between=<n>, clock=<rate>`,
        );
    }
  }
  return resolvePersonality(p);
}

/** The personality in the `parsePersonality` form (stable: a name for soak lines and test titles). */
export function describePersonality(p: Personality): string {
  const parts = [`filter=${p.filterOn}`, `versions=${p.versions}`, `order=${p.orderBy}-${p.order}`];
  if (p.resultCap !== undefined) parts.push(`cap=${p.resultCap}`);
  if (p.resultCapBeyond !== 'empty') parts.push(`cap-beyond=${p.resultCapBeyond}`);
  if (p.lateIndexMinutes) parts.push(`late=${p.lateIndexMinutes}`);
  if (p.scanUpdateRate) parts.push(`scan-updates=${p.scanUpdateRate}`);
  if (p.betweenRunUpdates) parts.push(`between=${p.betweenRunUpdates}`);
  if (p.clockRate) parts.push(`clock=${p.clockRate}`);
  return parts.join(',');
}

/** Named personalities (the matrix below uses them as building blocks). */
export const PERSONALITY_PRESETS: Record<string, Partial<Personality>> = {
  default: {},
  'created-latest': { filterOn: 'created', versions: 'latest' },
  'time-latest': { filterOn: 'time', versions: 'latest' },
  'desc-time': { order: 'desc' },
  'modified-desc-latest': { versions: 'latest', orderBy: 'modified', order: 'desc' },
  capped: { resultCap: DEFAULT_RESULT_CAP },
  'late-index': { lateIndexMinutes: 5 },
  'moving-records': { versions: 'latest', scanUpdateRate: 0.3, betweenRunUpdates: 3 },
  'real-clock': { clockRate: 1 },
};

export interface MatrixOptions {
  /** Result cap of the capped entries (default 10,000; tests use a small one). */
  resultCap?: number;
  /** Late indexing of the late entries, in minutes (default 5). */
  lateIndexMinutes?: number;
  /** Accelerated real clock of the moving-clock entries (default 1: real time). */
  clockRate?: number;
}

/**
 * The combinations that matter: every filter field × versions mode × sort field × direction (24), each
 * with records moving during scans and between runs (what breaks offset paging), plus the cap, late
 * indexing and a moving real clock, each on the plain and on the hardest ordering.
 */
export function personalityMatrix(options: MatrixOptions = {}): Personality[] {
  const cap = options.resultCap ?? DEFAULT_RESULT_CAP;
  const late = options.lateIndexMinutes ?? 5;
  const rate = options.clockRate ?? 1;
  const out: Personality[] = [];
  for (const filterOn of ['time', 'created'] as const)
    for (const versions of ['all', 'latest'] as const)
      for (const orderBy of ['time', 'modified', 'created'] as const)
        for (const order of ['asc', 'desc'] as const)
          out.push(
            resolvePersonality({
              filterOn,
              versions,
              orderBy,
              order,
              scanUpdateRate: 0.3,
              betweenRunUpdates: 3,
            }),
          );
  const hardest: Partial<Personality> = {
    filterOn: 'created',
    versions: 'latest',
    orderBy: 'modified',
    order: 'desc',
    scanUpdateRate: 0.3,
    betweenRunUpdates: 3,
  };
  for (const base of [{}, hardest]) {
    out.push(resolvePersonality({ ...base, resultCap: cap }));
    out.push(resolvePersonality({ ...base, resultCap: cap, resultCapBeyond: 'error' }));
    out.push(resolvePersonality({ ...base, lateIndexMinutes: late }));
    out.push(resolvePersonality({ ...base, clockRate: rate }));
  }
  return out;
}
