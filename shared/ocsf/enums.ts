/**
 * Every Symantec (ICD) enumeration that reaches an OCSF `*_id` goes through one of these explicit
 * tables: no id is ever passed through, because several look identical and are numbered differently
 * (ICD disposition 1 = Blocked / OCSF 1 = Allowed; ICD OS 300 = Solaris / OCSF 300 = macOS). A source
 * id absent from a table becomes 99 Other with the Symantec caption in the sibling string, so nothing
 * is invented and nothing is lost. docs/ocsf.md is rendered from these tables.
 */

/** OCSF 1.1.0 captions of one enum attribute (checked against the reference enums.tsv in a test). */
export type Captions = Readonly<Record<number, string>>;

export interface EnumTable {
  /** OCSF attribute, as in enums.tsv (`disposition_id`, `os.type_id`). */
  readonly target: string;
  /** Symantec field it is translated from. */
  readonly source: string;
  /** Symantec captions of the source ids (symantec-api.md §6). */
  readonly sourceCaptions: Readonly<Record<number, string>>;
  /** source id → OCSF id. */
  readonly map: Readonly<Record<number, number>>;
  /** OCSF captions of the target attribute. */
  readonly captions: Captions;
  /** Why the table looks the way it does (rendered in the docs). */
  readonly note?: string;
}

export const OTHER = 99;

/** The `id` of telemetry type `typeId` → the `activity_id` of its OCSF class. */
function activityTable(
  typeId: number,
  sourceCaptions: Readonly<Record<number, string>>,
  map: Readonly<Record<number, number>>,
  captions: Captions,
  note?: string,
): EnumTable {
  return {
    target: 'activity_id',
    source: `${typeId} id`,
    sourceCaptions,
    map,
    captions,
    ...(note ? { note } : {}),
  };
}

export interface Translated {
  id: number;
  /** OCSF caption; for 99 Other, the Symantec caption (or `Symantec <field> <id>`). */
  caption: string;
  /** The source id was not in the table. */
  other: boolean;
}

/** Integer value of an id that may come as a number or a numeric string; undefined otherwise. */
export function intOf(raw: unknown): number | undefined {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string' && /^-?\d{1,15}$/.test(raw.trim())) return Number(raw.trim());
  return undefined;
}

/**
 * Translate one source id. Undefined when the source value is absent or not an integer (the caller
 * then leaves the attribute out or uses 0 Unknown where OCSF requires it).
 */
export function translate(table: EnumTable, raw: unknown): Translated | undefined {
  const n = intOf(raw);
  if (n === undefined) return undefined;
  const to = table.map[n];
  if (to !== undefined) return { id: to, caption: table.captions[to] ?? String(to), other: false };
  const caption = table.sourceCaptions[n] ?? `Symantec ${table.source} ${n}`;
  return { id: OTHER, caption, other: true };
}

// ---- OCSF captions (OCSF 1.1.0 enums.tsv) ---------------------------------------------------------

