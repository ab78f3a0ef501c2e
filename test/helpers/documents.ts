import type { OutputDocument } from '../../shared/ports/document.ts';

/** A minimal incident output document with doc_id `id` (and `extra` top-level fields). */
export function doc(id: string, extra: Record<string, unknown> = {}): OutputDocument {
  return {
    id,
    dataset: 'incident',
    timestamp: '2024-05-01T00:00:00.000Z',
    doc: { '@timestamp': '2024-05-01T00:00:00.000Z', symantec_edr_cloud: { doc_id: id }, ...extra },
  };
}

/** `n` such documents, ids `${prefix}0`…. */
export function docs(n: number, prefix = 'd'): OutputDocument[] {
  return Array.from({ length: n }, (_, i) => doc(`${prefix}${i}`));
}
