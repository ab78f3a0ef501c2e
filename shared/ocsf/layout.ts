/**
 * The Security Lake custom-source layout, identical locally (`./out-ocsf/`) and in the Security Lake
 * bucket: `ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`, one OCSF class per
 * source and per object. Source names are `<prefix>-<class short name>`, at most 20 characters
 * (CreateCustomLogSource keeps `AmazonSecurityLake-Provider-<name>-<region>` under 64).
 */
import type { OcsfClass } from './base.ts';

export const SOURCE_NAME_MAX = 20;

export interface LakeLocation {
  /** Source name prefix (`ses` → `ses-finding`, `ses-process`, ...). */
  sourcePrefix: string;
  /** AWS region of the Security Lake. */
  region: string;
  /** AWS account id, or the external id chosen for the custom source (`external` for non-AWS data). */
  accountId: string;
}

export function sourceName(prefix: string, cls: OcsfClass): string {
  return `${prefix}-${cls.short}`;
}

/** `YYYYMMDD` (UTC) of an epoch-ms time. */
export function eventDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** `ext/<source>/region=<r>/accountId=<a>/eventDay=<YYYYMMDD>/` for one class and day. */
export function lakePrefix(loc: LakeLocation, cls: OcsfClass, day: string): string {
  return `ext/${sourceName(loc.sourcePrefix, cls)}/region=${loc.region}/accountId=${loc.accountId}/eventDay=${day}/`;
}

/** Longest class short name (`regvalue`): the prefix leaves room for it within 20 characters. */
export const LONGEST_SHORT = 8;

/** What is wrong with a location (flag/setting names in the message), or undefined. */
export function lakeLocationProblem(loc: LakeLocation): string | undefined {
  const max = SOURCE_NAME_MAX - LONGEST_SHORT - 1;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(loc.sourcePrefix) || loc.sourcePrefix.length > max)
    return `OCSF source prefix ${JSON.stringify(loc.sourcePrefix)} must be 1-${max} letters, digits, - or _ (source names are <prefix>-<class>, at most ${SOURCE_NAME_MAX} characters)`;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(loc.region))
    return `OCSF region ${JSON.stringify(loc.region)} is not an AWS region name (e.g. us-east-1)`;
  if (!/^(\d{12}|[A-Za-z0-9_-]{1,64})$/.test(loc.accountId))
    return `OCSF account id ${JSON.stringify(loc.accountId)} must be a 12-digit AWS account id or an external id (letters, digits, - or _)`;
  return undefined;
}