export const SEVERITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
};
export const FINDING_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Create',
  2: 'Update',
  3: 'Close',
  99: 'Other',
};
export const DETECTION_STATUS_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
  99: 'Other',
};
export const INCIDENT_STATUS_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'New',
  2: 'In Progress',
  3: 'On Hold',
  4: 'Resolved',
  5: 'Closed',
  99: 'Other',
};
export const EVENT_STATUS_CAPTIONS: Captions = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };
export const ACTION_CAPTIONS: Captions = { 0: 'Unknown', 1: 'Allowed', 2: 'Denied' };
export const DISPOSITION_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Allowed',
  2: 'Blocked',
  3: 'Quarantined',
  4: 'Isolated',
  5: 'Deleted',
  6: 'Dropped',
  7: 'Custom Action',
  8: 'Approved',
  9: 'Restored',
  10: 'Exonerated',
  11: 'Corrected',
  12: 'Partially Corrected',
  13: 'Uncorrected',
  14: 'Delayed',
  15: 'Detected',
  16: 'No Action',
  17: 'Logged',
  18: 'Tagged',
  19: 'Alert',
  20: 'Count',
  21: 'Reset',
  22: 'Captcha',
  23: 'Challenge',
  24: 'Access Revoked',
  25: 'Rejected',
  26: 'Unauthorized',
  27: 'Error',
  99: 'Other',
};
export const OS_TYPE_CAPTIONS: Captions = {
  0: 'Unknown',
  100: 'Windows',
  101: 'Windows Mobile',
  200: 'Linux',
  201: 'Android',
  300: 'macOS',
  301: 'iOS',
  302: 'iPadOS',
  400: 'Solaris',
  401: 'AIX',
  402: 'HP-UX',
  99: 'Other',
};
export const FILE_TYPE_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Regular File',
  2: 'Folder',
  3: 'Character Device',
  4: 'Block Device',
  5: 'Local Socket',
  6: 'Named Pipe',
  7: 'Symbolic Link',
  99: 'Other',
};
export const MALWARE_CLASSIFICATION_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Adware',
  2: 'Backdoor',
  3: 'Bot',
  4: 'Bootkit',
  5: 'DDOS',
  6: 'Downloader',
  7: 'Dropper',
  8: 'Exploit-Kit',
  9: 'Keylogger',
  10: 'Ransomware',
  11: 'Remote-Access-Trojan',
  13: 'Resource-Exploitation',
  14: 'Rogue-Security-Software',
  15: 'Rootkit',
  16: 'Screen-Capture',
  17: 'Spyware',
  18: 'Trojan',
  19: 'Virus',
  20: 'Webshell',
  21: 'Wiper',
  22: 'Worm',
  99: 'Other',
};
export const DIRECTION_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Inbound',
  2: 'Outbound',
  3: 'Lateral',
  99: 'Other',
};
export const VERDICT_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'False Positive',
  2: 'True Positive',
  3: 'Disregard',
  4: 'Suspicious',
  5: 'Benign',
  6: 'Test',
  7: 'Insufficient Data',
  8: 'Security Risk',
  9: 'Managed Externally',
  10: 'Duplicate',
  99: 'Other',
};
export const PRIORITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Low',
  2: 'Medium',
  3: 'High',
  4: 'Critical',
  99: 'Other',
};
export const FINGERPRINT_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'MD5',
  2: 'SHA-1',
  3: 'SHA-256',
  4: 'SHA-512',
  5: 'CTPH',
  6: 'TLSH',
  7: 'quickXorHash',
  99: 'Other',
};
export const OBSERVABLE_CAPTIONS: Captions = {
  1: 'Hostname',
  2: 'IP Address',
  4: 'User Name',
  7: 'File Name',
  8: 'Hash',
  9: 'Process Name',
};
export const ANALYTIC_TYPE_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Rule',
  2: 'Behavioral',
  3: 'Statistical',
  4: 'Learning (ML/DL)',
  99: 'Other',
};
export const DEVICE_TYPE_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Server',
  2: 'Desktop',
  3: 'Laptop',
  99: 'Other',
};

// ---- Symantec captions (symantec-api.md §6, the ECS normalizer's tables) ---------------------------

const ICD_OUTCOME = {
  0: 'Unknown',
  1: 'Blocked',
  2: 'Allowed',
  3: 'No Action',
  4: 'Logged',
  5: 'Command Script Run',
  6: 'Corrected',
  7: 'Partially Corrected',
  8: 'Uncorrected',
  10: 'Delayed',
  11: 'Deleted',
  12: 'Quarantined',
  13: 'Restored',
  14: 'Detected',
  15: 'Exonerated',
  16: 'Tagged',
} as const;

const ICD_SEVERITY = {
  0: 'Unknown',
  1: 'Information',
  2: 'Warning',
  3: 'Minor',
  4: 'Major',
  5: 'Critical',
  6: 'Fatal',
} as const;

// ---- The translation tables ------------------------------------------------------------------------

/** ICD severity 0-6 is the same ordinal scale as OCSF (Warning/Minor/Major ≈ Low/Medium/High). */
export const SEVERITY: EnumTable = {
  target: 'severity_id',
  source: 'severity_id',
  sourceCaptions: ICD_SEVERITY,
  map: { 0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6 },
  captions: SEVERITY_CAPTIONS,
  note: 'Same ordinal scale (ICD Warning/Minor/Major ≈ OCSF Low/Medium/High); incidents use 3-5 (Minor, Major, Critical).',
};

/** Incident record type → finding activity. */
export const INCIDENT_ACTIVITY: EnumTable = {
  target: 'activity_id',
  source: 'type_id',
  sourceCaptions: {
    8075: 'Incident Creation',
    8076: 'Incident Update',
    8077: 'Incident Closure',
    8078: 'Incident Associate',
  },
  map: { 8075: 1, 8076: 2, 8077: 3 },
  captions: FINDING_ACTIVITY_CAPTIONS,
  note: '8078 Incident Associate has no OCSF activity: 99 Other, activity_name "Incident Associate".',
};

