import { describe, expect, it } from 'vitest';
import { RunLease } from '../../../shared/collector/lease.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { MemoryCheckpointStore } from '../../helpers/fakes.ts';

describe('Module: collector/lease (short lease, heartbeat)', () => {
  it('a live run keeps its lease past the lease time: the heartbeat renews it; a released lease is free', async () => {
    const store = new MemoryCheckpointStore();
    const deadline = systemClock.now() + 60_000;
    const lease = new RunLease(store, 't', 'live', systemClock, 1_500, deadline, silentLogger);
    expect(await lease.acquire()).toBeUndefined();
    const first = (await store.readLease('t'))!.expiresAt;
    lease.startHeartbeat();
    // Bounded wait past the first lease's expiry (the heartbeat beats every 500 ms).
    await new Promise((r) => setTimeout(r, 2_000));
    const now = systemClock.now();
    expect((await store.readLease('t'))!.expiresAt).toBeGreaterThan(now);
    expect(await store.acquireLease('t', 'other', now + 1_000, now)).toMatchObject({ owner: 'live' });
    expect(first).toBeLessThan(now);
    await lease.release();
    expect(await store.readLease('t')).toBeUndefined();
  });

  it('never outlives the run deadline, and says so when another owner took it', async () => {
    const store = new MemoryCheckpointStore();
    const now = systemClock.now();
    const lease = new RunLease(store, 't', 'me', systemClock, 90_000, now + 10_000, silentLogger);
    await lease.acquire();
    expect((await store.readLease('t'))!.expiresAt).toBeLessThanOrEqual(now + 10_000 + 5);
    store.leases.set('t', { owner: 'thief', expiresAt: now + 60_000 });
    await lease.renew();
    expect(lease.lost?.owner).toBe('thief');
  });
});
