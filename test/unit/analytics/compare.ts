/**
 * Rows made comparable across engines: integers stay exact; fractional numbers (averages, rates)
 * are rounded to 9 significant digits, since summation order may differ in the last bits.
 */
export function comparable(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v,
      ]),
    ),
  );
}
