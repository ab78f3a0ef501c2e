import { FakeClock } from './fakes.ts';

/**
 * A clock that also moves by itself during a run: real elapsed time × `rate` on top of what the test
 * advances by hand (`advance`, and `sleep`, which still costs no real time). Rate 1 is the real clock;
 * the simulator, the collector and the run's deadline all see time pass between two page requests.
 */
export class MovingClock extends FakeClock {
  private readonly realStart = performance.now();

  constructor(
    t: number,
    readonly rate: number,
  ) {
    super(t);
  }

  override now(): number {
    return this.t + Math.round((performance.now() - this.realStart) * this.rate);
  }
}
