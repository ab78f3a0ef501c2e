/**
 * IP checks for the "embargoed locations" rule: CIDR membership, private ranges, and country lookup with
 * the offline `geoip-country` package.
 *
 * geoip-country reads `data/geoip-country.dat` and `geoip-country6.dat` (~8 MB) from its own package
 * folder at load time. It is therefore imported lazily, only when a country list is configured, and
 * through a non-literal specifier so esbuild never bundles it: the Lambda bundle must ship the package
 * as a node module (NodejsFunction `bundling.nodeModules: ['geoip-country']`), see docs/monitors.md.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../errors.ts';

/** Resolves an IP to an ISO 3166-1 alpha-2 country code, or undefined when unknown. */
export type CountryLookup = (ip: string) => string | undefined;

const PRIVATE_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const PRIVATE_V6 = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;

const privateRanges = new BlockList();
for (const [net, bits] of PRIVATE_V4) privateRanges.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of PRIVATE_V6) privateRanges.addSubnet(net, bits, 'ipv6');

/** `::ffff:203.0.113.9` → `203.0.113.9`; other addresses unchanged. */
export function canonicalIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip.trim());
  return m?.[1] ?? ip.trim();
}

/** Private, loopback, link-local, CGNAT, multicast and reserved addresses: never geolocated. */
export function isPrivateIp(ip: string): boolean {
  const a = canonicalIp(ip);
  const family = isIP(a);
  if (family === 0) return false;
  return privateRanges.check(a, family === 4 ? 'ipv4' : 'ipv6');
}

/** A compiled CIDR list; `match` returns the first block containing the IP. */
export class CidrMatcher {
  private readonly blocks: { cidr: string; list: BlockList }[] = [];

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [addr = '', bitsText = ''] = cidr.split('/');
      const family = isIP(addr);
      const bits = Number(bitsText);
      if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
        throw new ConfigError(`rules.embargoedLocation.cidrs: "${cidr}" is not a CIDR block`, {
          action: 'Use the form 203.0.113.0/24 or 2001:db8::/32',
        });
      }
      const list = new BlockList();
      list.addSubnet(addr, bits, family === 4 ? 'ipv4' : 'ipv6');
      this.blocks.push({ cidr, list });
    }
  }

  get size(): number {
    return this.blocks.length;
  }

  match(ip: string): string | undefined {
    const a = canonicalIp(ip);
    const family = isIP(a);
    if (family === 0) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    return this.blocks.find((b) => b.list.check(a, type))?.cidr;
  }
}

let geoip: Promise<CountryLookup> | undefined;

/** Loads geoip-country once per process (it reads ~8 MB of data files). */
export function loadGeoipCountry(): Promise<CountryLookup> {
  geoip ??= (async () => {
    const specifier = 'geoip-country';
    let mod: { lookup?: unknown; default?: { lookup?: unknown } };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (cause) {
      geoip = undefined;
      throw new ConfigError(
        'rules.embargoedLocation.countries is set but the geoip-country package (and its data files) cannot be loaded',
        {
          action:
            'Ship geoip-country with the function (bundling.nodeModules: ["geoip-country"]), or use rules.embargoedLocation.cidrs only',
          cause,
        },
      );
    }
    const lookup = (mod.default?.lookup ?? mod.lookup) as (ip: string) => { country?: string } | null;
    return (ip: string) => {
      const hit = lookup(ip);
      return typeof hit?.country === 'string' && hit.country !== '' ? hit.country : undefined;
    };
  })();
  return geoip;
}
