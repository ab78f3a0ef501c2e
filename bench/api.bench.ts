/**
 * API client throughput against the built-in simulator: fetch 10,000 incident records with their
 * events at the default page size (1000). Prints one JSON line:
 * {"bench":"api","incidents":10000,"requests":N,"retries":0,"pages":10,"events":…,"page_size":1000,"ms":…,
 *  "incidents_per_s":…,"peak_rss_mb":…} (RSS includes the in-process simulator and its data set)
 * `requests` counts token calls too (expected: 10 pages + 1 token = 11).
 */
import { startSimulator } from '../shared/simulator/index.ts';
import { createSymantecClient } from '../shared/symantec/index.ts';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 10_000);
const PAGE_SIZE = 1000;

// Creation records only, so the number of records served equals INCIDENTS.
const sim = await startSimulator({ seed: 42, incidents: INCIDENTS, updateRate: 0 });
try {
  const client = createSymantecClient({
    baseUrl: new URL(sim.url),
    credentials: {
      description: 'simulator defaults',
      get: async () => ({ clientId: sim.clientId, clientSecret: sim.clientSecret }),
    },
  });
  const now = Date.now();
  let incidents = 0;
  let events = 0;
  let pages = 0;
  let peakRss = process.memoryUsage().rss;
  const started = performance.now();
  for await (const page of client.incidents.pages({
    startDate: new Date(now - 24 * 3_600_000),
    endDate: new Date(now),
    limit: PAGE_SIZE,
    includeEvents: true,
  })) {
    pages++;
    incidents += page.incidents.length;
    for (const i of page.incidents) events += Array.isArray(i.events) ? i.events.length : 0;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const ms = performance.now() - started;
  if (incidents !== INCIDENTS) throw new Error(`expected ${INCIDENTS} incidents, got ${incidents}`);
  const { requests, retries } = client.stats();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'api',
      incidents,
      requests,
      retries,
      pages,
      events,
      page_size: PAGE_SIZE,
      ms: Math.round(ms),
      incidents_per_s: Math.round((incidents / ms) * 1000),
      peak_rss_mb: Math.round(peakRss / 1048576),
    })}\n`,
  );
} finally {
  await sim.close();
}
