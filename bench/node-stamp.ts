/**
 * Every JSON line `npm run bench` relays names the Node that produced it (`"node":"v24.22.3"`, after
 * `bench`): figures move with the V8 version (the Lambda runs Node 24, this machine may run 20), so a
 * line without it cannot be compared. Lines that are not a JSON object pass unchanged.
 */
export function stampNode(line: string, version: string): string {
  if (!line.startsWith('{')) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
  const { bench, ...rest } = parsed as Record<string, unknown>;
  return JSON.stringify(bench === undefined ? { node: version, ...rest } : { bench, node: version, ...rest });
}
