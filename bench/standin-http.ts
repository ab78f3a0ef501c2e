/** The reply both benchmark stand-in APIs send (bench/standin.ts, bench/stream-standin.ts). */
import type { ServerResponse } from 'node:http';

/** A whole response with its length: `body` is already serialized. */
export function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
