import { describe, expect, it } from 'vitest';
import { emptyState, MonitorStateStore, STATE_NAME } from '../../../shared/monitors/state.ts';
import { MemoryCheckpointStore } from '../../helpers/fakes.ts';

function bigState(n: number) {
  const s = emptyState();
  for (let i = 0; i < n; i++) s.fired[`${i}`.padStart(64, 'f')] = 1_700_000_000_000 + i;
  return s;
}

describe('Module: monitors — state persistence', () => {
  it('stores a small state inline and reads it back', async () => {
    const store = new MemoryCheckpointStore();
    const states = new MonitorStateStore(store, 't');
    const s = emptyState();
    s.open['i1'] = { c: 1, t: 2, u: 'https://x' };
    await states.save(s);
    expect(await new MonitorStateStore(store, 't').load()).toEqual(s);
    expect(store.states.get(`t#${STATE_NAME}`)).toEqual({ format: 1, data: s });
  });

  it('splits a large state into parts under 400 KB, and removes the old parts on the next save', async () => {
    const store = new MemoryCheckpointStore();
    const states = new MonitorStateStore(store, 't');
    const first = bigState(30_000);
    await states.save(first);
    const parts = [...store.states.entries()].filter(
      ([k, v]) => k.startsWith(`t#${STATE_NAME}.`) && v !== undefined,
    );
    expect(parts.length).toBeGreaterThan(0);
    for (const [, v] of parts) expect(Buffer.byteLength(JSON.stringify(v))).toBeLessThan(400_000);
    expect(await new MonitorStateStore(store, 't').load()).toEqual(first);

    const second = bigState(40_000);
    await states.save(second);
    for (const [k] of parts) expect(store.states.get(k)).toBeUndefined();
    expect(await new MonitorStateStore(store, 't').load()).toEqual(second);
  });

  it('keeps the previous state readable when a save crashes between parts and manifest', async () => {
    const store = new MemoryCheckpointStore();
    const states = new MonitorStateStore(store, 't');
    const first = bigState(30_000);
    await states.save(first);
    const save = store.saveState.bind(store);
    store.saveState = async (tenant, name, value) => {
      if (name === STATE_NAME) throw new Error('crash before the manifest');
      return save(tenant, name, value);
    };
    await expect(states.save(bigState(35_000))).rejects.toThrow('crash before the manifest');
    expect(await new MonitorStateStore(store, 't').load()).toEqual(first);
  });

  it('starts empty when nothing was stored, and names the item to delete when a part is missing', async () => {
    const store = new MemoryCheckpointStore();
    expect(await new MonitorStateStore(store, 't').load()).toEqual(emptyState());
    await store.saveState('t', STATE_NAME, { format: 1, gen: 'abc', parts: 2 });
    await expect(new MonitorStateStore(store, 't').load()).rejects.toThrow(
      `Delete the state item "${STATE_NAME}"`,
    );
  });
});
