import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../../shared/sink/encode.ts';

describe('LineBuffer', () => {
  it('holds exactly the UTF-8 of the appended strings, through every regrowth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 16 }),
        (texts, initial) => {
          const buffer = new LineBuffer(initial);
          const lengths = texts.map((t) => buffer.append(t));
          expect(lengths).toEqual(texts.map((t) => Buffer.byteLength(t)));
          expect(buffer.length).toBe(Buffer.byteLength(texts.join('')));
          expect(Buffer.compare(buffer.bytes(), Buffer.from(texts.join(''), 'utf8'))).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
