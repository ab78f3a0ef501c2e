import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, REFERENCE, REPO } from './helpers.ts';

const BIN = join(REPO, 'bin', 'ses-connector.js');

/** The parts of an output document these tests read. */
interface Doc {
  data_stream: { dataset: string; namespace: string };
  event: { original?: string };
  error: { message: string };
  symantec_edr_cloud: { doc_id: string };
}

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, 'normalize', ...args], {
    cwd: REPO,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return { status: r.status, stderr: r.stderr, docs: lines.map((l) => JSON.parse(l) as Doc) };
}

describe('Module: normalize CLI', () => {
  let dir: string;
  let file: string;
  const elasticLine = readFileSync(
    join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson'),
    'utf8',
  ).trim();
  const withEvent = readFileSync(join(FIXTURES, 'sumo-incident-with-sandbox-event.json'), 'utf8');
  // One NDJSON incident, a broken line, a whole response body, and a pretty-printed incident.
  const input = [
    elasticLine,
    '{"incident_uid": "broken", ',
    JSON.stringify({ total: 1, next: 1, incidents: [JSON.parse(withEvent)] }),
    withEvent,
  ].join('\n');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'normalize-cli-'));
    file = join(dir, 'incidents.ndjson');
    writeFileSync(file, input);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('normalizes a file into NDJSON documents on stdout and counts them on stderr', () => {
    const r = run([file]);
    expect(r.status).toBe(0);
    expect(r.docs.map((d) => d.data_stream.dataset)).toEqual([
      'symantec_edr_cloud.incident',
      'symantec_edr_cloud.quarantine',
      'symantec_edr_cloud.incident',
      'symantec_edr_cloud.event',
      'symantec_edr_cloud.incident',
      'symantec_edr_cloud.event',
    ]);
    expect(r.stderr).toContain('normalize: 4 input records -> 3 incident, 2 event, 1 quarantine documents');
    const quarantine = r.docs[1]!;
    expect(quarantine.event.original).toBe('{"incident_uid": "broken", ');
    expect(quarantine.error.message).toContain('line 2 is not valid JSON');
    expect(r.docs[0]!.event.original).toBeUndefined();
    // The same incident from a response body and pretty-printed gives the same document id.
    expect(r.docs[2]!.symantec_edr_cloud.doc_id).toBe(r.docs[4]!.symantec_edr_cloud.doc_id);
    expect(r.docs[3]!.symantec_edr_cloud.doc_id).toBe(r.docs[5]!.symantec_edr_cloud.doc_id);
  });

  it('reads stdin, keeps the original and sets the namespace when asked', () => {
    const r = run(['--keep-original', '--namespace', 'lab'], `${elasticLine}\n`);
    expect(r.status).toBe(0);
    expect(r.docs).toHaveLength(1);
    expect(r.docs[0]!.event.original).toBe(elasticLine);
    expect(r.docs[0]!.data_stream.namespace).toBe('lab');
    expect(r.stderr).toContain('normalize: 1 input records -> 1 incident, 0 event, 0 quarantine documents');
  });

  it('refuses an invalid namespace and names the flag', () => {
    const r = run(['--namespace', 'Bad-Name'], `${elasticLine}\n`);
    // A configuration error exits 2, like any usage error.
    expect(r.status).toBe(2);
    expect(r.docs).toEqual([]);
    expect(r.stderr).toContain('--namespace "Bad-Name" is invalid');
  });
});
