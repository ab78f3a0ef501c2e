import type { CheckpointStore, Lease } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * The tenant's run lease, short and renewed while the run is alive: a run that is killed (SIGKILL, out
 * of memory, a container restart) cannot release it, so it must die by itself soon, not at the run's
 * deadline (an hour for the CLI). The lease lives `leaseMs` and never past the deadline; a heartbeat
 * renews it every third of that, so a live run keeps it through two missed renewals.
 */
export class RunLease {
  private timer: ReturnType<typeof setInterval> | undefined;
  private renewing: Promise<void> | undefined;
  /** Set when a renewal found the lease taken by another owner (we stalled past its expiry). */
  lost: Lease | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly tenant: string,
    private readonly owner: string,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly deadline: number,
    private readonly logger: Logger,
  ) {}

  private expiry(): number {
    return Math.min(this.deadline, this.clock.now() + this.leaseMs);
  }

  /** Take the lease; returns the lease another owner holds, or undefined when it is ours. */
  async acquire(): Promise<Lease | undefined> {
    return this.store.acquireLease(this.tenant, this.owner, this.expiry(), this.clock.now());
  }

  /** Start the heartbeat (real time: it must run while the run is busy awaiting I/O). */
  startHeartbeat(): void {
    const every = Math.max(500, Math.floor(this.leaseMs / 3));
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = undefined;
      });
    }, every);
    this.timer.unref?.();
  }

  /** Renew now (also what the heartbeat does). Never throws: a failed renewal is retried next beat. */
  async renew(): Promise<void> {
    try {
      const held = await this.acquire();
      if (held) {
        this.lost = held;
        this.logger.error(
          `lease lost: ${held.owner} took tenant ${this.tenant}'s lease (this run stalled past its expiry); the checkpoint's conditional writes keep either run from overwriting the other`,
        );
      }
    } catch (error) {
      this.logger.warn('could not renew the lease; retrying at the next heartbeat', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
  }

  async release(): Promise<void> {
    await this.stop();
    await this.store.releaseLease(this.tenant, this.owner);
  }
}
