/** System Activity (category_id 5): Elastic's `pipeline_category_system` (ses-event-mapping.md). */
import type { DocBuilder } from './builder.ts';
import { callObjects, type ObjectName, winlog } from './objects.ts';

const BASE: ObjectName[] = [
  'actor',
  'attack',
  'parent',
  'policy',
  'container',
  'cybox',
  'device',
  'session',
  'source',
  'user',
];

interface TypeMapping {
  category?: string;
  type?: string[];
  objects: ReadonlySet<ObjectName>;
}

const set = (...extra: ObjectName[]): ReadonlySet<ObjectName> => new Set([...BASE, ...extra]);

const TYPES: Record<string, TypeMapping> = {
  '8000': { category: 'session', type: ['info'], objects: set() },
  // 8001 gets start and end both, always (as Elastic).
  '8001': { category: 'process', type: ['info', 'start', 'end'], objects: set('process') },
  '8002': { category: 'process', type: ['info'], objects: set('module') },
  '8003': { category: 'file', type: ['info'], objects: set('file') },
  '8004': { objects: set() },
  '8005': { category: 'registry', type: ['access'], objects: set('registry') },
  '8006': { category: 'registry', type: ['access'], objects: set('registry') },
  '8007': { category: 'network', type: ['connection'], objects: set('connection') },
  '8009': { category: 'driver', type: ['info'], objects: set('kernel') },
  '8011': {
    category: 'email',
    type: ['info'],
    objects: new Set(['container', 'cybox', 'device', 'session', 'source', 'user']),
  },
  '8015': { objects: set('process') },
  '8016': { category: 'configuration', type: ['creation', 'deletion', 'change'], objects: set() },
  '8018': { objects: set() },
};

export function systemActivity(b: DocBuilder, typeId: string | undefined): void {
  const m = typeId === undefined ? undefined : TYPES[typeId];
  if (!m) return;
  if (m.category) b.add('event.category', m.category);
  for (const t of m.type ?? []) b.add('event.type', t);
  callObjects(b, m.objects);
  if (typeId === '8015') winlog(b);
}
