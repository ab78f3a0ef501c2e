import type { Clock } from '../ports/clock.ts';

/**
 * The run's time budget. `near()` says when to stop starting work (deadline − margin); `signal` aborts
 * in-flight API calls at deadline − margin/2 (the hard stop) so a hung request cannot carry the run past
 * its deadline; `callSignal` aborts sink and checkpoint-store calls at deadline − margin/4, later, so
 * the run can still record where it stopped after the hard stop, yet a store or stream that does not
 * answer cannot outlast the run either.
 */
export class RunDeadline {
  private readonly controller = new AbortController();
  private readonly calls = new AbortController();
  private timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    private readonly clock: Clock,
    /** Epoch ms when the run must have stopped. */
    readonly at: number,
    private readonly marginMs: number,
  ) {}

  /** Aborted shortly before the deadline. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborted at deadline − margin/4: bounds the sink's and the store's calls. */
  get callSignal(): AbortSignal {
    return this.calls.signal;
  }

  /** True once less than the margin is left: start nothing new. */
  near(): boolean {
    return this.at - this.clock.now() < this.marginMs;
  }

  /** Arm the hard stop. */
  start(): void {
    const left = this.at - this.clock.now();
    this.arm(this.controller, left - this.marginMs / 2);
    this.arm(this.calls, left - this.marginMs / 4);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  private arm(controller: AbortController, ms: number): void {
    const timer = setTimeout(() => controller.abort(new Error('deadline')), Math.max(0, ms));
    timer.unref?.();
    this.timers.push(timer);
  }
}
