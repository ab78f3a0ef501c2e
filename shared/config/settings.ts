import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini ships without messages; the English pack (~5 KB) makes every validation error say what was
// expected ("Too big: expected number to be <=2000") instead of "Invalid input".
z.config(en());

/**
 * The single source of truth for every collector setting: name, type, default, doc, and its names in
 * the environment (Lambda, CLI) and as a CloudFormation stack parameter. The CLI flags, the Lambda
 * environment, the stack parameters and docs/configuration.md are derived from or checked against it.
 * Secrets are deliberately absent: they come from Secrets Manager (Lambda) or env/file (CLI) only.
 */
export interface SettingSpec {
  /** Environment variable read by the Lambda handler and the CLI. */
  env: string;
  /** CloudFormation parameter name, when the stack exposes it. */
  parameter?: string;
  /** CLI flag (without the leading dashes), when the CLI exposes it. */
  flag?: string;
  doc: string;
}

export const API_REGIONS = {
  us: 'https://api.sep.securitycloud.symantec.com',
  eu: 'https://api.sep.eu.securitycloud.symantec.com',
  in: 'https://api.sep.in.securitycloud.symantec.com',
} as const;
export type ApiRegion = keyof typeof API_REGIONS;

const int = (min: number, max: number) => z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));
const bool = () => z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });

/** zod schema of the settings (values as they come from env strings or typed objects). */
/** Highest `heapGrowingPercent` (V8's old generation may grow to 11 times what a full GC kept). */
export const HEAP_GROWING_PERCENT_MAX = 1000;

