import type { EcsDocument } from '../ports/document.ts';

/** Options of the normalizer (the collector passes the same object for every incident). */
export interface NormalizeOptions {
  /** Keep the raw record in `event.original` (incident and event documents). Default off. */
  keepOriginal: boolean;
  /** `data_stream.namespace`; `default` when empty. */
  namespace: string;
  /** `event.ingested` (and `@timestamp` of quarantine documents); now when absent. */
  ingestedAt?: string;
  /**
   * Keep the vendor copies of fields that are mapped to ECS (Elastic's
   * `preserve_duplicate_custom_fields` tag). Default off: like Elastic's default output, a vendor
   * field whose value is in an ECS field of the same document is removed (docs/mapping.md).
   */
  preserveDuplicateCustomFields?: boolean;
}

export const ECS_VERSION = '8.11.0';

/** Per-call constants, computed once per normalizeIncident call. */
export interface RunContext {
  keepOriginal: boolean;
  preserveDuplicates: boolean;
  namespace: string;
  ingested: string;
}

// "now" as ISO text, reformatted at most once per millisecond (the collector calls per incident).
let nowMs = -1;
let nowIso = '';
function nowText(): string {
  const ms = Date.now();
  if (ms !== nowMs) {
    nowMs = ms;
    nowIso = new Date(ms).toISOString();
  }
  return nowIso;
}

export function runContext(options: NormalizeOptions | undefined): RunContext {
  const ns = options?.namespace;
  const at = options?.ingestedAt;
  return {
    keepOriginal: options?.keepOriginal === true,
    preserveDuplicates: options?.preserveDuplicateCustomFields === true,
    namespace: typeof ns === 'string' && ns !== '' ? ns : 'default',
    ingested: typeof at === 'string' && at !== '' ? at : nowText(),
  };
}

/** The `data_stream`, `ecs` and dataset bookkeeping shared by every document. */
export function dataStream(ctx: RunContext, dataset: string): EcsDocument {
  return { type: 'logs', dataset, namespace: ctx.namespace };
}
