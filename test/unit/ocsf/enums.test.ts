import { describe, expect, it } from 'vitest';
import {
  ACTION,
  DETECTION_STATUS,
  DISPOSITION,
  ENUM_TABLES,
  type EnumTable,
  EVENT_STATUS,
  FILE_TYPE,
  INCIDENT_ACTIVITY,
  INCIDENT_STATUS,
  OS_TYPE,
  PRIORITY,
  SEVERITY,
  translate,
  VERDICT,
} from '../../../shared/ocsf/enums.ts';
import { readTsv } from './helpers.ts';

const enums = readTsv('enums.tsv');

/** OCSF captions of an attribute in the reference: class attributes by class, object enums under `*`. */
function referenceCaptions(classUid: string, attribute: string): Map<number, string> {
  return new Map(
    enums
      .filter((r) => r['class_uid'] === classUid && r['attribute'] === attribute)
      .map((r) => [Number(r['id']), r['caption'] as string]),
  );
}

const WHERE: Record<string, [string, string]> = {
  severity: ['2004', 'severity_id'],
  incidentActivity: ['2004', 'activity_id'],
  detectionStatus: ['2004', 'status_id'],
  incidentStatus: ['2005', 'status_id'],
  eventStatus: ['1007', 'status_id'],
  disposition: ['2004', 'disposition_id'],
  action: ['2004', 'action_id'],
  osType: ['*', 'os.type_id'],
  fileType: ['*', 'file.type_id'],
  malwareClassification: ['*', 'malware.classification_ids'],
  direction: ['*', 'network_connection_info.direction_id'],
  verdict: ['2005', 'verdict_id'],
  priority: ['2005', 'priority_id'],
  processActivity: ['1007', 'activity_id'],
  fileActivity: ['1001', 'activity_id'],
  moduleActivity: ['1005', 'activity_id'],
  registryKeyActivity: ['201001', 'activity_id'],
  registryValueActivity: ['201002', 'activity_id'],
  networkActivity: ['4001', 'activity_id'],
  authenticationActivity: ['3002', 'activity_id'],
  logonType: ['3002', 'logon_type_id'],
};

describe('OCSF enum tables', () => {
  it.each(Object.entries(ENUM_TABLES))(
    '%s: every OCSF caption and every target id is the OCSF 1.1.0 one',
    (name, table) => {
      const where = WHERE[name];
      expect(where, `say where ${name} lives in enums.tsv`).toBeDefined();
      const ref = referenceCaptions(...(where as [string, string]));
      expect(ref.size).toBeGreaterThan(0);
      for (const [id, caption] of Object.entries(table.captions))
        expect(ref.get(Number(id)), `${name} ${id}`).toBe(caption);
      for (const to of Object.values(table.map)) expect(ref.has(to), `${name} maps to ${to}`).toBe(true);
    },
  );

  it('never passes an id through: a source id outside the table becomes 99 Other with the Symantec caption', () => {
    expect(translate(OS_TYPE, 999)).toEqual({
      id: 99,
      caption: 'Symantec device_os_type_id 999',
      other: true,
    });
    expect(translate(FILE_TYPE, 3)).toEqual({ id: 99, caption: 'Hard Link', other: true });
    expect(translate(DETECTION_STATUS, 3)).toEqual({ id: 99, caption: 'On Hold', other: true });
    expect(translate(INCIDENT_ACTIVITY, 8078)).toEqual({
      id: 99,
      caption: 'Incident Associate',
      other: true,
    });
    expect(translate(EVENT_STATUS, 4)).toEqual({ id: 99, caption: 'Partial Success', other: true });
  });

  it('reads ids given as numeric text and ignores what is not an id', () => {
    expect(translate(SEVERITY, '4')?.id).toBe(4);
    expect(translate(SEVERITY, undefined)).toBeUndefined();
    expect(translate(SEVERITY, 'high')).toBeUndefined();
    expect(translate(SEVERITY, 4.5)).toBeUndefined();
  });
});

describe('The traps between ICD and OCSF numbering', () => {
  const t = (table: EnumTable, id: number) => translate(table, id);

  it('disposition: ICD 1 Blocked is OCSF 2 Blocked, ICD 2 Allowed is OCSF 1 Allowed', () => {
    expect(t(DISPOSITION, 1)).toMatchObject({ id: 2, caption: 'Blocked' });
    expect(t(DISPOSITION, 2)).toMatchObject({ id: 1, caption: 'Allowed' });
    expect(t(DISPOSITION, 12)).toMatchObject({ id: 3, caption: 'Quarantined' });
    expect(t(DISPOSITION, 14)).toMatchObject({ id: 15, caption: 'Detected' });
    expect(t(ACTION, 1)).toMatchObject({ id: 2, caption: 'Denied' });
    expect(t(ACTION, 2)).toMatchObject({ id: 1, caption: 'Allowed' });
  });

  it('OS type: ICD 300 Solaris is OCSF 400, ICD 400 Macintosh is OCSF 300 macOS', () => {
    expect(t(OS_TYPE, 300)).toMatchObject({ id: 400, caption: 'Solaris' });
    expect(t(OS_TYPE, 400)).toMatchObject({ id: 300, caption: 'macOS' });
    expect(t(OS_TYPE, 501)).toMatchObject({ id: 201, caption: 'Android' });
    expect(t(OS_TYPE, 100)).toMatchObject({ id: 100, caption: 'Windows' });
  });

  it('resolution → verdict: same captions, other numbers (ICD 3 False positive is OCSF 1)', () => {
    expect(t(VERDICT, 3)).toMatchObject({ id: 1, caption: 'False Positive' });
    expect(t(VERDICT, 1)).toMatchObject({ id: 7, caption: 'Insufficient Data' });
    expect(t(VERDICT, 4)).toMatchObject({ id: 9, caption: 'Managed Externally' });
  });

  it('file type: ICD 6 Symbolic Link is OCSF 7, ICD 7 Named Pipe is OCSF 6', () => {
    expect(t(FILE_TYPE, 6)).toMatchObject({ id: 7, caption: 'Symbolic Link' });
    expect(t(FILE_TYPE, 7)).toMatchObject({ id: 6, caption: 'Named Pipe' });
  });

  it('state: Incident Finding keeps the ICD numbers, Detection Finding has Suppressed where ICD has On Hold', () => {
    for (const id of [0, 1, 2, 3, 4, 5]) expect(t(INCIDENT_STATUS, id)?.id).toBe(id);
    expect(t(DETECTION_STATUS, 3)?.id).toBe(99);
    expect(t(DETECTION_STATUS, 5)).toMatchObject({ id: 99, caption: 'Closed' });
    expect(t(DETECTION_STATUS, 4)).toMatchObject({ id: 4, caption: 'Resolved' });
  });

  it('priority: ICD Informational/Normal are OCSF Low/Medium', () => {
    expect(t(PRIORITY, 1)).toMatchObject({ id: 1, caption: 'Low' });
    expect(t(PRIORITY, 2)).toMatchObject({ id: 2, caption: 'Medium' });
  });
});