export const settingsSchema = z.object({
  apiRegion: z._default(z.enum(['us', 'eu', 'in']), 'us'),
  apiUrl: z.optional(z.string().check(z.minLength(1))),
  tenant: z._default(
    z.string().check(
      z.regex(/^[A-Za-z0-9._-]{1,64}$/),
      z.refine((t) => !['__proto__', 'constructor', 'prototype'].includes(t), {
        message: 'reserved name (__proto__, constructor, prototype): choose another tenant name',
      }),
    ),
    'default',
  ),
  pageSize: z._default(int(1, 2000), 1000),
  includeEvents: z._default(z.union([z.boolean(), bool()]), true),
  keepOriginal: z._default(z.union([z.boolean(), bool()]), false),
  preserveDuplicateCustomFields: z._default(z.union([z.boolean(), bool()]), false),
  initialLookbackMinutes: z._default(int(1, 30 * 24 * 60), 24 * 60),
  overlapSeconds: z._default(int(0, 24 * 3600), 300),
  settleSeconds: z._default(int(0, 3600), 60),
  maxWindowMinutes: z._default(int(1, 30 * 24 * 60), 24 * 60),
  historyDays: z._default(int(1, 30), 30),
  historyMarginMinutes: z._default(int(0, 24 * 60), 10),
  openSweepMinutes: z._default(int(0, 7 * 24 * 60), 60),
  deadlineMarginSeconds: z._default(int(1, 600), 30),
  leaseSeconds: z._default(int(2, 900), 90),
  pageOverlap: z._default(int(0, 100), 3),
  resultCap: z._default(int(2, 1_000_000), 10_000),
  requestTimeoutMs: z._default(int(1000, 300_000), 30_000),
  maxAttempts: z._default(int(1, 20), 6),
  namespace: z._default(z.string().check(z.regex(/^[a-z0-9_]{1,100}$/)), 'default'),
  logLevel: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
  eventStreamId: z.optional(z.string().check(z.regex(/^$|^[A-Za-z0-9-]{1,64}$/))),
  eventStreamChannels: z._default(int(1, 64), 1),
  eventStreamConnectionTimeout: z._default(int(0, 60), 1),
  eventStreamReadSeconds: z._default(int(5, 900), 120),
  heapGrowingPercent: z._default(int(0, HEAP_GROWING_PERCENT_MAX), 200),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;

export const SETTINGS: Record<SettingKey, SettingSpec> = {
  apiRegion: {
    env: 'SES_API_REGION',
    parameter: 'ApiRegion',
    flag: 'region',
    doc: 'Symantec API region of the tenant: us (api.sep.securitycloud.symantec.com), eu or in.',
  },
  apiUrl: {
    env: 'SES_API_URL',
    parameter: 'ApiBaseUrl',
    flag: 'api-url',
    doc: 'Full API base URL; overrides the region. https only (plain http for loopback only).',
  },
  tenant: {
    env: 'SES_TENANT',
    flag: 'tenant',
    doc: 'Name of this tenant in the checkpoint store (one checkpoint and lease per tenant).',
  },
  pageSize: {
    env: 'SES_PAGE_SIZE',
    parameter: 'PageSize',
    flag: 'page-size',
    doc: 'Incidents per API page (1-2000).',
  },
  includeEvents: {
    env: 'SES_INCLUDE_EVENTS',
    parameter: 'IncludeEvents',
    flag: 'include-events',
    doc: "Ask the API for each incident's events (include_events) and emit event documents.",
  },
  keepOriginal: {
    env: 'SES_KEEP_ORIGINAL',
    parameter: 'KeepOriginal',
    flag: 'keep-original',
    doc: 'Keep the raw record in event.original (off by default, as Elastic).',
  },
  preserveDuplicateCustomFields: {
    env: 'SES_PRESERVE_DUPLICATE_CUSTOM_FIELDS',
    parameter: 'PreserveDuplicateCustomFields',
    flag: 'preserve-duplicate-custom-fields',
    doc: "Keep the vendor copies of fields mapped to ECS (Elastic's preserve_duplicate_custom_fields); off by default, as Elastic.",
  },
  initialLookbackMinutes: {
    env: 'SES_INITIAL_LOOKBACK_MINUTES',
    parameter: 'InitialLookbackMinutes',
    flag: 'initial-lookback-minutes',
    doc: 'First run: how far back to start (minutes).',
  },
  overlapSeconds: {
    env: 'SES_OVERLAP_SECONDS',
    parameter: 'OverlapSeconds',
    flag: 'overlap-seconds',
    doc: 'Re-read this much of the previous window so late-indexed incidents are not missed.',
  },
  settleSeconds: {
    env: 'SES_SETTLE_SECONDS',
    flag: 'settle-seconds',
    doc: 'Windows end this long before now, so the API has indexed what they cover.',
  },
  maxWindowMinutes: {
    env: 'SES_MAX_WINDOW_MINUTES',
    flag: 'max-window-minutes',
    doc: 'Longer windows are split so each run makes steady progress.',
  },
  historyDays: {
    env: 'SES_HISTORY_DAYS',
    doc: 'How far back the API keeps incidents (30 days); older windows are clamped with a warning.',
  },
  historyMarginMinutes: {
    env: 'SES_HISTORY_MARGIN_MINUTES',
    doc: 'Safety margin inside the history limit when clamping.',
  },
  openSweepMinutes: {
    env: 'SES_OPEN_SWEEP_MINUTES',
    parameter: 'OpenSweepMinutes',
    flag: 'open-sweep-minutes',
    doc: 'Re-read open incidents (state 0-3) this often so updates are caught; 0 disables.',
  },
  deadlineMarginSeconds: {
    env: 'SES_DEADLINE_MARGIN_SECONDS',
    flag: 'deadline-margin-seconds',
    doc: 'Stop fetching when less than this remains before the deadline.',
  },
  leaseSeconds: {
    env: 'SES_LEASE_SECONDS',
    flag: 'lease-seconds',
    doc: "Lifetime of the tenant's run lease; a live run renews it every third of this (heartbeat), so a killed run frees the tenant within this many seconds.",
  },
  pageOverlap: {
    env: 'SES_PAGE_OVERLAP',
    flag: 'page-overlap',
    doc: "Items each page re-reads of the previous one (request from next − k). The previous page's last uid must be in the overlap, otherwise records moved and the window is re-read; ids absorb the duplicates. 0 disables the check.",
  },
  resultCap: {
    env: 'SES_RESULT_CAP',
    flag: 'result-cap',
    doc: 'Results the API serves per query at most (the event-search cap, assumed shared). A window whose total reaches it is split in halves instead of trusted.',
  },
  requestTimeoutMs: {
    env: 'SES_REQUEST_TIMEOUT_MS',
    flag: 'request-timeout-ms',
    doc: 'Timeout of one API request (ms).',
  },
  maxAttempts: {
    env: 'SES_MAX_ATTEMPTS',
    flag: 'max-attempts',
    doc: 'Attempts per API request before giving up (429, 5xx, network errors, timeouts).',
  },
  namespace: {
    env: 'SES_NAMESPACE',
    flag: 'namespace',
    doc: 'data_stream.namespace of the documents.',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    parameter: 'LogLevel',
    flag: 'log-level',
    doc: 'DEBUG, INFO, WARN or ERROR.',
  },
  eventStreamId: {
    env: 'SES_EVENT_STREAM_ID',
    parameter: 'EventStreamId',
    flag: 'stream-id',
    doc: 'Event Stream GUID (console: Integration > Event Stream, type API, API State on); empty: no stream collector.',
  },
  eventStreamChannels: {
    env: 'SES_EVENT_STREAM_CHANNELS',
    parameter: 'EventStreamChannels',
    flag: 'channels',
    doc: 'Channels of the Event Stream (0..n-1): one run reads them all; the stack runs one collector per channel.',
  },
  eventStreamConnectionTimeout: {
    env: 'SES_EVENT_STREAM_CONNECTION_TIMEOUT',
    flag: 'connection-timeout',
    doc: 'connectionTimeout sent to the Event Stream (unit undocumented; the read is bounded by SES_EVENT_STREAM_READ_SECONDS).',
  },
  eventStreamReadSeconds: {
    env: 'SES_EVENT_STREAM_READ_SECONDS',
    flag: 'read-seconds',
    doc: 'Longest single Event Stream read: the connection is cut here whatever connectionTimeout does.',
  },
  heapGrowingPercent: {
    env: 'SES_HEAP_GROWING_PERCENT',
    parameter: 'HeapGrowingPercent',
    flag: 'heap-growing-percent',
    doc: "How much V8's old generation may grow past what a full GC kept before the next one, in percent (0: V8's own). 200 stops the near-constant marking a Lambda's large young generation causes (docs/performance.md).",
  },
};
