import { describe, expect, it } from 'vitest';
import { overlappingPages } from '../../../shared/collector/overlap-pager.ts';
import type {
  IncidentPage,
  IncidentQuery,
  IncidentSource,
  RawIncident,
} from '../../../shared/ports/incident-source.ts';
import { MemoryMetrics, silentLogger } from '../../../shared/ports/logger.ts';

const rec = (uid: string): RawIncident => ({ incident_uid: uid, time: 1 });

/** Answers each request from a script of result lists (one per request, by order), 3 items a page. */
function scripted(lists: string[][]): IncidentSource & { offsets: number[] } {
  let n = 0;
  const offsets: number[] = [];
  return {
    offsets,
    async *pages(query: IncidentQuery): AsyncIterable<IncidentPage> {
      const list = lists[Math.min(n++, lists.length - 1)] as string[];
      const offset = query.offset ?? 0;
      offsets.push(offset);
      const items = list.slice(offset, offset + query.limit).map(rec);
      const next = offset + items.length < list.length ? offset + items.length : undefined;
      yield { offset, next, total: list.length, incidents: items, invalid: [], requests: 1, retries: 0 };
    },
  };
}

describe('overlappingPages', () => {
  it('a page whose overlap check fails is still yielded, with next 0, before the window is re-read', async () => {
    // Request 2 finds the list shifted (an update moved `c` to the end, so the anchor `c` is not in the
    // overlap) and holds `x`; by the restart, a latest-only API has replaced `x` by `x2`.
    const source = scripted([
      ['a', 'b', 'c', 'd', 'e', 'f'],
      ['a', 'b', 'd', 'x', 'e', 'f', 'c'],
      ['a', 'b', 'd', 'x2', 'e', 'f', 'c'],
    ]);
    const query: IncidentQuery = {
      startDate: new Date(0),
      endDate: new Date(1),
      limit: 3,
      includeEvents: false,
    };
    const seen: string[] = [];
    const nexts: (number | undefined)[] = [];
    for await (const page of overlappingPages(source, query, {
      overlap: 1,
      maxPages: 20,
      metrics: new MemoryMetrics(),
      logger: silentLogger,
    })) {
      seen.push(...page.incidents.map((r) => r.incident_uid));
      nexts.push(page.next);
    }
    expect(seen).toContain('x');
    expect(nexts[1]).toBe(0);
    expect(source.offsets.slice(0, 3)).toEqual([0, 2, 0]);
    expect(new Set(seen)).toEqual(new Set(['a', 'b', 'c', 'd', 'x', 'x2', 'e', 'f']));
  });
});
