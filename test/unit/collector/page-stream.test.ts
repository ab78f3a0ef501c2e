import { describe, expect, it } from 'vitest';
import { RunDeadline } from '../../../shared/collector/deadline.ts';
import { PageStream } from '../../../shared/collector/page-stream.ts';
import type { IncidentPage } from '../../../shared/ports/incident-source.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import {
  incidentRecord,
  jsonResponse,
  pageQuery,
  scriptedClient,
  tokenResponse,
} from '../symantec/scripted-fetch.ts';

const query = pageQuery;
const incident = incidentRecord;
/** Lets every pending callback and fetch double run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function api(pages: Response[]) {
  const clock = new FakeClock(Date.parse('2026-03-01T07:00:00.000Z'));
  const { api: client, calls } = scriptedClient(
    { '/v1/oauth2/tokens': [tokenResponse()], '/v1/incidents': pages },
    clock,
  );
  const deadline = new RunDeadline(clock, clock.now() + 3_600_000, 60_000);
  const stream = new PageStream<IncidentPage>(
    (signal, ready) => client.incidents.pages(query, { signal, ready }),
    deadline,
  );
  const pageCalls = () => calls.filter((c) => c.url.endsWith('/v1/incidents')).length;
  return { stream, pageCalls };
}

/**
 * The page stream asks for the next page while the caller delivers the current one, and has the source
 * parse it only when the caller takes it: the API's latency still overlaps our work, but only one page
 * of records is alive at a time.
 */
describe('Module: collector/page-stream', () => {
  it('sends the prefetch request at once and yields its page whole when the caller takes it', async () => {
    const { stream, pageCalls } = api([
      jsonResponse(200, { total: 4, next: 2, incidents: [incident(1), incident(2)] }),
      jsonResponse(200, { total: 4, incidents: [incident(3), incident(4)] }),
    ]);
    const first = await stream.next();
    expect(first.kind === 'page' && first.page.incidents.map((r) => r.incident_uid)).toEqual([
      'uid-1',
      'uid-2',
    ]);
    stream.prefetch();
    await settle();
    // The second request went out (its latency overlaps the caller's work)…
    expect(pageCalls()).toBe(2);
    // …and its page is yielded once taken, whole.
    const second = await stream.next();
    expect(second.kind === 'page' && second.page.incidents.map((r) => r.incident_uid)).toEqual([
      'uid-3',
      'uid-4',
    ]);
    expect(await stream.next()).toEqual({ kind: 'end' });
    await stream.close();
  });

  it('a prefetched page whose answer is not JSON is retried once taken, and nothing is lost', async () => {
    const { stream, pageCalls } = api([
      jsonResponse(200, { total: 4, next: 2, incidents: [incident(1), incident(2)] }),
      jsonResponse(200, '{"total": 4, "incidents": [{"incident_'),
      jsonResponse(200, { total: 4, incidents: [incident(3), incident(4)] }),
    ]);
    await stream.next();
    stream.prefetch();
    await settle();
    // Read, but not parsed: the unparsable answer has not been found out yet, so no retry went out.
    expect(pageCalls()).toBe(2);
    const second = await stream.next();
    expect(pageCalls()).toBe(3);
    expect(second.kind === 'page' && second.page.incidents.map((r) => r.incident_uid)).toEqual([
      'uid-3',
      'uid-4',
    ]);
    expect(second.kind === 'page' && second.page.retries).toBe(1);
    await stream.close();
  });

  it('an error answer to the prefetch is retried at once, without waiting for the caller', async () => {
    const { stream, pageCalls } = api([
      jsonResponse(200, { total: 4, next: 2, incidents: [incident(1), incident(2)] }),
      jsonResponse(503, { message: 'busy' }),
      jsonResponse(200, { total: 4, incidents: [incident(3), incident(4)] }),
    ]);
    await stream.next();
    stream.prefetch();
    await settle();
    expect(pageCalls()).toBe(3);
    const second = await stream.next();
    expect(second.kind === 'page' && second.page.incidents).toHaveLength(2);
    await stream.close();
  });

  it('closing the stream while a prefetched page waits to be taken ends at once', async () => {
    const { stream, pageCalls } = api([
      jsonResponse(200, { total: 4, next: 2, incidents: [incident(1), incident(2)] }),
      jsonResponse(200, { total: 4, incidents: [incident(3), incident(4)] }),
    ]);
    await stream.next();
    stream.prefetch();
    await settle();
    expect(pageCalls()).toBe(2);
    const closed = await Promise.race([
      stream.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 2_000)),
    ]);
    expect(closed).toBe('closed');
  });
});
