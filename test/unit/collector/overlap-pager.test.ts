import { describe, expect, it } from 'vitest';
import { overlappingPages } from '../../../shared/collector/overlap-pager.ts';
import type {
  IncidentPage,
  IncidentQuery,
  IncidentSource,
  RawIncident,
} from '../../../shared/ports/incident-source.ts';
import { MemoryMetrics, MetricNames, silentLogger } from '../../../shared/ports/logger.ts';

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
  it('a page whose overlap check fails is yielded, the pass reads on to its end, and only then the window is read again from 0', async () => {
    // Request 2 finds the list shifted (an update moved `c` to the end, so the anchor `c` is not in the
    // overlap) and holds `x`; `y` lies past it. By request 4 a latest-only API has replaced `y` by `y2`:
    // restarting at offset 0 right after request 2 would never have read `y`.
    const source = scripted([
      ['a', 'b', 'c', 'd', 'e', 'f', 'y'],
      ['a', 'b', 'd', 'x', 'e', 'f', 'y', 'c'],
      ['a', 'b', 'd', 'x', 'e', 'f', 'y', 'c'],
      ['a', 'b', 'd', 'x', 'e', 'f', 'y2', 'c'],
    ]);
    const query: IncidentQuery = {
      startDate: new Date(0),
      endDate: new Date(1),
      limit: 3,
      includeEvents: false,
    };
    const seen: string[] = [];
    const pages: { next: number | undefined; reread: boolean | undefined }[] = [];
    const metrics = new MemoryMetrics();
    for await (const page of overlappingPages(source, query, {
      overlap: 1,
      maxPages: 20,
      metrics,
      logger: silentLogger,
    })) {
      seen.push(...page.incidents.map((r) => r.incident_uid));
      pages.push({ next: page.next, reread: page.reread });
    }
    expect(seen).toContain('x');
    expect(seen).toContain('y');
    // On from the failed page (next 5) to the end; its last page says next 0; then the re-read from 0.
    expect(source.offsets).toEqual([0, 2, 4, 6, 0, 2, 4, 6]);
    expect(pages.slice(0, 4)).toEqual([
      { next: 3, reread: undefined },
      { next: 5, reread: true },
      { next: 7, reread: true },
      { next: 0, reread: undefined },
    ]);
    expect(pages.at(-1)).toEqual({ next: undefined, reread: undefined });
    expect(new Set(seen)).toEqual(new Set(['a', 'b', 'c', 'd', 'x', 'y', 'y2', 'e', 'f']));
    expect(metrics.get(MetricNames.pagerRestarts)).toBe(1);
  });

  it('a pass resumed with its saved `reread` still ends with the re-read from offset 0', async () => {
    const list = ['a', 'b', 'c', 'd', 'e', 'f'];
    const source = scripted([list]);
    const query: IncidentQuery = {
      startDate: new Date(0),
      endDate: new Date(1),
      limit: 3,
      includeEvents: false,
      offset: 3,
    };
    const nexts: (number | undefined)[] = [];
    for await (const page of overlappingPages(source, query, {
      overlap: 1,
      anchorUid: 'c',
      reread: true,
      maxPages: 20,
      metrics: new MemoryMetrics(),
      logger: silentLogger,
    })) {
      nexts.push(page.next);
    }
    expect(source.offsets).toEqual([2, 4, 0, 2, 4]);
    expect(nexts).toEqual([5, 0, 3, 5, undefined]);
  });

  it('a pass resumed with `reread` past the end of a list that shrank still reads the window again from 0', async () => {
    // A source that yields no page at all past the end (not even an empty last one).
    const list = ['a', 'b', 'c'];
    const offsets: number[] = [];
    const source: IncidentSource = {
      async *pages(query: IncidentQuery): AsyncIterable<IncidentPage> {
        const offset = query.offset ?? 0;
        offsets.push(offset);
        if (offset >= list.length) return;
        const items = list.slice(offset, offset + query.limit).map(rec);
        yield {
          offset,
          next: undefined,
          total: list.length,
          incidents: items,
          invalid: [],
          requests: 1,
          retries: 0,
        };
      },
    };
    const seen: string[] = [];
    for await (const page of overlappingPages(
      source,
      { startDate: new Date(0), endDate: new Date(1), limit: 3, includeEvents: false, offset: 9 },
      {
        overlap: 1,
        anchorUid: 'z',
        reread: true,
        maxPages: 20,
        metrics: new MemoryMetrics(),
        logger: silentLogger,
      },
    )) {
      seen.push(...page.incidents.map((r) => r.incident_uid));
    }
    expect(offsets).toEqual([8, 0]);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('when records keep moving, the widened overlap still leaves each page new items: the pager reaches the end', async () => {
    // Soak (filter=time, versions=latest, order=time-asc): updates move an incident out of the window after
    // every page, `total` drops each time, restarts run out and the overlap is widened; widened to the page
    // size or beyond, every request re-read the same page from offset 0 until maxPages.
    const all = Array.from({ length: 30 }, (_, i) => `r${i}`);
    const lists = Array.from({ length: 9 }, (_, i) => all.slice(i));
    const source = scripted(lists);
    const query: IncidentQuery = {
      startDate: new Date(0),
      endDate: new Date(1),
      limit: 4,
      includeEvents: false,
    };
    const seen = new Set<string>();
    let pages = 0;
    for await (const page of overlappingPages(source, query, {
      overlap: 1,
      maxPages: 100,
      metrics: new MemoryMetrics(),
      logger: silentLogger,
    })) {
      pages++;
      for (const r of page.incidents) seen.add(r.incident_uid);
    }
    // Everything still in the list once it stopped moving was read, in far fewer pages than the bound.
    expect(all.slice(8).filter((uid) => !seen.has(uid))).toEqual([]);
    expect(pages).toBeLessThan(40);
    // No request asked for the page it had just read again.
    const repeats = source.offsets.filter((o, i) => i > 0 && o > 0 && o === source.offsets[i - 1]);
    expect(repeats).toEqual([]);
  });
});
