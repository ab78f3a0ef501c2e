import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConnectorError } from '../errors.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';

/** Up to this many JSON characters a value is stored inline in its manifest item. */
const INLINE_LIMIT = 100_000;
/** Larger values are gzipped and split into parts of this many base64 characters (DynamoDB items ≤ 400 KB). */
const PART_SIZE = 300_000;

interface Manifest<T> {
  format: 1;
  data?: T;
  gen?: string;
  parts?: number;
}

export interface ChunkedStateOptions<T> {
  /** The value when nothing is stored yet. */
  empty: () => T;
  /** Repairs a stored value (older formats, hand edits); default: as stored. */
  normalize?: (raw: unknown) => T;
  /** What to tell the user when the stored value cannot be read. */
  corruptAction: string;
}

/**
 * A JSON value of any size in a CheckpointStore's auxiliary state: inline when small, otherwise gzipped
 * and split into parts written before the manifest that names them, so a crash mid-save leaves the old
 * value readable (at worst some orphaned parts).
 */
export class ChunkedState<T> {
  private manifest: Manifest<T> | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly tenant: string,
    private readonly name: string,
    private readonly options: ChunkedStateOptions<T>,
  ) {}

  async load(): Promise<T> {
    const manifest = await this.store.loadState<Manifest<T>>(this.tenant, this.name);
    this.manifest = manifest;
    const normalize = this.options.normalize ?? ((raw: unknown) => raw as T);
    if (!manifest) return this.options.empty();
    if (manifest.data !== undefined) return normalize(manifest.data);
    if (manifest.gen && manifest.parts) {
      const parts: string[] = [];
      for (let i = 0; i < manifest.parts; i++) {
        const part = await this.store.loadState<string>(this.tenant, this.partName(manifest.gen, i));
        if (typeof part !== 'string') throw this.corrupt(`part ${this.partName(manifest.gen, i)} is missing`);
        parts.push(part);
      }
      try {
        return normalize(JSON.parse(gunzipSync(Buffer.from(parts.join(''), 'base64')).toString('utf8')));
      } catch (cause) {
        throw this.corrupt('its parts do not decode', cause);
      }
    }
    return this.options.empty();
  }

  /** Saves the value; returns its JSON size in characters (for logs). */
  async save(value: T): Promise<number> {
    const json = JSON.stringify(value);
    const previous = this.manifest;
    let next: Manifest<T>;
    if (json.length <= INLINE_LIMIT) {
      next = { format: 1, data: value };
      await this.store.saveState(this.tenant, this.name, next);
    } else {
      const encoded = gzipSync(json).toString('base64');
      const gen = randomBytes(6).toString('hex');
      const parts = Math.ceil(encoded.length / PART_SIZE);
      for (let i = 0; i < parts; i++) {
        await this.store.saveState(
          this.tenant,
          this.partName(gen, i),
          encoded.slice(i * PART_SIZE, (i + 1) * PART_SIZE),
        );
      }
      next = { format: 1, gen, parts };
      await this.store.saveState(this.tenant, this.name, next);
    }
    this.manifest = next;
    // Old parts are garbage once the new manifest is written; a crash here only leaves garbage.
    if (previous?.gen && previous.parts && previous.gen !== next.gen) {
      for (let i = 0; i < previous.parts; i++) {
        await this.store.saveState(this.tenant, this.partName(previous.gen, i), undefined);
      }
    }
    return json.length;
  }

  private partName(gen: string, i: number): string {
    return `${this.name}.${gen}.${i}`;
  }

  private corrupt(why: string, cause?: unknown): ConnectorError {
    return new ConnectorError('invalid_response', `State "${this.name}" of tenant "${this.tenant}": ${why}`, {
      action: this.options.corruptAction,
      cause,
    });
  }
}
