import { holdsReplacementChar } from '../symantec/schemas.ts';

/** The quarantine reason of an item read from bytes that are not valid UTF-8. */
export const INVALID_UTF8 = 'holds bytes that are not valid UTF-8 (shown as U+FFFD)';

/**
 * Split items decoded from invalid UTF-8 into those untouched by it and those that carry a
 * replacement character: the latter are quarantined (reason and where they came from), never
 * delivered altered, and the rest of the batch is delivered as usual. As for incidents, only items
 * of a body (line, page) that failed the UTF-8 check are looked at, so a real U+FFFD in valid UTF-8
 * stays data.
 */
export function splitInvalidUtf8<T>(
  items: readonly T[],
  where: (index: number) => string,
): { clean: T[]; invalid: { raw: T; reason: string }[] } {
  const clean: T[] = [];
  const invalid: { raw: T; reason: string }[] = [];
  items.forEach((item, index) => {
    if (holdsReplacementChar(item)) invalid.push({ raw: item, reason: `${where(index)} ${INVALID_UTF8}` });
    else clean.push(item);
  });
  return { clean, invalid };
}
