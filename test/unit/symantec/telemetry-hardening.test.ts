import { describe, expect, it } from 'vitest';
import { backfillEvents } from '../../../shared/collector/event-backfill.ts';
import { ingestEventObject } from '../../../shared/collector/event-files.ts';
import { collectStream, streamCheckpointKey } from '../../../shared/collector/stream.ts';
import { createTelemetryDelivery } from '../../../shared/collector/telemetry-compose.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { isConnectorError } from '../../../shared/errors.ts';
import { Redactor } from '../../../shared/logging/redact.ts';
import { MemoryMetrics, MetricNames, silentLogger } from '../../../shared/ports/logger.ts';
import { createEventSearchClient, RequestBudget } from '../../../shared/symantec/event-search.ts';
import { createEventStreamClient } from '../../../shared/symantec/event-stream.ts';
import { ERROR_BODY_CUT_MARK, ERROR_BODY_MAX_BYTES } from '../../../shared/symantec/http.ts';
import { createSymantecClient } from '../../../shared/symantec/index.ts';
import { FakeClock, MemoryCheckpointStore, MemorySink } from '../../helpers/fakes.ts';
import { staticCredentials } from '../../helpers/simulator.ts';
import { testDelivery } from '../../helpers/telemetry-collect.ts';
import { type Answer, jsonResponse, scriptedFetch, tokenResponse } from './scripted-fetch.ts';

/**
 * The endpoint-telemetry sources against the security review's findings (docs/security.md): error
 * bodies are size-capped and redacted before the cut, and invalid UTF-8 is quarantined with where it
 * came from, never delivered altered, with the rest of the batch delivered.
 */
const base = new URL('https://api.sep.securitycloud.symantec.com');
const STREAM = 'stream-1';
const STREAM_PATH = `/v1/event-export/stream/${STREAM}/0`;
const credentials = staticCredentials({ clientId: 'id', clientSecret: 'client-secret-value-0123' });
const MiB = 1024 * 1024;

/** An event as bytes; `bad` puts a lone 0xFF (never valid UTF-8) inside its device_name. */
function eventBytes(uuid: string, bad = false): Buffer {
  const [head, tail] = [
    `{"uuid":"${uuid}","type_id":8001,"log_time":"2026-11-20T12:00:00.000Z","device_name":"host`,
    '"}',
  ];
  return Buffer.concat([Buffer.from(head), bad ? Buffer.from([0xff]) : Buffer.from('-1'), Buffer.from(tail)]);
}
const line = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from('\n')]);
const join = (parts: Buffer[], sep = ',') =>
  Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from(sep), p])));
const streamLine = (events: Buffer[], next: string) =>
  line(Buffer.from('{"events":['), join(events), Buffer.from(`],"next":"${next}"}`));

/** A finite body of `total` bytes streamed in 64 KiB chunks; `sent()` tells how much was pulled. */
function bigBody(total: number) {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      sent += 64 * 1024;
      controller.enqueue(new Uint8Array(64 * 1024).fill(0x61));
    },
  });
  return { body, sent: () => sent };
}

function streamClient(answers: Answer[], over: Partial<Parameters<typeof createEventStreamClient>[0]> = {}) {
  const scripted = scriptedFetch({
    // A second token for the one refresh after a 401.
    '/v1/oauth2/tokens': [tokenResponse('tok-aaaaaaaaaaaa'), tokenResponse('tok-bbbbbbbbbbbb')],
    [STREAM_PATH]: answers,
  });
  const client = createEventStreamClient({
    baseUrl: base,
    credentials,
    fetch: scripted.fetch,
    clock: new FakeClock(Date.parse('2026-11-20T12:05:00.000Z')),
    backoffBaseMs: 1,
    backoffMaxMs: 2,
    maxAttempts: 2,
    random: () => 0.5,
    ...over,
  });
  return { client, calls: scripted.calls };
}

