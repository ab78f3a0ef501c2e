import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../shared/checkpoint/file.ts';
import { settingsFromEnv } from '../../../shared/config/load.ts';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { MAX_RECORD_DEPTH, nestsDeeperThan } from '../../../shared/normalize/input.ts';
import { FIXED_OPTIONS } from '../normalize/helpers.ts';

/** `levels` objects nested in one another, built without recursion. */
function nested(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
}

describe('Security review: a deeply nested record is quarantined with its uid and text', () => {
  it('quarantines a 100k-deep record as one document keeping incident_uid and a readable original', () => {
    // Prepare
    const raw = {
      incident_uid: 'uid-deep-1',
      time: 1_772_323_200_000,
      type_id: 8075,
      details: nested(100_000),
    };
    // Act
    const docs = normalizeIncident(raw, FIXED_OPTIONS);
    // Assess
    expect(docs).toHaveLength(1);
    const doc = docs[0]?.doc as Record<string, Record<string, Record<string, unknown>>>;
    expect(docs[0]?.dataset).toBe('quarantine');
    expect(doc.symantec_edr_cloud?.quarantine?.incident_uid).toBe('uid-deep-1');
    expect(String(doc.error?.message)).toContain(`deeper than ${MAX_RECORD_DEPTH} levels`);
    const original = String(doc.event?.original);
    expect(original).not.toBe('[object Object]');
    expect(original).toContain('"incident_uid":"uid-deep-1"');
    expect(original).toContain(`[nested deeper than ${MAX_RECORD_DEPTH} levels]`);
  });

  it('gives two different deep records two different quarantine ids', () => {
    const a = normalizeIncident({ incident_uid: 'uid-a', details: nested(5_000) }, FIXED_OPTIONS);
    const b = normalizeIncident({ incident_uid: 'uid-b', details: nested(5_000) }, FIXED_OPTIONS);
    expect(a[0]?.id).not.toBe(b[0]?.id);
  });

  it('keeps records at the depth limit normalizing as usual', () => {
    expect(nestsDeeperThan(nested(MAX_RECORD_DEPTH))).toBe(false);
    expect(nestsDeeperThan(nested(MAX_RECORD_DEPTH + 1))).toBe(true);
    const docs = normalizeIncident(
      { incident_uid: 'uid-ok', time: 1_772_323_200_000, type_id: 8075, details: nested(10) },
      FIXED_OPTIONS,
    );
    expect(docs[0]?.dataset).toBe('incident');
  });
});

describe('Security review: reserved tenant names', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ckpt-proto-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const tenant of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses tenant ${tenant} in the file store instead of saving nothing`, async () => {
      const store = new FileCheckpointStore({ path: join(dir, 'checkpoint.json') });
      await expect(store.save(tenant, { watermark: '2026-03-01T00:00:00.000Z' }, 0)).rejects.toThrow(
        /reserved name/,
      );
      await expect(store.acquireLease(tenant, 'run-1', 61_000, 1_000)).rejects.toThrow(/reserved name/);
    });
  }

  it('refuses SES_TENANT=__proto__ as a configuration error naming the setting', () => {
    expect(() => settingsFromEnv({ SES_TENANT: '__proto__' })).toThrow(/SES_TENANT[\s\S]*reserved name/);
  });

  it('keeps other tenants working side by side in the same file', async () => {
    const store = new FileCheckpointStore({ path: join(dir, 'checkpoint.json') });
    await store.save('acme', { watermark: '2026-03-01T00:00:00.000Z' }, 0);
    await store.save('proto', { watermark: '2026-03-02T00:00:00.000Z' }, 0);
    const json = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8'));
    expect(Object.keys(json.tenants).sort()).toEqual(['acme', 'proto']);
  });
});
