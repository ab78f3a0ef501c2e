import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PARTITION_QUERY,
  S3_PREFIX,
  SUB_RECORD_DELIMITER_BASE64,
} from '../../infra/lib/constructs/delivery.ts';
import { normalizeIncident } from '../../shared/normalize/index.ts';
import { generateIncidents } from '../../shared/simulator/generator.ts';
import { FIREHOSE_LIMITS, FirehoseSink } from '../../shared/sink/firehose.ts';
import { LocalSink } from '../../shared/sink/local.ts';

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const firehose = mockClient(FirehoseClient);
const dirs: string[] = [];
afterAll(() => {
  firehose.restore();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Lines per partition folder of a local-sink output tree (files in name order, lines in order). */
function localLines(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const files = (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.json.gz'))
    .sort();
  for (const file of files) {
    const folder = `${dirname(relative(root, join(root, file)))}/`;
    const text = gunzipSync(readFileSync(join(root, file))).toString('utf8');
    const lines = text.split(/(?<=\n)/);
    out.set(folder, [...(out.get(folder) ?? []), ...lines]);
  }
  return out;
}

/**
 * What the S3 stream does with the records it received: RecordDeAggregation (split on the delimiter),
 * MetadataExtraction (the real JQ query, run by jq), AppendDelimiterToRecord ("\n" after each).
 */
function firehoseToS3(records: string[]): Map<string, string[]> {
  const delimiter = Buffer.from(SUB_RECORD_DELIMITER_BASE64, 'base64').toString('utf8');
  const subRecords = records.flatMap((r) => r.split(delimiter));
  const keys = execFileSync('jq', ['-c', PARTITION_QUERY], {
    input: subRecords.join('\n'),
    maxBuffer: 64 * 1024 * 1024,
  })
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>);
  expect(keys).toHaveLength(subRecords.length);
  const out = new Map<string, string[]>();
  subRecords.forEach((sub, i) => {
    const prefix = S3_PREFIX.replace(/!\{partitionKeyFromQuery:(\w+)\}/g, (_, k: string) => keys[i]![k]!);
    out.set(prefix, [...(out.get(prefix) ?? []), `${sub}\n`]);
  });
  return out;
}

describe('Delivery: aggregated Firehose records land in S3 exactly as without aggregation', () => {
  it('gives the same partitions and the same NDJSON lines as the local sink, for a page with events', async () => {
    if (!hasJq && process.env.CI) throw new Error('jq is not installed: .ci/run installs it with apt-get');
    if (!hasJq) return;
    // Prepare: two days of generated incidents with events, normalized in the default output shape.
    const records = generateIncidents({
      seed: 4242,
      incidents: 400,
      from: Date.UTC(2026, 0, 31, 12),
      to: Date.UTC(2026, 1, 1, 12),
    });
    const docs = records.flatMap((r) =>
      normalizeIncident(r, {
        keepOriginal: false,
        namespace: 'default',
        ingestedAt: '2026-02-02T00:00:00.000Z',
      }),
    );
    expect(docs.length).toBeGreaterThan(1000);
    const sent: string[] = [];
    firehose.reset();
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      const data = (input.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'));
      sent.push(...data);
      return { FailedPutCount: 0, RequestResponses: data.map((_, i) => ({ RecordId: `r${i}` })) };
    });
    const dir = mkdtempSync(join(tmpdir(), 'ses-agg-'));
    dirs.push(dir);

    // Act
    const sink = new FirehoseSink({
      streamName: 'ses-s3',
      client: new FirehoseClient({ region: 'us-east-1' }),
      aggregate: true,
    });
    await sink.write(docs);
    const local = new LocalSink({ dir });
    await local.write(docs);
    await local.close();

    // Assess: far fewer records than documents, each within Firehose's limits.
    expect(sent.length).toBeLessThan(docs.length / 50);
    for (const r of sent) {
      expect(Buffer.byteLength(r)).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerRecord);
      expect(r.split('\n').length).toBeLessThanOrEqual(FIREHOSE_LIMITS.documentsPerRecord);
      expect(r.endsWith('\n')).toBe(false);
    }
    const s3 = firehoseToS3(sent);
    const expected = localLines(dir);
    expect([...s3.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(s3.size).toBeGreaterThanOrEqual(4); // incident and event, on both days
    for (const [prefix, lines] of expected) expect(s3.get(prefix)).toEqual(lines);
  });
});
