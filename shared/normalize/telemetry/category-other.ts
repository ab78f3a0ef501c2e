/**
 * License (2), Application Activity (3), Audit (4), Diagnostic (6) and unknown categories. Elastic's
 * pipelines for these were not read in detail; its fixtures show every present object mapped
 * (category 3: `user`, `device_networks`, `file`) and `file`/`info` for category 3 type_id 5. An
 * unknown category gets the same generic mapping, so no event is ever dropped.
 */
import type { DocBuilder } from './builder.ts';
import { callObjects, type ObjectName } from './objects.ts';

const ALL: ReadonlySet<ObjectName> = new Set<ObjectName>([
  'actor',
  'cybox',
  'device',
  'user',
  'file',
  'registry',
  'connection',
]);

export function otherCategory(
  b: DocBuilder,
  categoryId: string | undefined,
  typeId: string | undefined,
): void {
  if (categoryId === '3' && typeId === '5') {
    b.add('event.category', 'file');
    b.add('event.type', 'info');
  }
  callObjects(b, ALL);
}
