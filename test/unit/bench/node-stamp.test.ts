import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stampNode } from '../../../bench/node-stamp.ts';

describe('Benchmark lines name the Node that produced them', () => {
  it('puts `node` right after `bench`, keeping every other field and its order', () => {
    expect(stampNode('{"bench":"e2e","sink":"local","ratio_to_floor":0.581}', 'v24.22.3')).toBe(
      '{"bench":"e2e","node":"v24.22.3","sink":"local","ratio_to_floor":0.581}',
    );
    expect(stampNode('{"ratio":0.5}', 'v20.20.2')).toBe('{"node":"v20.20.2","ratio":0.5}');
  });

  it('passes anything that is not a JSON object through unchanged', () => {
    for (const line of ['bench: e2e.bench.ts', '{not json', '[1,2]', '', 'null']) {
      expect(stampNode(line, 'v24.22.3')).toBe(line);
    }
  });

  it('is applied by `npm run bench` to what each benchmark prints', { timeout: 120_000 }, () => {
    // The bundle benchmark is the quickest of the set (one esbuild run and one module init).
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'bundle'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(Object.keys(l).slice(0, 2)).toEqual(['bench', 'node']);
    expect(lines[0]?.node).toBe(process.version);
  });
});