/** ICD state → Detection Finding status (which has Suppressed and no On Hold / Closed). */
export const DETECTION_STATUS: EnumTable = {
  target: 'status_id',
  source: 'state_id',
  sourceCaptions: { 0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'On Hold', 4: 'Resolved', 5: 'Closed' },
  map: { 0: 0, 1: 1, 2: 2, 4: 4 },
  captions: DETECTION_STATUS_CAPTIONS,
  note: 'Detection Finding 3 is Suppressed, not On Hold: ICD 3 On Hold and 5 Closed become 99 Other with status "On Hold" / "Closed".',
};

/** ICD state → Incident Finding status: identical captions and numbers. */
export const INCIDENT_STATUS: EnumTable = {
  target: 'status_id',
  source: 'state_id',
  sourceCaptions: DETECTION_STATUS.sourceCaptions,
  map: { 0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5 },
  captions: INCIDENT_STATUS_CAPTIONS,
};

/** ICD event status → the event classes' status (Success / Failure only). */
export const EVENT_STATUS: EnumTable = {
  target: 'status_id',
  source: 'status_id',
  sourceCaptions: { 0: 'Unknown', 1: 'Success', 2: 'Failure', 3: 'In Progress', 4: 'Partial Success' },
  map: { 0: 0, 1: 1, 2: 2 },
  captions: EVENT_STATUS_CAPTIONS,
};

/** ICD disposition (`id`) → OCSF disposition_id: the same words, numbered differently. */
export const DISPOSITION: EnumTable = {
  target: 'disposition_id',
  source: 'id',
  sourceCaptions: ICD_OUTCOME,
  map: {
    0: 0,
    1: 2,
    2: 1,
    3: 16,
    4: 17,
    5: 7,
    6: 11,
    7: 12,
    8: 13,
    10: 14,
    11: 5,
    12: 3,
    13: 9,
    14: 15,
    15: 10,
    16: 18,
  },
  captions: DISPOSITION_CAPTIONS,
  note: 'ICD 1 = Blocked, 2 = Allowed; OCSF 1 = Allowed, 2 = Blocked. Command Script Run is a Custom Action.',
};

/** ICD disposition (`id`) → OCSF action_id (security_control profile): was the activity let through? */
export const ACTION: EnumTable = {
  target: 'action_id',
  source: 'id',
  sourceCaptions: ICD_OUTCOME,
  map: {
    0: 0,
    1: 2,
    2: 1,
    3: 1,
    4: 1,
    5: 0,
    6: 2,
    7: 2,
    8: 0,
    10: 0,
    11: 2,
    12: 2,
    13: 1,
    14: 1,
    15: 1,
    16: 1,
  },
  captions: ACTION_CAPTIONS,
  note: 'OCSF forbids 99 Other here: an ICD id outside the table gives 0 Unknown.',
};

/** ICD device_os_type_id → OCSF os.type_id: the trap is 300 (ICD Solaris, OCSF macOS). */
export const OS_TYPE: EnumTable = {
  target: 'os.type_id',
  source: 'device_os_type_id',
  sourceCaptions: {
    0: 'Unknown',
    100: 'Windows',
    200: 'Linux',
    300: 'Solaris',
    301: 'AIX',
    302: 'HP-UX',
    400: 'Macintosh',
    500: 'iOS',
    501: 'Android',
    502: 'Windows Mobile',
    503: 'iPadOS',
    1001: 'Other',
  },
  map: {
    0: 0,
    100: 100,
    200: 200,
    300: 400,
    301: 401,
    302: 402,
    400: 300,
    500: 301,
    501: 201,
    502: 101,
    503: 302,
    1001: 99,
  },
  captions: OS_TYPE_CAPTIONS,
  note: 'ICD 300 Solaris → OCSF 400; ICD 400 Macintosh → OCSF 300 macOS; ICD 500 iOS → 301; 501 Android → 201.',
};

/** ICD file.type_id → OCSF file.type_id. */
export const FILE_TYPE: EnumTable = {
  target: 'file.type_id',
  source: 'file.type_id',
  sourceCaptions: {
    1: 'File',
    2: 'Directory',
    3: 'Hard Link',
    4: 'Mount',
    5: 'Node',
    6: 'Symbolic Link',
    7: 'Named Pipe',
    8: 'Socket',
    9: 'Device',
    10: 'Email',
    11: 'Memory File',
    12: 'File in container',
  },
  map: { 0: 0, 1: 1, 2: 2, 6: 7, 7: 6, 8: 5 },
  captions: FILE_TYPE_CAPTIONS,
  note: 'ICD 6 Symbolic Link → 7, 7 Named Pipe → 6, 8 Socket → 5 Local Socket; hard links, mounts, devices, e-mails and memory files are 99 Other.',
};

