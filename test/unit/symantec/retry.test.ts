import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../shared/symantec/retry.ts';

describe('Module: symantec/retry', () => {
  describe('parseRetryAfter', () => {
    const now = Date.parse('2026-03-01T12:00:00.000Z');

    it('reads delta-seconds as milliseconds', () => {
      expect(parseRetryAfter('120', now)).toBe(120_000);
      expect(parseRetryAfter('0', now)).toBe(0);
      expect(parseRetryAfter(' 3 ', now)).toBe(3000);
    });

    it('reads an HTTP date as the time left until it', () => {
      expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    });

    it('treats an HTTP date in the past as "retry now"', () => {
      expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    });

    it('ignores absent, empty and unparseable values', () => {
      expect(parseRetryAfter(null, now)).toBeUndefined();
      expect(parseRetryAfter(undefined, now)).toBeUndefined();
      expect(parseRetryAfter('', now)).toBeUndefined();
      expect(parseRetryAfter('soon', now)).toBeUndefined();
      expect(parseRetryAfter('-5', now)).toBeUndefined();
    });
  });

  describe('backoffDelay (full jitter)', () => {
    const options = { baseMs: 500, maxMs: 8000 };

    it('draws between 0 and base * 2^(retry-1)', () => {
      // Prepare: the extremes of the random draw
      const low = () => 0;
      const high = () => 0.999999;
      // Act + Assess
      expect(backoffDelay(1, options, low)).toBe(0);
      expect(backoffDelay(1, options, high)).toBe(499);
      expect(backoffDelay(2, options, high)).toBe(999);
      expect(backoffDelay(4, options, high)).toBe(3999);
    });

    it('never exceeds the maximum, however many retries', () => {
      for (let retry = 1; retry <= 30; retry++) {
        const d = backoffDelay(retry, options, () => 0.999999);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(options.maxMs);
      }
      expect(backoffDelay(30, options, () => 0.5)).toBe(4000);
    });

    it('waits at least what Retry-After asks, plus at most one second of jitter', () => {
      expect(backoffDelay(1, options, () => 0, 7000)).toBe(7000);
      expect(backoffDelay(1, options, () => 0.999999, 7000)).toBe(7499);
      expect(backoffDelay(1, { baseMs: 5000, maxMs: 8000 }, () => 0.999999, 0)).toBe(999);
    });

    it('caps a huge Retry-After', () => {
      expect(backoffDelay(1, options, () => 0, 10 * 3_600_000)).toBe(MAX_RETRY_AFTER_MS);
    });
  });
});
