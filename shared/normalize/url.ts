/**
 * ECS url.* parts of a URL, as Elastic's uri_parts processor writes them (user info is left out:
 * credentials have no place in a document).
 */
import type { EcsDocument } from '../ports/document.ts';

export function parseUrl(original: string): EcsDocument | undefined {
  let u: URL;
  try {
    u = new URL(original);
  } catch {
    return undefined;
  }
  const out: EcsDocument = {};
  const host = u.hostname;
  if (host !== '') out['domain'] = host.startsWith('[') ? host.slice(1, -1) : host;
  const path = u.pathname;
  if (path !== '') {
    const last = path.slice(path.lastIndexOf('/') + 1);
    const dot = last.lastIndexOf('.');
    if (dot > 0 && dot < last.length - 1) out['extension'] = last.slice(dot + 1);
  }
  if (u.hash.length > 1) out['fragment'] = u.hash.slice(1);
  out['original'] = original;
  if (path !== '') out['path'] = path;
  if (u.port !== '') out['port'] = Number(u.port);
  if (u.search.length > 1) out['query'] = u.search.slice(1);
  out['scheme'] = u.protocol.endsWith(':') ? u.protocol.slice(0, -1) : u.protocol;
  return out;
}
