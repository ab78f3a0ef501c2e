import type { Clock } from '../ports/clock.ts';

/**
 * The run's time budget. `near()` says when to stop starting work (deadline − margin); `signal` aborts
 * in-flight calls (API, sink, store) at deadline − margin/2 so a hung request cannot carry the run past
 * its deadline.
 */
export class RunDeadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;

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

  /** True once less than the margin is left: start nothing new. */
  near(): boolean {
    return this.at - this.clock.now() < this.marginMs;
  }

  /** Arm the hard stop. */
  start(): void {
    const hardStopMs = this.at - this.clock.now() - this.marginMs / 2;
    this.timer = setTimeout(() => this.controller.abort(new Error('deadline')), Math.max(0, hardStopMs));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
