/**
 * Commander argument parsers for numeric flags: each names its flag and the accepted range in the
 * error, so `ses-connector … --flag bad` says what to give instead.
 */
import { InvalidArgumentError } from 'commander';

/** An integer in [min, max]. */
export function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer between ${min} and ${max}`);
    return n;
  };
}

/** A finite number in [min, max]. */
export function number(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a number between ${min} and ${max}`);
    return n;
  };
}
