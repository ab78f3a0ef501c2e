/**
 * ECS url.* parts of a URL, as Elastic's uri_parts processor writes them (user info is left out:
 * credentials have no place in a document).
 */
import type { EcsDocument } from '../ports/document.ts';
import { fastPaths } from './shapes.ts';

export function parseUrl(original: string): EcsDocument | undefined {
  return (fastPaths.on ? simpleUrl(original) : undefined) ?? whatwgUrl(original);
}

/** The reference: the WHATWG parser (`new URL`), for any URL. */
export function whatwgUrl(original: string): EcsDocument | undefined {
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
    const ext = extensionOf(path);
    if (ext !== undefined) out['extension'] = ext;
  }
  if (u.hash.length > 1) out['fragment'] = u.hash.slice(1);
  out['original'] = original;
  if (path !== '') out['path'] = path;
  if (u.port !== '') out['port'] = Number(u.port);
  if (u.search.length > 1) out['query'] = u.search.slice(1);
  out['scheme'] = u.protocol.endsWith(':') ? u.protocol.slice(0, -1) : u.protocol;
  return out;
}

function extensionOf(path: string): string | undefined {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 && dot < last.length - 1 ? last.slice(dot + 1) : undefined;
}

// Path characters the WHATWG parser keeps as they are (no percent-encoding, no rewriting):
// A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ and the separator /.
const PATH_OK = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/") {
  PATH_OK[c.charCodeAt(0)] = 1;
}

/**
 * The incident URL's usual shape, `http(s)://host/path` with a lower-case ASCII host name and a path
 * of plain characters, split by hand: the same parts as `whatwgUrl`, about ten times faster.
 * Undefined for anything else (user info, port, query, fragment, IP or punycode host, upper case,
 * percent signs, dot segments, no path, …): the WHATWG parser takes those.
 */
function simpleUrl(s: string): EcsDocument | undefined {
  let i: number;
  if (s.startsWith('https://')) i = 8;
  else if (s.startsWith('http://')) i = 7;
  else return undefined;
  const n = s.length;
  const hostStart = i;
  let labelStart = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 47) break; // '/'
    if (c === 46) {
      // '.': no empty label (a trailing dot included)
      if (i === labelStart) return undefined;
      labelStart = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return undefined;
    else if (i === labelStart && c === 120 && s.startsWith('xn--', i)) return undefined; // punycode
  }
  if (i === n || i === labelStart) return undefined; // no path, or an empty last label
  // A last label starting with a digit could be read as IPv4 (`1.2.3.4`, `0x7f`).
  const first = s.charCodeAt(labelStart);
  if (first < 97 || first > 122) return undefined;
  const host = s.slice(hostStart, i);
  const pathStart = i;
  let segStart = i + 1;
  for (i++; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 47;
    if (c === 47) {
      // '.' and '..' segments are resolved by the WHATWG parser.
      const len = i - segStart;
      if (len === 1 || len === 2) {
        if (s.charCodeAt(segStart) === 46 && (len === 1 || s.charCodeAt(segStart + 1) === 46))
          return undefined;
      }
      segStart = i + 1;
    } else if (c >= 128 || PATH_OK[c] === 0) return undefined;
  }
  const path = s.slice(pathStart);
  const out: EcsDocument = { domain: host };
  const ext = extensionOf(path);
  if (ext !== undefined) out['extension'] = ext;
  out['original'] = s;
  out['path'] = path;
  out['scheme'] = hostStart === 8 ? 'https' : 'http';
  return out;
}