/** ICD threat.type_id → OCSF malware.classification_ids (one element). */
export const MALWARE_CLASSIFICATION: EnumTable = {
  target: 'malware.classification_ids',
  source: 'threat.type_id',
  sourceCaptions: {
    1: 'Malware',
    2: 'Behavioral',
    3: 'Potentially Unwanted Applications',
    4: 'Exploit',
    5: 'Heuristic',
    6: 'Security Risk',
  },
  map: {},
  captions: MALWARE_CLASSIFICATION_CAPTIONS,
  note: 'No ICD threat type names a malware family OCSF lists (Trojan, Worm, ...): every one is 99 Other with its ICD caption in `classifications`.',
};

/** ICD connection.direction_id → OCSF connection_info.direction_id (same meaning 0/1/2). */
export const DIRECTION: EnumTable = {
  target: 'network_connection_info.direction_id',
  source: 'connection.direction_id',
  sourceCaptions: { 0: 'Unknown', 1: 'Inbound', 2: 'Outbound' },
  map: { 0: 0, 1: 1, 2: 2 },
  captions: DIRECTION_CAPTIONS,
};

/** ICD incident resolution_id → Incident Finding verdict_id: same captions, other numbers. */
export const VERDICT: EnumTable = {
  target: 'verdict_id',
  source: 'resolution_id',
  sourceCaptions: {
    1: 'Insufficient data',
    2: 'Security risk',
    3: 'False positive',
    4: 'Managed externally',
    5: 'Benign',
    6: 'Test',
  },
  map: { 0: 0, 1: 7, 2: 8, 3: 1, 4: 9, 5: 5, 6: 6 },
  captions: VERDICT_CAPTIONS,
  note: 'Only closure records (8077) carry a verdict: creation records come with resolution_id 1 before anyone decided.',
};

/** ICD incident priority_id → Incident Finding priority_id. */
export const PRIORITY: EnumTable = {
  target: 'priority_id',
  source: 'priority_id',
  sourceCaptions: { 0: 'Unknown', 1: 'Informational', 2: 'Normal', 3: 'High', 4: 'Critical' },
  map: { 0: 0, 1: 1, 2: 2, 3: 3, 4: 4 },
  captions: PRIORITY_CAPTIONS,
  note: 'ICD Informational/Normal → OCSF Low/Medium. OCSF 1.1.0 types `priority` as an integer (a schema bug): only priority_id is sent.',
};

// ---- Telemetry activities (ICD `id` of each event type) --------------------------------------------
// ICD publishes the `id` enumeration of 8201 Process History only (1 Launched … 5 Set User ID); the
// 8001/8002/8003/8005/8006/8007 pages are not available (event-apis-ocsf-peers.md §6). These tables use
// the meanings the simulator's telemetry generator assumes; any other id is 99 Other, never passed on.

export const PROCESS_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Launch',
  2: 'Terminate',
  3: 'Open',
  4: 'Inject',
  5: 'Set User ID',
  99: 'Other',
};
export const FILE_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Create',
  2: 'Read',
  3: 'Update',
  4: 'Delete',
  5: 'Rename',
  6: 'Set Attributes',
  7: 'Set Security',
  8: 'Get Attributes',
  9: 'Get Security',
  10: 'Encrypt',
  11: 'Decrypt',
  12: 'Mount',
  13: 'Unmount',
  14: 'Open',
  99: 'Other',
};
export const MODULE_ACTIVITY_CAPTIONS: Captions = { 0: 'Unknown', 1: 'Load', 2: 'Unload', 99: 'Other' };
export const REG_KEY_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Create',
  2: 'Read',
  3: 'Modify',
  4: 'Delete',
  5: 'Rename',
  6: 'Set Security',
  7: 'Restore',
  8: 'Import',
  9: 'Export',
  99: 'Other',
};
export const REG_VALUE_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Get',
  2: 'Set',
  3: 'Modify',
  4: 'Delete',
  99: 'Other',
};
export const NETWORK_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Open',
  2: 'Close',
  3: 'Reset',
  4: 'Fail',
  5: 'Refuse',
  6: 'Traffic',
  99: 'Other',
};
export const AUTH_ACTIVITY_CAPTIONS: Captions = {
  0: 'Unknown',
  1: 'Logon',
  2: 'Logoff',
  3: 'Authentication Ticket',
  4: 'Service Ticket Request',
  5: 'Service Ticket Renew',
  99: 'Other',
};
export const LOGON_TYPE_CAPTIONS: Captions = {
  0: 'System',
  2: 'Interactive',
  3: 'Network',
  4: 'Batch',
  5: 'OS Service',
  7: 'Unlock',
  8: 'Network Cleartext',
  9: 'New Credentials',
  10: 'Remote Interactive',
  11: 'Cached Interactive',
  12: 'Cached Remote Interactive',
  13: 'Cached Unlock',
  99: 'Other',
};

