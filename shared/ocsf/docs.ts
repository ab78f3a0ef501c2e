/**
 * The mapping tables of docs/ocsf.md, rendered from the code (classes, column tables, enum tables), so
 * the documentation cannot drift from what is emitted; test/unit/ocsf/docs.test.ts keeps them equal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOAD_TYPE } from './classes/module-activity.ts';
import { DETECTION_TYPE_IDS, TELEMETRY_CLASSES } from './classes/telemetry.ts';
import { glueType, typeTree } from './columns.ts';
import { ENUM_TABLES, type EnumTable } from './enums.ts';
import { OCSF_CLASSES } from './index.ts';
import { SOURCE_NAME_MAX } from './layout.ts';

const esc = (s: string) => s.replaceAll('|', '\\|');

function classesTable(): string[] {
  return [
    '| class_uid | class | category | custom source (`<prefix>-…`) | CreateCustomLogSource event class | columns |',
    '|---|---|---|---|---|---|',
    ...OCSF_CLASSES.map(
      (c) =>
        `| ${c.uid} | ${c.name} | ${c.categoryUid} ${c.categoryName} | \`ses-${c.short}\` | \`${c.securityLakeName}\` | ${typeTree(c.columns).size} top-level |`,
    ),
    '',
    `Source names are at most ${SOURCE_NAME_MAX} characters (the prefix is at most ${SOURCE_NAME_MAX - 9}).`,
  ];
}

function enumTable(key: string, t: EnumTable): string[] {
  const ids = Object.keys(t.sourceCaptions).map(Number);
  const rows = ids.map((id) => {
    const to = t.map[id];
    const target =
      to === undefined ? `99 Other ("${t.sourceCaptions[id]}")` : `${to} ${t.captions[to] ?? ''}`;
    const differs =
      to === undefined ||
      to !== id ||
      (t.captions[to] ?? '').toLowerCase() !== String(t.sourceCaptions[id]).toLowerCase();
    return `| ${id} ${esc(String(t.sourceCaptions[id]))} | ${esc(target)} | ${differs ? '**differs**' : 'same'} |`;
  });
  return [
    `#### ${key}: ICD \`${t.source}\` → OCSF \`${t.target}\``,
    '',
    ...(t.note ? [esc(t.note), ''] : []),
    '| ICD id | OCSF id | |',
    '|---|---|---|',
    ...rows,
    `| any other | 99 Other, the sibling caption says "Symantec ${esc(t.source)} <id>" | |`,
    '',
  ];
}

function columnsTable(uid: number): string[] {
  const cls = OCSF_CLASSES.find((c) => c.uid === uid)!;
  const tree = typeTree(cls.columns);
  return [
    `### ${cls.uid} ${cls.name}`,
    '',
    '| attribute | OCSF type | from (Symantec) |',
    '|---|---|---|',
    ...cls.columns.map((c) => `| \`${c.path}\` | ${c.type} | ${esc(c.from)} |`),
    '',
    '<details><summary>Glue / Parquet columns</summary>',
    '',
    '| column | type |',
    '|---|---|',
    ...[...tree].map(([name, node]) => `| \`${name}\` | \`${esc(glueType(node))}\` |`),
    '',
    '</details>',
    '',
  ];
}

/** The generated part of docs/ocsf.md (between the ocsf-tables markers). */
export function renderOcsfTables(): string {
  return [
    '### Classes',
    '',
    ...classesTable(),
    '',
    '### Telemetry events by ICD type',
    '',
    '| ICD type_id | OCSF class |',
    '|---|---|',
    '| 8075, 8076, 8077, 8078 incident records (in the event stream) | 2004 Detection Finding (as incidents) |',
    `| ${DETECTION_TYPE_IDS.join(', ')} detections | 2004 Detection Finding of the one event (finding_info.uid = uuid) |`,
    ...TELEMETRY_CLASSES.map((e) => `| ${esc(e.icd)} | ${e.cls.uid} ${e.cls.name} |`),
    '| anything else, or an event missing the object its class requires | 0 Base Event: `raw_data` = the raw event, `unmapped.ocsf_fallback` = why |',
    '',
    '### Enumerations (every one through an explicit table)',
    '',
    ...Object.entries({ ...ENUM_TABLES, loadType: LOAD_TYPE }).flatMap(([k, t]) => enumTable(k, t)),
    ...OCSF_CLASSES.flatMap((c) => columnsTable(c.uid)),
  ]
    .join('\n')
    .trim();
}

/** Rewrites the generated block of docs/ocsf.md: `npx tsx shared/ocsf/docs.ts`. */
export function writeOcsfDoc(path: string): void {
  const doc = readFileSync(path, 'utf8');
  const [head, rest] = doc.split('<!-- ocsf-tables:start -->');
  const tail = rest?.split('<!-- ocsf-tables:end -->')[1];
  if (head === undefined || tail === undefined) throw new Error(`${path} lacks the ocsf-tables markers`);
  writeFileSync(
    path,
    `${head}<!-- ocsf-tables:start -->\n${renderOcsfTables()}\n<!-- ocsf-tables:end -->${tail}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeOcsfDoc(fileURLToPath(new URL('../../docs/ocsf.md', import.meta.url)));
}
