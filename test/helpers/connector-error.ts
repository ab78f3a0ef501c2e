import { expect } from 'vitest';
import { ConnectorError } from '../../shared/errors.ts';

/** The ConnectorError `promise` rejects with (fails the test if it resolves or rejects otherwise). */
export async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

/** Every item of an async iterable (a client's pages), in order. */
export async function allOf<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * The ConnectorError reading `items` to the end throws; anything else (no error, or another kind of
 * error, e.g. a RangeError) fails the test with what it was.
 */
export async function iterationFailure(items: AsyncIterable<unknown>): Promise<ConnectorError> {
  const error = await allOf(items).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}