/** 8001 Process Activity `id` → 1007 activity_id (ICD 8201's published list, same numbers). */
export const PROCESS_ACTIVITY = activityTable(
  8001,
  { 1: 'Launched', 2: 'Terminated', 3: 'Open', 4: 'Injected', 5: 'Set User ID' },
  { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5 },
  PROCESS_ACTIVITY_CAPTIONS,
  'From ICD 8201 Process History (the one published list); 8001 is assumed to share it.',
);

/** 8003 File Activity `id` → 1001 activity_id. */
export const FILE_ACTIVITY = activityTable(
  8003,
  { 1: 'Create', 2: 'Delete', 3: 'Open', 4: 'Write' },
  { 1: 1, 2: 4, 3: 14, 4: 3 },
  FILE_ACTIVITY_CAPTIONS,
  'ICD numbering assumed as the simulator generates it (1 create, 2 delete, 3 open, 4 write): OCSF numbers Delete 4, Open 14, Update 3.',
);

export const MODULE_ACTIVITY = activityTable(
  8002,
  { 1: 'Load', 2: 'Unload' },
  { 1: 1, 2: 2 },
  MODULE_ACTIVITY_CAPTIONS,
);

export const REG_KEY_ACTIVITY = activityTable(
  8005,
  { 1: 'Create', 2: 'Delete' },
  { 1: 1, 2: 4 },
  REG_KEY_ACTIVITY_CAPTIONS,
  'OCSF Registry Key Delete is 4.',
);

export const REG_VALUE_ACTIVITY = activityTable(
  8006,
  { 1: 'Get', 2: 'Set', 3: 'Delete' },
  { 1: 1, 2: 2, 3: 4 },
  REG_VALUE_ACTIVITY_CAPTIONS,
  'OCSF Registry Value Delete is 4 (3 is Modify).',
);

export const NETWORK_ACTIVITY = activityTable(
  8007,
  { 1: 'Connection Open', 2: 'Connection Close' },
  { 1: 1, 2: 2 },
  NETWORK_ACTIVITY_CAPTIONS,
);

/** 8000 User Session Activity `id` → 3002 activity_id. */
export const AUTH_ACTIVITY = activityTable(
  8000,
  { 1: 'Logon', 2: 'Logoff' },
  { 1: 1, 2: 2 },
  AUTH_ACTIVITY_CAPTIONS,
);

/** Windows LogonType (8015 event 4624 `data`, 8000 `session.logon_type_id`) → OCSF logon_type_id: same numbers. */
export const LOGON_TYPE: EnumTable = {
  target: 'logon_type_id',
  source: 'LogonType',
  sourceCaptions: {
    0: 'System',
    2: 'Interactive',
    3: 'Network',
    4: 'Batch',
    5: 'Service',
    7: 'Unlock',
    8: 'NetworkCleartext',
    9: 'NewCredentials',
    10: 'RemoteInteractive',
    11: 'CachedInteractive',
    12: 'CachedRemoteInteractive',
    13: 'CachedUnlock',
  },
  map: { 0: 0, 2: 2, 3: 3, 4: 4, 5: 5, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11, 12: 12, 13: 13 },
  captions: LOGON_TYPE_CAPTIONS,
  note: 'OCSF 0 is System, not Unknown (there is no Unknown logon type).',
};

/** Every table, for the docs and the tests. */
export const ENUM_TABLES: Readonly<Record<string, EnumTable>> = {
  severity: SEVERITY,
  incidentActivity: INCIDENT_ACTIVITY,
  detectionStatus: DETECTION_STATUS,
  incidentStatus: INCIDENT_STATUS,
  eventStatus: EVENT_STATUS,
  disposition: DISPOSITION,
  action: ACTION,
  osType: OS_TYPE,
  fileType: FILE_TYPE,
  malwareClassification: MALWARE_CLASSIFICATION,
  direction: DIRECTION,
  verdict: VERDICT,
  priority: PRIORITY,
  processActivity: PROCESS_ACTIVITY,
  fileActivity: FILE_ACTIVITY,
  moduleActivity: MODULE_ACTIVITY,
  registryKeyActivity: REG_KEY_ACTIVITY,
  registryValueActivity: REG_VALUE_ACTIVITY,
  networkActivity: NETWORK_ACTIVITY,
  authenticationActivity: AUTH_ACTIVITY,
  logonType: LOGON_TYPE,
};
