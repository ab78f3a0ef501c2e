import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DocBuilder, formatMac } from '../../../../shared/normalize/telemetry/builder.ts';

/** Elastic's MAC normalisation, spelled out: ':' and '.' → '-', a-z → A-Z, nothing else changes. */
function macSpec(v: string): string {
  let out = '';
  for (const ch of v) out += ch === ':' || ch === '.' ? '-' : ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
  return out;
}

describe('DocBuilder', () => {
  it('removes exactly the ses values copied to ECS fields, document after document (sources are per document)', () => {
    const first = new DocBuilder({ a: 'x', b: { c: 'y', d: 'z' }, e: 'w' });
    first.copy('one', 'a');
    first.copy('two.three', 'b.c');
    first.add('list', 'w', 'e');
    expect(first.finish(false)).toEqual({ b: { d: 'z' } });
    expect(first.doc).toEqual({ one: 'x', two: { three: 'y' }, list: ['w'] });
    // The next document sets none of those paths: nothing of it is removed.
    const second = new DocBuilder({ a: 'x', b: { c: 'y' }, e: 'w' });
    second.set('one', 'other');
    expect(second.finish(false)).toEqual({ a: 'x', b: { c: 'y' }, e: 'w' });
  });

  it('a value overwritten later keeps its ses field (only the last source of a path goes)', () => {
    const b = new DocBuilder({ device_ip: '10.0.0.1', connection: { src_ip: '10.0.0.2' } });
    b.copy('source.ip', 'device_ip');
    b.copy('source.ip', 'connection.src_ip');
    expect(b.finish(false)).toEqual({ device_ip: '10.0.0.1' });
  });

  it('refuses to go on once another document was started (the normalizer then quarantines the event)', () => {
    const first = new DocBuilder({ a: 'x' });
    first.copy('one', 'a');
    const second = new DocBuilder({ a: 'y' });
    expect(() => first.copy('two', 'a')).toThrow(/another document was started/);
    expect(() => first.finish(false)).toThrow(/another document was started/);
    second.copy('one', 'a');
    expect(second.finish(false)).toEqual({});
  });

  it('formatMac: exactly the spec for any text (non-ASCII untouched: no locale upper-casing), repeats included', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('a5:fc:d9:ff:84:1d', 'ab.cd.ef', 'ß:ı.é', 'ǆ-ﬀ', 'A5-FC'),
    );
    fc.assert(
      fc.property(text, text, (a, b) => {
        for (const v of [a, a, b, a]) expect(formatMac(v)).toBe(v === '' ? undefined : macSpec(v));
      }),
      { numRuns: 2000 },
    );
    expect(formatMac(42)).toBeUndefined();
  });
});
