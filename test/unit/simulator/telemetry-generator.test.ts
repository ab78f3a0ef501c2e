import { describe, expect, it } from 'vitest';
import { eventMs, generateTelemetry } from '../../../shared/simulator/telemetry-generator.ts';

type Sample = {
  type_id: number;
  actor?: { file?: { name?: string } };
  process: { file: { name: string } };
  connection: { dst_ip: string; dst_port: number };
};

const FROM = Date.parse('2026-11-30T00:00:00Z');
const TO = FROM + 6 * 3_600_000;

describe('telemetry generator', () => {
  const { events, truth } = generateTelemetry({ seed: 7, count: 2000, from: FROM, to: TO });

  it('is deterministic by seed and differs between seeds', () => {
    const again = generateTelemetry({ seed: 7, count: 2000, from: FROM, to: TO });
    expect(JSON.stringify(again.events)).toBe(JSON.stringify(events));
    const other = generateTelemetry({ seed: 8, count: 50, from: FROM, to: TO });
    expect(other.events[0]?.uuid).not.toBe(events[0]?.uuid);
  });

  it('returns exactly count events with unique "<type_id>:<uuid>" uuids and matching event_id', () => {
    expect(events).toHaveLength(2000);
    expect(truth.count).toBe(2000);
    expect(new Set(events.map((e) => e.uuid)).size).toBe(2000);
    for (const e of events) {
      expect(e.uuid.startsWith(`${e.type_id}:`)).toBe(true);
      expect(Math.floor(Number(e.event_id) / 1000)).toBe(e.type_id);
    }
    const byType = Object.values(truth.uuidsByType).flat();
    expect(new Set(byType)).toEqual(new Set(events.map((e) => e.uuid)));
  });

  it('is dominated by severity-1 8001/8003/8006/8015 telemetry, with rare detections that raise incidents', () => {
    const n = (t: number) => truth.uuidsByType[t]?.length ?? 0;
    expect(n(8001) + n(8003) + n(8006) + n(8015)).toBeGreaterThan(0.75 * 2000);
    for (const t of [8002, 8005, 8007]) expect(n(t)).toBeGreaterThan(0);
    const detections = n(8027) + n(8031);
    expect(detections).toBeGreaterThan(0);
    expect(detections).toBeLessThan(0.02 * 2000);
    for (const e of events) {
      if (![8027, 8031, 8075, 8076, 8077, 8078].includes(e.type_id)) expect(e.severity_id).toBe(1);
      if (e.type_id === 8027 || e.type_id === 8031) expect(Number(e.severity_id)).toBeGreaterThanOrEqual(3);
    }
    const uuids = new Set(events.map((e) => e.uuid));
    expect(truth.incidents.length).toBe(detections);
    for (const incident of truth.incidents) {
      expect(uuids.has(incident.detection)).toBe(true);
      expect(incident.associated[0]).toBe(incident.detection);
      for (const a of incident.associations) {
        const assoc = events.find((e) => e.uuid === a);
        expect(assoc?.type_id).toBe(8078);
        expect(assoc?.incident_uid).toBe(incident.incident_uid);
        expect(incident.associated).toContain(assoc?.ref_uid);
      }
    }
  });

  it('gives incident_db records epoch-ms time and telemetry ISO time, with and without millis', () => {
    const incidentDb = events.filter((e) => e.log_name === 'incident_db');
    expect(incidentDb.length).toBeGreaterThan(0);
    for (const e of incidentDb) expect(typeof e.time).toBe('number');
    const iso = events.filter((e) => e.log_name !== 'incident_db').map((e) => e.time as string);
    expect(iso.some((t) => /\.\d{3}Z$/.test(t))).toBe(true);
    expect(iso.some((t) => /:\d{2}Z$/.test(t))).toBe(true);
    for (const e of events) {
      expect(eventMs(e)).toBeGreaterThanOrEqual(FROM);
      expect(eventMs(e)).toBeLessThanOrEqual(TO);
    }
  });

  it('batches log_time (shared values) 15 s to 6 min after time, sorted by log_time', () => {
    for (const e of events) {
      const lag = Date.parse(e.log_time) - eventMs(e);
      expect(lag).toBeGreaterThanOrEqual(15_000);
      expect(lag).toBeLessThanOrEqual(6 * 60_000);
    }
    const distinct = new Set(events.map((e) => e.log_time)).size;
    expect(distinct).toBeLessThan(events.length / 5);
    const sorted = [...events].sort((a, b) => a.log_time.localeCompare(b.log_time));
    expect(sorted.map((e) => e.uuid)).toEqual(events.map((e) => e.uuid));
  });

  it('makes telemetry bodies 2-6 KB and leaves out a sub-object now and then', () => {
    // An event without its actor is smaller: the padding lives in the acting process.
    for (const e of events.filter((x) => x.log_name !== 'incident_db' && !truth.missing[x.uuid])) {
      const size = JSON.stringify(e).length;
      expect(size).toBeGreaterThanOrEqual(1900);
      expect(size).toBeLessThanOrEqual(6300);
    }
    const missing = Object.entries(truth.missing);
    expect(missing.length).toBeGreaterThan(10);
    for (const [uuid, key] of missing) {
      const e = events.find((x) => x.uuid === uuid);
      expect(e && key in e).toBe(false);
    }
  });

  it('records the hunting facts it generated (process launches, files, connections)', () => {
    expect(truth.processes.length).toBeGreaterThan(0);
    for (const p of truth.processes.slice(0, 50)) {
      const e = events.find((x) => x.uuid === p.uuid) as unknown as Sample;
      expect(e.type_id).toBe(8001);
      expect(e.actor?.file?.name ?? p.parent).toBe(p.parent);
      expect(e.process.file.name).toBe(p.child);
    }
    for (const c of truth.connections.slice(0, 50)) {
      const e = events.find((x) => x.uuid === c.uuid) as unknown as Sample;
      if (c.direction_id === 2)
        expect([e.connection.dst_ip, e.connection.dst_port]).toEqual([c.dst_ip, c.dst_port]);
    }
    expect(new Set(truth.files.map((f) => f.sha256)).size).toBeLessThan(truth.files.length);
  });
});
