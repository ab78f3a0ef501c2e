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

// A path of characters the WHATWG parser keeps as they are (no percent-encoding, no rewriting):
// A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ and the separator /.
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

// The last host name the hand split accepted, with its `scheme://host/` prefix: the incident URLs
// of a tenant share it, so the host is checked once.
let lastPrefix = '';
let lastHost = '';

/**
 * The incident URL's usual shape, `http(s)://host/path` with a lower-case ASCII host name and a path
 * of plain characters, split by hand: the same parts as `whatwgUrl`, several times faster.
 * Undefined for anything else (user info, port, query, fragment, IP or punycode host, upper case,
 * percent signs, dot segments, no path, …): the WHATWG parser takes those.
 */
function simpleUrl(s: string): EcsDocument | undefined {
  let host: string;
  let pathStart: number;
  if (lastPrefix !== '' && s.startsWith(lastPrefix)) {
    host = lastHost;
    pathStart = lastPrefix.length - 1;
  } else {
    const hostStart = s.startsWith('https://') ? 8 : s.startsWith('http://') ? 7 : -1;
    if (hostStart < 0) return undefined;
    const end = hostEnd(s, hostStart);
    if (end < 0) return undefined;
    host = s.slice(hostStart, end);
    pathStart = end;
    lastPrefix = s.slice(0, end + 1);
    lastHost = host;
  }
  const path = s.slice(pathStart);
  if (!PLAIN_PATH.test(path) || (path.includes('/.') && hasDotSegment(path))) return undefined;
  const out: EcsDocument = { domain: host };
  const ext = extensionOf(path);
  if (ext !== undefined) out['extension'] = ext;
  out['original'] = s;
  out['path'] = path;
  out['scheme'] = s.charCodeAt(4) === 115 ? 'https' : 'http';
  return out;
}

/**
 * Index of the '/' ending a plain host name that starts at `i`: labels of a-z 0-9 -, none empty, no
 * punycode (`xn--`), the last one starting with a letter (else it could be read as IPv4, `0x7f`,
 * `1.2.3.4`); -1 otherwise, or when no '/' follows.
 */
function hostEnd(s: string, i: number): number {
  const n = s.length;
  let labelStart = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 47) break; // '/'
    if (c === 46) {
      if (i === labelStart) return -1;
      labelStart = i + 1;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return -1;
    else if (i === labelStart && c === 120 && s.startsWith('xn--', i)) return -1;
  }
  if (i === n || i === labelStart) return -1;
  const first = s.charCodeAt(labelStart);
  return first < 97 || first > 122 ? -1 : i;
}

/** A '.' or '..' segment, which the WHATWG parser resolves. */
function hasDotSegment(path: string): boolean {
  for (const seg of path.split('/')) if (seg === '.' || seg === '..') return true;
  return false;
}
