import { describe, expect, it } from 'vitest';
import { splitInput } from '../../../shared/normalize/input.ts';

const inc = (uid: string) => ({ incident_uid: uid, time: 1 });

describe('Module: normalize input splitter', () => {
  it('reads NDJSON incidents and keeps each line as its exact text', () => {
    const items = splitInput('{"incident_uid":"a","time":1}\r\n\n{"incident_uid":"b", "time":2}\n');
    expect(items).toEqual([
      { kind: 'incident', raw: inc('a'), text: '{"incident_uid":"a","time":1}' },
      { kind: 'incident', raw: { incident_uid: 'b', time: 2 }, text: '{"incident_uid":"b", "time":2}' },
    ]);
  });

  it('expands response bodies and arrays into their incidents', () => {
    const body = JSON.stringify({ total: 2, next: 2, incidents: [inc('a'), inc('b')] });
    const items = splitInput(`${body}\n${JSON.stringify([inc('c')])}\n`);
    expect(
      items.map((i) => (i.kind === 'incident' ? (i.raw as { incident_uid: string }).incident_uid : i.kind)),
    ).toEqual(['a', 'b', 'c']);
  });

  it('reads several pretty-printed bodies in a row, with CRLF line ends', () => {
    const pretty = (uid: string) =>
      JSON.stringify(
        { total: 1, incidents: [{ ...inc(uid), message: 'has } and { in "text"' }] },
        null,
        2,
      ).replace(/\n/g, '\r\n');
    const items = splitInput(`${pretty('a')}\r\n${pretty('b')}\r\n`);
    expect(
      items.map((i) => i.kind === 'incident' && (i.raw as { incident_uid: string }).incident_uid),
    ).toEqual(['a', 'b']);
  });

  it('reports a truncated line as invalid and carries on with the next lines', () => {
    const items = splitInput('{"incident_uid":"a",\n{"incident_uid":"b","time":2}\nnot json\n');
    expect(items).toEqual([
      expect.objectContaining({ kind: 'invalid', text: '{"incident_uid":"a",', line: 1 }),
      { kind: 'incident', raw: { incident_uid: 'b', time: 2 }, text: '{"incident_uid":"b","time":2}' },
      expect.objectContaining({ kind: 'invalid', text: 'not json', line: 3 }),
    ]);
  });

  it('returns nothing for empty input', () => {
    expect(splitInput(' \n\n')).toEqual([]);
  });
});
