import { describe, expect, it } from 'vitest';
import { DocBuilder } from '../../../../shared/normalize/telemetry/builder.ts';

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
});
