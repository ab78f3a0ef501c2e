import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../shared/ports/clock.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { LocalSink } from '../../../shared/sink/local.ts';

const clock: Clock = { now: () => Date.parse('2024-06-01T12:00:00.000Z'), sleep: async () => {} };

function doc(id: string, timestamp: string, dataset: OutputDocument['dataset'] = 'incident'): OutputDocument {
  return {
    id,
    dataset,
    timestamp,
    doc: { '@timestamp': timestamp, message: `doc ${id}`, symantec_edr_cloud: { doc_id: id } },
  };
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

async function readLines(path: string): Promise<string> {
  return gunzipSync(await readFile(path)).toString('utf8');
}

describe('Module: LocalSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a partition directory once, and again when it was removed between writes', async () => {
    const sink = new LocalSink({ dir, clock });
    await sink.write([doc('a', '2024-05-01T10:00:00.000Z')]);
    // Someone cleans the output while the sink runs: the next write must not fail on the cached directory.
    await rm(join(dir, 'incident'), { recursive: true, force: true });
    const result = await sink.write([doc('b', '2024-05-01T11:00:00.000Z')]);
    expect(result).toEqual({ written: 1, quarantined: 0, retries: 0 });
    await sink.write([doc('c', '2024-05-01T12:00:00.000Z')]);
    const files = await listFiles(dir);
    expect(files).toHaveLength(2);
    const text = await Promise.all(files.map((f) => readLines(join(dir, f))));
    expect(text.join('')).toContain('doc b');
    expect(text.join('')).toContain('doc c');
  });

  it('writes gzip NDJSON under <dataset>/year=/month=/day= from each document timestamp in UTC', async () => {
    const sink = new LocalSink({ dir, clock });
    const docs = [
      doc('a', '2024-05-01T23:59:59.999Z'),
      // 00:30 at +02:00 is still 30 April in UTC.
      doc('b', '2024-05-01T00:30:00.000+02:00'),
      doc('c', '2024-05-01T10:00:00.000Z', 'event'),
      doc('d', '2024-05-01T01:00:00.000Z'),
    ];

    const result = await sink.write(docs);

    expect(result).toEqual({ written: 4, quarantined: 0, retries: 0 });
    const files = await listFiles(dir);
    expect(files).toHaveLength(3);
    expect(files.map((f) => f.replace(/[^/]+$/, ''))).toEqual([
      'event/year=2024/month=05/day=01/',
      'incident/year=2024/month=04/day=30/',
      'incident/year=2024/month=05/day=01/',
    ]);
    for (const f of files) expect(f).toMatch(/\/ses-20240601T120000Z-[0-9a-f]{8}-\d{6}\.json\.gz$/);
    const may1 = await readLines(join(dir, files[2]!));
    expect(may1).toBe(`${JSON.stringify(docs[0]!.doc)}\n${JSON.stringify(docs[3]!.doc)}\n`);
    expect(await readLines(join(dir, files[1]!))).toBe(`${JSON.stringify(docs[1]!.doc)}\n`);
  });

  it('writes a new uniquely named file for every write() and leaves no temp files', async () => {
    const sink = new LocalSink({ dir, clock });
    const other = new LocalSink({ dir, clock });

    await sink.write([doc('a', '2024-05-01T01:00:00.000Z')]);
    await sink.write([doc('b', '2024-05-01T02:00:00.000Z')]);
    await other.write([doc('c', '2024-05-01T03:00:00.000Z')]);
    await sink.close();

    const files = await listFiles(dir);
    expect(files).toHaveLength(3);
    expect(new Set(files).size).toBe(3);
    expect(files.every((f) => f.endsWith('.json.gz') && !f.includes('/.'))).toBe(true);
    const all = (await Promise.all(files.map((f) => readLines(join(dir, f))))).join('');
    expect(
      all
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).symantec_edr_cloud.doc_id)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('ends every record with a newline even when a value contains newlines', async () => {
    const sink = new LocalSink({ dir, clock });
    const d = doc('a', '2024-05-01T01:00:00.000Z');
    d.doc.message = 'line one\nline two';

    await sink.write([d, doc('b', '2024-05-01T01:00:00.000Z')]);

    const [file] = await listFiles(dir);
    const text = await readLines(join(dir, file!));
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(3);
    expect(JSON.parse(text.split('\n')[0]!).message).toBe('line one\nline two');
  });

  it('writes nothing for an empty batch', async () => {
    const sink = new LocalSink({ dir, clock });

    expect(await sink.write([])).toEqual({ written: 0, quarantined: 0, retries: 0 });
    expect(await listFiles(dir)).toEqual([]);
  });

  it('partitions a document with an unparsable timestamp by the write time rather than dropping it', async () => {
    const sink = new LocalSink({ dir, clock });

    await sink.write([doc('a', 'not a date')]);

    expect((await listFiles(dir))[0]).toMatch(/^incident\/year=2024\/month=06\/day=01\//);
  });

  it('quarantines a document that cannot be serialised instead of failing the batch', async () => {
    const sink = new LocalSink({ dir, clock });
    const bad = doc('bad', '2024-05-01T01:00:00.000Z');
    bad.doc.count = 10n;

    const result = await sink.write([bad, doc('ok', '2024-05-01T01:00:00.000Z')]);

    expect(result).toEqual({ written: 1, quarantined: 1, retries: 0 });
    const files = await listFiles(dir);
    const quarantineFile = files.find((f) => f.startsWith('quarantine/year=2024/month=06/day=01/'));
    expect(quarantineFile).toBeDefined();
    const q = JSON.parse(await readLines(join(dir, quarantineFile!)));
    expect(q.error.message).toContain('bad');
    expect(q.event.kind).toBe('pipeline_error');
    expect(q.symantec_edr_cloud.quarantine.original_doc_id).toBe('bad');
    // The one safeStringify writes a bigint as its digits (canonical JSON).
    expect(q.event.original).toContain('"count":10');
  });

  it("writes exactly each write's documents when writes overlap and when later writes reuse their buffers", async () => {
    const sink = new LocalSink({ dir, clock });
    // Large enough that each file's bytes regrow past the first buffer, two days per write.
    const batch = (tag: string) =>
      Array.from({ length: 300 }, (_, i) => {
        const d = doc(`${tag}-${i}`, `2024-05-0${1 + (i % 2)}T10:00:00.000Z`);
        (d.doc as { message: string }).message = `${tag}`.repeat(200 + i);
        return d;
      });
    const batches = ['a', 'b', 'c', 'd'].map(batch);

    await Promise.all([sink.write(batches[0]!), sink.write(batches[1]!)]);
    await sink.write(batches[2]!);
    await sink.write(batches[3]!);

    const lines = (await Promise.all((await listFiles(dir)).map((f) => readLines(join(dir, f)))))
      .flatMap((text) => text.trim().split('\n'))
      .sort();
    expect(lines).toEqual(
      batches
        .flat()
        .map((d) => JSON.stringify(d.doc))
        .sort(),
    );
  });

  it('fails with a SinkError naming the path when the directory cannot be written', async () => {
    // A regular file where the output directory should be: mkdir fails with ENOTDIR.
    await writeFile(join(dir, 'blocker'), 'x');
    const sink = new LocalSink({ dir: join(dir, 'blocker', 'out'), clock });

    await expect(sink.write([doc('a', '2024-05-01T01:00:00.000Z')])).rejects.toMatchObject({
      kind: 'sink',
      message: expect.stringContaining(join(dir, 'blocker/out/incident/year=2024/month=05/day=01/')),
    });
  });
});
