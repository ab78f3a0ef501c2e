/**
 * `npm run bench -- load`: a heavy day drained by Lambda-sized runs. The simulator serves LOAD_INCIDENTS
 * (default 100,000) incidents with their events created over the last 24 h; the Lambda run (createRun,
 * dynalite checkpoint, Firehose double) drains them in runs with a 4-minute deadline, one every 5
 * minutes. The clock runs at real speed between runs (so the deadline is real time) and jumps over the
 * pause between runs and over retry sleeps. Prints one JSON line {"bench":"load",...}.
 */
import { performance } from 'node:perf_hooks';
import { FakeClock } from '../test/helpers/fakes.ts';
import { startLambdaRig } from '../test/helpers/lambda-rig.ts';

/** Real time plus jumps: the run's deadline is real, waiting between runs and backoff cost nothing. */
class DrivenClock extends FakeClock {
  private readonly t0 = performance.now();
  override now(): number {
    return Math.round(this.t + (performance.now() - this.t0));
  }
}

const incidents = Number(process.env.LOAD_INCIDENTS ?? 100_000);
const pageSize = process.env.LOAD_PAGE_SIZE ?? '2000';
const MINUTE = 60_000;
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
sampler.unref();

const genStart = performance.now();
const clock = new DrivenClock(Date.now());
const rig = await startLambdaRig({
  seed: 2026,
  incidents,
  spanHours: 24,
  clock,
  env: { SES_PAGE_SIZE: pageSize, SES_OPEN_SWEEP_MINUTES: '0' },
});
rig.firehose.keep = false;
const generateMs = performance.now() - genStart;
const versions = rig.sim.groundTruth.versions.length;
const events = rig.sim.groundTruth.versions.reduce((n, v) => n + v.eventUuids.length, 0);
const container = rig.container();
const runs: { status: string; incidents: number; events: number; realMs: number; requests: number }[] = [];
const start = performance.now();
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  const o = await rig.invoke(container, 4 * MINUTE);
  runs.push({
    status: o.summary?.status ?? `error: ${o.error?.message}`,
    incidents: o.summary?.incidents ?? 0,
    events: o.summary?.events ?? 0,
    realMs: Math.round(performance.now() - t),
    requests: o.summary?.apiRequests ?? 0,
  });
  if (o.summary?.status === 'complete') break;
  clock.advance(5 * MINUTE - (performance.now() - t));
}
const totalMs = performance.now() - start;
const upTo = clock.now() - 2 * MINUTE;
const missing = rig.sim.groundTruth.versions.filter(
  (v) => v.time <= upTo && !rig.firehose.versionKeys.has(v.key),
).length;
const delivered = runs.reduce((n, r) => n + r.incidents, 0);
const deliveredEvents = runs.reduce((n, r) => n + r.events, 0);
const line = {
  bench: 'load',
  incidents,
  versions,
  events,
  page_size: Number(pageSize),
  runs: runs.length,
  statuses: runs.map((r) => r.status),
  delivered_versions: delivered,
  delivered_events: deliveredEvents,
  missing,
  api_requests: rig.sim.requestLog.length,
  firehose_calls: rig.firehose.calls,
  real_seconds: Math.round(totalMs / 100) / 10,
  run_real_seconds: runs.map((r) => Math.round(r.realMs / 100) / 10),
  incidents_per_second: Math.round(delivered / (totalMs / 1000)),
  events_per_second: Math.round(deliveredEvents / (totalMs / 1000)),
  simulator_generate_seconds: Math.round(generateMs / 100) / 10,
  peak_rss_mb: Math.round(peakRss / 1048576),
  node: process.version,
};
await rig.close();
process.stdout.write(`${JSON.stringify(line)}\n`);
process.exit(missing === 0 ? 0 : 1);
