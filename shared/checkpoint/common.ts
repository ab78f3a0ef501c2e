import type { Checkpoint, CheckpointState } from '../ports/checkpoint-store.ts';

/**
 * The state part of what the caller hands to `save`: callers often pass a loaded Checkpoint back with
 * changes, so the store-owned fields are dropped rather than persisted twice.
 */
export function stateOf(state: CheckpointState | Checkpoint): CheckpointState {
  const { tenant: _t, version: _v, updatedAt: _u, ...rest } = state as Partial<Checkpoint>;
  return JSON.parse(JSON.stringify(rest)) as CheckpointState;
}

export function checkExpectedVersion(expectedVersion: number): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    throw new RangeError(
      `expectedVersion must be an integer >= 0 (0 = no checkpoint yet), got ${expectedVersion}`,
    );
  }
}

/**
 * Names a tenant cannot have: the file store keys an object by tenant, and `__proto__` there reads and
 * writes the object's prototype (nothing saved, no lease, no error).
 */
export const RESERVED_TENANTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Tenant names become key parts (`checkpoint#<tenant>`), so `#` would make keys ambiguous. */
export function checkTenant(tenant: string): void {
  if (!tenant || tenant.includes('#')) {
    throw new RangeError(`tenant must be a non-empty string without '#', got ${JSON.stringify(tenant)}`);
  }
  if (RESERVED_TENANTS.has(tenant)) {
    throw new RangeError(
      `tenant ${JSON.stringify(tenant)} is a reserved name (${[...RESERVED_TENANTS].join(', ')}); choose another SES_TENANT / --tenant`,
    );
  }
}
