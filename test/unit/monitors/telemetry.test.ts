import { describe, expect, it } from 'vitest';
import { createMonitorEngine, parseMonitorsConfig } from '../../../shared/monitors/index.ts';
import { normalizeTelemetry } from '../../../shared/normalize/telemetry/index.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { generateTelemetry } from '../../../shared/simulator/telemetry-generator.ts';
import { FakeClock, MemoryCheckpointStore } from '../../helpers/fakes.ts';

const FROM = Date.parse('2026-11-30T00:00:00Z');
const { events } = generateTelemetry({
  seed: 5,
  count: 3000,
  from: FROM,
  to: FROM + 6 * 3_600_000,
  detectionRate: 0.01,
});

function docs(preserve = false): OutputDocument[] {
  const options = { keepOriginal: false, namespace: 'default', preserveDuplicateCustomFields: preserve };
  return events.flatMap((e) => normalizeTelemetry(e, options));
}

function engine(config: unknown) {
  return createMonitorEngine({
    config: parseMonitorsConfig(config),
    store: new MemoryCheckpointStore(),
    tenant: 'tenant-a',
    clock: new FakeClock(FROM + 7 * 3_600_000),
  });
}

const detections = events.filter((e) => e.type_id === 8027 || e.type_id === 8031);

describe('Module: monitors — detection rules on telemetry', () => {
  it('is off by default: a stream full of telemetry, detections included, raises nothing', async () => {
    expect(detections.length).toBeGreaterThan(5);
    expect((await engine({}).evaluate(docs())).alerts).toEqual([]);
  });

  it('when enabled, alerts only on detections: severity-1 telemetry in temp and download folders raises nothing', async () => {
    const sev1InSuspiciousPaths = events.filter(
      (e) =>
        e.severity_id === 1 &&
        /\\(temp|downloads)\\/i.test(String((e.file as { path?: string } | undefined)?.path)),
    );
    expect(sev1InSuspiciousPaths.length).toBeGreaterThan(20);
    const { alerts } = await engine({ telemetry: { enabled: true } }).evaluate(docs());
    expect(alerts.length).toBeGreaterThan(0);
    const detectionUuids = new Set(detections.map((e) => e.uuid));
    for (const a of alerts) for (const id of a.evidence.eventIds) expect(detectionUuids.has(id)).toBe(true);
    const rules = new Set(alerts.map((a) => a.rule));
    expect(rules.has('sandboxMaliciousFile')).toBe(true);
    expect(rules.has('highSeverityMaliciousFile')).toBe(true);
    for (const r of rules) {
      expect([
        'suspiciousPathExecution',
        'cynicHighRiskThreat',
        'highSeverityMaliciousFile',
        'sandboxMaliciousFile',
      ]).toContain(r);
    }
  });

  it('gives the same alerts in both output shapes (duplicates removed or kept)', async () => {
    const a = (await engine({ telemetry: { enabled: true } }).evaluate(docs(false))).alerts;
    const b = (await engine({ telemetry: { enabled: true } }).evaluate(docs(true))).alerts;
    expect(b.map((x) => x.id).sort()).toEqual(a.map((x) => x.id).sort());
  });

  it('honours the severity floor: above every detection, nothing fires', async () => {
    expect(
      (await engine({ telemetry: { enabled: true, minSeverityId: 6 } }).evaluate(docs())).alerts,
    ).toEqual([]);
  });

  it('rejects a floor of 1 (it would evaluate the severity-1 bulk)', () => {
    expect(() => parseMonitorsConfig({ telemetry: { enabled: true, minSeverityId: 1 } })).toThrow(
      /minSeverityId/,
    );
  });
});
