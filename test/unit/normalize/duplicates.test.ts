import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_DUPLICATES, INCIDENT_DUPLICATES } from '../../../shared/normalize/duplicates.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { incidentArb } from './arbitraries.ts';
import { FIXED_OPTIONS, FIXTURES, flatten, PRESERVE_OPTIONS, REFERENCE, readJson } from './helpers.ts';

const I = 'symantec_edr_cloud.incident.';
const E = 'symantec_edr_cloud.event.';
const elasticInput = () =>
  readFileSync(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'), 'utf8').trim();

/** Paths of `a` that `b` lacks, and paths whose values differ. */
function diff(a: Map<string, unknown>, b: Map<string, unknown>): { missing: string[]; changed: string[] } {
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [k, v] of a) {
    if (!b.has(k)) missing.push(k);
    else if (JSON.stringify(b.get(k)) !== JSON.stringify(v)) changed.push(k);
  }
  return { missing: missing.sort(), changed };
}

describe('Module: normalize (default output shape: duplicates removed)', () => {
  it("pins the default incident document of Elastic's fixture: the vendor copies of ECS fields are gone, nothing else changes", () => {
    // Act
    const [preserved] = normalizeIncident(elasticInput(), PRESERVE_OPTIONS);
    const [dflt] = normalizeIncident(elasticInput(), FIXED_OPTIONS);
    // Assess
    const full = flatten(preserved!.doc);
    const slim = flatten(dflt!.doc);
    const { missing, changed } = diff(full, slim);
    expect(changed).toEqual([]);
    expect(missing).toEqual(
      [
        'conclusion',
        'created',
        'incident_uid',
        'incident_url',
        'message',
        'product_name',
        'rule_name',
        'severity_id',
        'time',
      ].map((k) => I + k),
    );
    expect([...slim.keys()].filter((k) => !full.has(k))).toEqual([]);
    // Every removed value is still in the document, in its ECS field.
    expect(slim.get('event.id')).toBe(full.get(`${I}incident_uid`));
    expect(slim.get('@timestamp')).toBe(full.get(`${I}time`));
    expect(slim.get('event.created')).toBe(full.get(`${I}created`));
    expect(slim.get('event.reason')).toBe(full.get(`${I}conclusion`));
    expect(slim.get('event.url')).toBe(full.get(`${I}incident_url`));
    expect(slim.get('event.provider')).toBe(full.get(`${I}product_name`));
    expect(slim.get('event.severity')).toBe(full.get(`${I}severity_id`));
    expect(slim.get('message')).toBe(full.get(`${I}message`));
    expect(slim.get('rule.name')).toBe(full.get(`${I}rule_name`));
    // Labels, ids without an ECS field and our additions stay.
    for (const k of ['severity', 'state_id', 'ref_incident_uid', 'modified', 'remediation', 'version'])
      expect(slim.has(I + k)).toBe(true);
    // The document id does not depend on the output shape.
    expect(dflt!.id).toBe(preserved!.id);
    expect(JSON.stringify(dflt!.doc).length).toBeLessThan(JSON.stringify(preserved!.doc).length);
  });

  it('pins the default event document of the sandbox_file_detection sample', () => {
    // Prepare
    const raw = readJson<Record<string, unknown>>(join(FIXTURES, 'sumo-incident-with-sandbox-event.json'));
    // Act
    const full = flatten(normalizeIncident(raw, PRESERVE_OPTIONS)[1]!.doc);
    const slim = flatten(normalizeIncident(raw, FIXED_OPTIONS)[1]!.doc);
    // Assess
    const { missing, changed } = diff(full, slim);
    expect(changed).toEqual([]);
    expect(missing).toEqual(
      [
        'device_domain',
        'device_ip',
        'device_name',
        'device_os_name',
        'device_time',
        'device_uid',
        'file.name',
        'file.path',
        'file.sha2',
        'message',
        'product_name',
        'severity_id',
        'status_detail',
        'time',
        'type',
        'user.name',
        'user_name',
        'uuid',
      ].map((k) => E + k),
    );
    // What has no ECS copy stays: ids, labels, log_time, threat, the incident link.
    for (const k of ['type_id', 'log_time', 'threat.name', 'incident_uid', 'incident_rule_name', 'severity'])
      expect(slim.has(E + k)).toBe(true);
  });

  it('keeps a vendor value that its ECS field does not hold (invalid IP, other device_time, other user_name)', () => {
    // Prepare
    const raw = {
      incident_uid: 'inc-1',
      time: 1682545570400,
      events: [
        {
          uuid: '8031:a',
          time: '2023-04-26T21:01:09.003Z',
          device_time: 1682542000000,
          device_ip: '0.0.0.0',
          user: { name: 'alice' },
          user_name: 'bob',
        },
      ],
    };
    // Act
    const slim = flatten(normalizeIncident(raw, FIXED_OPTIONS)[1]!.doc);
    // Assess
    expect(slim.has('host.ip')).toBe(false);
    expect(slim.get(`${E}device_ip`)).toBe('0.0.0.0');
    expect(slim.get(`${E}device_time`)).toBe('2023-04-26T20:46:40.000Z');
    expect(slim.has(`${E}time`)).toBe(false);
    expect(slim.get('user.name')).toBe('alice');
    expect(slim.has(`${E}user.name`)).toBe(false);
    expect(slim.get(`${E}user_name`)).toBe('bob');
  });

  it('loses no value: the default document is the preserved one minus listed vendor copies whose value its ECS field holds', () => {
    const pairs = new Map<string, string>([
      ...INCIDENT_DUPLICATES.map(([v, ecs]) => [I + v, ecs] as [string, string]),
      ...EVENT_DUPLICATES.map(([v, ecs]) => [E + v, ecs] as [string, string]),
    ]);
    fc.assert(
      fc.property(incidentArb, (raw) => {
        const full = normalizeIncident(structuredClone(raw), PRESERVE_OPTIONS);
        const slim = normalizeIncident(structuredClone(raw), FIXED_OPTIONS);
        expect(slim.map((d) => d.id)).toEqual(full.map((d) => d.id));
        full.forEach((d, i) => {
          const a = flatten(d.doc);
          const b = flatten(slim[i]!.doc);
          const { missing, changed } = diff(a, b);
          expect(changed).toEqual([]);
          for (const path of missing) {
            const ecs = pairs.get(path);
            expect(ecs, `${path} removed but not a listed duplicate`).toBeDefined();
            const held = b.get(ecs!);
            const value = a.get(path);
            expect(held === value || (Array.isArray(held) && held.length === 1 && held[0] === value)).toBe(
              true,
            );
          }
          // And the converse: a listed vendor copy that stays is one its ECS field does not hold.
          for (const [path, ecs] of pairs) {
            if (!b.has(path)) continue;
            const held = b.get(ecs);
            const value = b.get(path);
            expect(
              held === value || (Array.isArray(held) && held.length === 1 && held[0] === value),
              path,
            ).toBe(false);
          }
        });
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