async function openError(client: ReturnType<typeof streamClient>['client']) {
  const error = await client.open({ streamId: STREAM, channel: 0, connectionTimeout: 0, readMs: 5000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConnectorError(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

describe('Event Stream error answers are read as send() reads them: the first 64 KiB, the status decides', () => {
  it('a streamed 8 MiB 400 without Content-Length: a non-retried bad_request naming the status, 64 KiB read', async () => {
    // Prepare: an 8 MiB error page (finite: without a cap the read completes).
    const bodies = [bigBody(8 * MiB), bigBody(8 * MiB)];
    const { client, calls } = streamClient(bodies.map((b) => new Response(b.body, { status: 400 })));
    // Act
    const error = await openError(client);
    // Assess
    expect(error.kind).toBe('bad_request');
    expect(error.message).toContain('with 400');
    expect(error.message).toContain(ERROR_BODY_CUT_MARK.trim());
    expect(calls.filter((c) => c.url.includes(STREAM_PATH))).toHaveLength(1);
    expect(bodies[0]?.sent()).toBeLessThanOrEqual(ERROR_BODY_MAX_BYTES + 2 * 64 * 1024);
  });

  it('a 401 and a 403 declaring 400 MiB: auth (after the one token refresh) and permission, naming the status', async () => {
    const huge = (status: number) =>
      new Response(bigBody(4 * MiB).body, { status, headers: { 'content-length': String(400 * MiB) } });
    const unauthorized = streamClient([huge(401), huge(401), huge(401)]);
    const auth = await openError(unauthorized.client);
    expect(auth.kind).toBe('auth');
    expect(auth.message).toContain('401');
    expect(unauthorized.calls.filter((c) => c.url.includes(STREAM_PATH))).toHaveLength(2);
    const forbidden = streamClient([huge(403), huge(403)]);
    const permission = await openError(forbidden.client);
    expect(permission.kind).toBe('permission');
    expect(permission.message).toContain('403 Forbidden');
    expect(forbidden.calls.filter((c) => c.url.includes(STREAM_PATH))).toHaveLength(1);
  });

  it('a token echoed ahead of a huge 400 is masked, the token run at the cut dropped', async () => {
    const token = `eyJ${'Qk9HVVNfVE9LRU5f'.repeat(40)}`;
    const redactor = new Redactor();
    redactor.add(token);
    // The token, then 8 MiB of token characters: the 64 KiB cut falls inside that run.
    const head = new TextEncoder().encode(`{"message":"bad ${token} `);
    const rest = bigBody(8 * MiB);
    const reader = rest.body.getReader();
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (first) {
          first = false;
          return controller.enqueue(head);
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    });
    const { client } = streamClient([new Response(body, { status: 400 })], { redactor });
    const error = await openError(client);
    expect(error.kind).toBe('bad_request');
    expect(error.message).toContain('[REDACTED]');
    expect(error.message).not.toContain('aaaaaaaa');
    for (let at = 0; at + 16 <= token.length; at += 16)
      expect(error.message).not.toContain(token.slice(at, at + 16));
  });

  it('redacts an echoed token before cutting the error text to 300 characters', async () => {
    const token = `eyJ${'Qk9HVVNfVE9LRU5f'.repeat(40)}`;
    const redactor = new Redactor();
    redactor.add(token);
    const { client } = streamClient(
      [jsonResponse(400, { message: `${'x'.repeat(250)} bad token ${token}` })],
      { redactor },
    );
    const error = await openError(client);
    expect(error.kind).toBe('bad_request');
    expect(error.message).toContain('[REDACTED]');
    for (let at = 0; at + 16 <= token.length; at += 16)
      expect(error.message).not.toContain(token.slice(at, at + 16));
  });

  it('the token and event search paths refuse a declared oversized body too', async () => {
    const huge = () => new Response('{}', { status: 200, headers: { 'content-length': String(400 * MiB) } });
    const token = createSymantecClient({
      baseUrl: base,
      credentials,
      fetch: scriptedFetch({ '/v1/oauth2/tokens': [huge(), huge()] }).fetch,
      backoffBaseMs: 1,
      maxAttempts: 2,
    });
    const search = createEventSearchClient({
      baseUrl: base,
      credentials,
      fetch: scriptedFetch({ '/v1/oauth2/tokens': [tokenResponse()], '/v1/event-search': [huge(), huge()] })
        .fetch,
      backoffBaseMs: 1,
      maxAttempts: 2,
    });
    const q = { startDate: new Date(0), endDate: new Date(1000), offset: 0, limit: 10 };
    const errors = await Promise.all([
      token.tokenSource.getToken().catch((e: unknown) => e),
      search.search(q).catch((e: unknown) => e),
    ]);
    for (const e of errors) {
      expect((e as { kind?: string }).kind).toBe('invalid_response');
      expect(String((e as Error).message)).toContain('bytes (Content-Length)');
    }
  });
});

const reasonsOf = (sink: MemorySink) =>
  sink.docs
    .filter((d) => d.dataset === 'quarantine')
    .map((d) => String((d.doc as { reason?: string }).reason));
const eventIds = (sink: MemorySink) => sink.docs.filter((d) => d.dataset === 'event').map((d) => d.id);

describe('Invalid UTF-8 in telemetry is quarantined with its origin, the rest delivered', () => {
  it('Event Stream: the event with the bad bytes is quarantined with line, stream, channel and cursor; the cursor moves on', async () => {
    // Prepare: line 1 holds a clean and a broken event, line 2 a clean one; then caught up (204).
    const body = Buffer.concat([
      streamLine([eventBytes('s-1'), eventBytes('s-2', true)], 'c1'),
      streamLine([eventBytes('s-3')], 'c2'),
    ]);
    const { client } = streamClient([
      new Response(body, { status: 200 }),
      new Response(null, { status: 204 }),
    ]);
    const store = new MemoryCheckpointStore();
    const sink = new MemorySink();
    const metrics = new MemoryMetrics();
    const clock = new FakeClock(Date.now());
    // Act
    const summary = await collectStream(
      { client, store, delivery: testDelivery(sink, metrics), clock, logger: silentLogger, metrics },
      {
        tenant: 'default',
        streamId: STREAM,
        channels: [0],
        owner: 'test',
        deadline: clock.now() + 60_000,
        connectionTimeout: 0,
        deadlineMarginMs: 1000,
      },
    );
    // Assess
    expect(eventIds(sink).sort()).toEqual(['s-1', 's-3']);
    expect(reasonsOf(sink)).toEqual([
      `line 1 event 1 holds bytes that are not valid UTF-8 (shown as U+FFFD) (stream ${STREAM} channel 0, read from cursor (fresh))`,
    ]);
    expect(summary.quarantined).toBe(1);
    expect(metrics.get(MetricNames.quarantined)).toBe(1);
    expect((await store.load(streamCheckpointKey('default', STREAM, 0)))?.stream?.cursor).toBe('c2');
  });

  it('Data Bucket file: a broken event line and a broken event inside a batch line are quarantined with file and line', async () => {
    const location = 's3://export-bucket/2026/11/20/part-0001.json';
    const body = Buffer.concat([
      line(eventBytes('b-1', true)),
      line(eventBytes('b-2')),
      line(Buffer.from('{"events":['), join([eventBytes('b-3'), eventBytes('b-4', true)]), Buffer.from(']}')),
      line(Buffer.from('{"uuid":"b-5",'), Buffer.from([0xc3, 0x28]), Buffer.from(':1}')),
    ]);
    const sink = new MemorySink();
    const metrics = new MemoryMetrics();
    const result = await ingestEventObject(
      {
        location,
        identity: `${location}#1`,
        body: (async function* () {
          yield body;
        })(),
      },
      { delivery: testDelivery(sink, metrics), tenant: 'default', clock: new FakeClock(0) },
    );
    expect(eventIds(sink).sort()).toEqual(['b-2', 'b-3']);
    expect(reasonsOf(sink).sort()).toEqual([
      `${location} line 1 holds bytes that are not valid UTF-8 (shown as U+FFFD)`,
      `${location} line 3 event 1 holds bytes that are not valid UTF-8 (shown as U+FFFD)`,
      expect.stringMatching(
        new RegExp(`^${location} line 4 is not JSON .* and holds bytes that are not valid UTF-8`),
      ),
    ]);
    expect(result.quarantined).toBe(3);
    expect(metrics.get(MetricNames.quarantined)).toBe(3);
  });

  it('Event Search: the result with the bad bytes is quarantined with its window and offset, the page delivered', async () => {
    const page = Buffer.concat([
      Buffer.from('{"total":3,"next":3,"events":['),
      join([eventBytes('q-1'), eventBytes('q-2', true), eventBytes('q-3')]),
      Buffer.from(']}'),
    ]);
    const clock = new FakeClock(Date.parse('2026-11-20T13:00:00.000Z'));
    const search = createEventSearchClient({
      baseUrl: base,
      credentials,
      clock,
      fetch: scriptedFetch({
        '/v1/oauth2/tokens': [tokenResponse()],
        '/v1/event-search': [new Response(page, { status: 200 })],
      }).fetch,
    });
    const sink = new MemorySink();
    const metrics = new MemoryMetrics();
    const summary = await backfillEvents(
      {
        search,
        store: new MemoryCheckpointStore(),
        delivery: testDelivery(sink, metrics),
        budget: new RequestBudget(500, clock),
        clock,
        logger: silentLogger,
      },
      {
        tenant: 'default',
        since: new Date('2026-11-20T11:00:00.000Z'),
        until: new Date('2026-11-20T12:00:00.000Z'),
        owner: 'test',
        deadline: clock.now() + 60_000,
        deadlineMarginMs: 1000,
      },
    );
    expect(summary.status).toBe('complete');
    expect(eventIds(sink).sort()).toEqual(['q-1', 'q-3']);
    expect(reasonsOf(sink)).toEqual([
      'event-search result 1 holds bytes that are not valid UTF-8 (shown as U+FFFD) (event-search 2026-11-20T11:00:00.000Z → 2026-11-20T12:00:00.000Z offset 0)',
    ]);
    expect(summary.quarantined).toBe(1);
    expect(metrics.get(MetricNames.quarantined)).toBe(1);
  });

  it('the quarantine documents of the real delivery type an event with bad bytes `rejected` (as incidents), a line that is not JSON `invalid_json`', async () => {
    // Prepare: the Data Bucket lines above, delivered by the composed telemetry delivery.
    const location = 's3://export-bucket/2026/11/20/part-0002.json';
    const body = Buffer.concat([
      line(eventBytes('b-1', true)),
      line(Buffer.from('{"events":['), join([eventBytes('b-3'), eventBytes('b-4', true)]), Buffer.from(']}')),
      line(Buffer.from('{"uuid":"b-5",'), Buffer.from([0xc3, 0x28]), Buffer.from(':1}')),
    ]);
    const sink = new MemorySink();
    const delivery = createTelemetryDelivery({
      settings: parseSettings({}),
      sink,
      metrics: new MemoryMetrics(),
      logger: silentLogger,
    });
    // Act
    await ingestEventObject(
      {
        location,
        identity: location,
        body: (async function* () {
          yield body;
        })(),
      },
      { delivery, tenant: 'default', clock: new FakeClock(0) },
    );
    // Assess
    const types = sink.docs
      .filter((d) => d.dataset === 'quarantine')
      .map((d) => {
        const doc = d.doc as { error: { type: string; message: string } };
        return `${doc.error.message.replace(/ \(.*$/, '').replace(`${location} `, '')}: ${doc.error.type}`;
      })
      .sort();
    expect(types).toEqual([
      'line 1 holds bytes that are not valid UTF-8: rejected',
      'line 2 event 1 holds bytes that are not valid UTF-8: rejected',
      'line 3 is not JSON: invalid_json',
    ]);
  });

  it('a valid UTF-8 line that holds a real U+FFFD stays data', async () => {
    const location = 'local.json';
    const body = Buffer.from('{"uuid":"r-1","device_name":"host\uFFFD"}\n');
    const sink = new MemorySink();
    await ingestEventObject(
      {
        location,
        identity: location,
        body: (async function* () {
          yield body;
        })(),
      },
      { delivery: testDelivery(sink), tenant: 'default', clock: new FakeClock(0) },
    );
    expect(eventIds(sink)).toEqual(['r-1']);
  });
});
