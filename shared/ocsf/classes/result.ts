import type { OcsfClass } from '../base.ts';

/** The outcome of mapping one raw record to OCSF: the record and its class, or why there is none. */
export type MapResult =
  | { ok: true; record: Record<string, unknown>; cls: OcsfClass }
  | { ok: false; reason: string };
