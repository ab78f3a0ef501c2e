import { TelemetryDelivery } from '../../shared/collector/telemetry-delivery.ts';
import type { OutputDocument } from '../../shared/ports/document.ts';
import { MemoryMetrics, silentLogger } from '../../shared/ports/logger.ts';
import type { Sink } from '../../shared/ports/sink.ts';

/** Test normalizer: one document per event, id = its uuid (what dedup across sources relies on). */
export function uuidNormalize(raw: unknown): OutputDocument[] {
  const e = raw as { uuid?: unknown; log_time?: unknown };
  if (!e || typeof e !== 'object' || typeof e.uuid !== 'string') {
    return [
      {
        id: `q:${JSON.stringify(raw)}`,
        dataset: 'quarantine',
        timestamp: new Date(0).toISOString(),
        doc: { raw },
      },
    ];
  }
  return [{ id: e.uuid, dataset: 'event', timestamp: String(e.log_time ?? ''), doc: { uuid: e.uuid } }];
}

export function testDelivery(sink: Sink, metrics = new MemoryMetrics()) {
  return new TelemetryDelivery({
    sink,
    metrics,
    logger: silentLogger,
    normalize: uuidNormalize,
    quarantine: (raw, reason, origin) => ({
      id: `q:${origin.where}:${reason}:${String(raw).slice(0, 40)}`,
      dataset: 'quarantine',
      timestamp: new Date(0).toISOString(),
      doc: { raw, reason, origin },
    }),
  });
}
