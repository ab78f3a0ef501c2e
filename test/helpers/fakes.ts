import { CheckpointConflictError } from '../../shared/errors.ts';
import type {
  Checkpoint,
  CheckpointState,
  CheckpointStore,
  Lease,
} from '../../shared/ports/checkpoint-store.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { OutputDocument } from '../../shared/ports/document.ts';
import type {
  IncidentPage,
  IncidentQuery,
  IncidentSource,
  RawIncident,
} from '../../shared/ports/incident-source.ts';
import type { Sink, SinkWriteResult } from '../../shared/ports/sink.ts';

/** A clock tests move by hand; sleep advances it instantly. */
export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Checkpoint store in memory with the same conditional semantics as the real ones. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly checkpoints = new Map<string, Checkpoint>();
  readonly leases = new Map<string, Lease>();
  readonly states = new Map<string, unknown>();
  /** Every saved state in order, to prove the checkpoint never moves backwards. */
  readonly history: Checkpoint[] = [];
  /** Throw on the Nth save (1-based) to simulate a crash between sink and checkpoint. */
  failOnSave?: number;
  private saves = 0;

  async load(tenant: string): Promise<Checkpoint | undefined> {
    const c = this.checkpoints.get(tenant);
    return c ? structuredClone(c) : undefined;
  }
  async save(tenant: string, state: CheckpointState, expectedVersion: number): Promise<Checkpoint> {
    this.saves++;
    if (this.failOnSave === this.saves) throw new Error('injected crash before checkpoint write');
    const current = this.checkpoints.get(tenant)?.version ?? 0;
    if (current !== expectedVersion)
      throw new CheckpointConflictError(`version ${current} != ${expectedVersion}`);
    const next: Checkpoint = {
      ...structuredClone(state),
      tenant,
      version: current + 1,
      updatedAt: new Date().toISOString(),
    };
    this.checkpoints.set(tenant, next);
    this.history.push(structuredClone(next));
    return structuredClone(next);
  }
  async acquireLease(
    tenant: string,
    owner: string,
    expiresAt: number,
    now: number,
  ): Promise<Lease | undefined> {
    const held = this.leases.get(tenant);
    if (held && held.owner !== owner && held.expiresAt > now) return { ...held };
    this.leases.set(tenant, { owner, expiresAt });
    return undefined;
  }
  async releaseLease(tenant: string, owner: string): Promise<void> {
    if (this.leases.get(tenant)?.owner === owner) this.leases.delete(tenant);
  }
  async readLease(tenant: string): Promise<Lease | undefined> {
    return this.leases.get(tenant);
  }
  async loadState<T>(tenant: string, name: string): Promise<T | undefined> {
    return this.states.get(`${tenant}#${name}`) as T | undefined;
  }
  async saveState(tenant: string, name: string, value: unknown): Promise<void> {
    this.states.set(`${tenant}#${name}`, structuredClone(value));
  }
}

/** Sink that keeps documents in memory and can fail on demand. */
export class MemorySink implements Sink {
  readonly description = 'memory';
  readonly docs: OutputDocument[] = [];
  /** Throw on the Nth write (1-based). */
  failOnWrite?: number;
  private writes = 0;
  async write(docs: OutputDocument[]): Promise<SinkWriteResult> {
    this.writes++;
    if (this.failOnWrite === this.writes) throw new Error('injected sink failure');
    this.docs.push(...docs);
    return { written: docs.length, quarantined: 0, retries: 0 };
  }
  async close(): Promise<void> {}
}

/**
 * Incident source over an in-memory list, filtering on `time` like the real API's default, paging by
 * integer offset. `beforePage` lets a test act between pages (advance the clock, inject a failure).
 */
export class ArraySource implements IncidentSource {
  readonly queries: IncidentQuery[] = [];
  readonly gets: string[] = [];
  beforePage?: (query: IncidentQuery, offset: number) => void | Promise<void>;
  /** Window on record `time` (default) or, like an API filtering on creation, on `created` (latest version per incident). */
  filterOn: 'time' | 'created' = 'time';
  constructor(public records: RawIncident[]) {}
  /** The latest version of one incident, as `GET /v1/incidents/{uid}`. */
  async get(uid: string) {
    this.gets.push(uid);
    const incident = this.latest().find((r) => r.incident_uid === uid);
    return incident ? { incident, requests: 1, retries: 0 } : undefined;
  }
  private latest(): RawIncident[] {
    const byUid = new Map<string, RawIncident>();
    for (const r of [...this.records].sort((a, b) => Number(a.time) - Number(b.time)))
      byUid.set(r.incident_uid, r);
    return [...byUid.values()];
  }
  async *pages(query: IncidentQuery): AsyncIterable<IncidentPage> {
    this.queries.push(query);
    const from = query.startDate.getTime();
    const to = query.endDate.getTime();
    const stateRange = query.query?.match(/state_id: \[(\d) TO (\d)\]/);
    const candidates = this.filterOn === 'created' ? this.latest() : this.records;
    const matching = candidates.filter((r) => {
      const t = this.filterOn === 'created' ? Date.parse(String(r.created)) : Number(r.time);
      if (t < from || t > to) return false;
      if (stateRange) {
        const st = Number(r.state_id);
        return st >= Number(stateRange[1]) && st <= Number(stateRange[2]);
      }
      return true;
    });
    let offset = query.offset ?? 0;
    while (offset < matching.length) {
      await this.beforePage?.(query, offset);
      const items = matching.slice(offset, offset + query.limit);
      const next = offset + items.length < matching.length ? offset + items.length : undefined;
      yield { offset, next, total: matching.length, incidents: items, invalid: [], requests: 1, retries: 0 };
      offset += items.length;
    }
  }
}

/** Minimal normalizer stand-in for core tests: one document per record, id = uid + time. */
export function fakeNormalize(raw: unknown): OutputDocument[] {
  const r = raw as RawIncident;
  const id = `${r.incident_uid}@${r.time}`;
  return [{ id, dataset: 'incident', timestamp: new Date(Number(r.time)).toISOString(), doc: { id } }];
}

export function fakeQuarantine(raw: unknown, reason: string): OutputDocument {
  const id = `q:${JSON.stringify(raw)}`;
  return { id, dataset: 'quarantine', timestamp: new Date(0).toISOString(), doc: { reason } };
}

/** Raw incidents spread evenly over [from, to). */
export function incidentsBetween(from: number, to: number, count: number, prefix = 'inc'): RawIncident[] {
  const step = (to - from) / count;
  return Array.from({ length: count }, (_, i) => ({
    incident_uid: `${prefix}-${i}`,
    time: Math.floor(from + i * step),
    state_id: 1,
  }));
}
