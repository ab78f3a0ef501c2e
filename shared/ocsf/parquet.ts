/**
 * Local OCSF output: Parquet files written by DuckDB in the Security Lake layout under `./out-ocsf/`
 * (see layout.ts), one class per file, with the column types of the class's column table (the same
 * tree the Glue schema is derived from). Each write() makes one file per class and eventDay; a file is
 * written under a hidden temporary name and renamed, so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SinkError } from '../errors.ts';
import type { OcsfClass } from './base.ts';
import { duckdbType } from './columns.ts';
import { type OcsfRecord, treeOf } from './index.ts';
import { eventDay, type LakeLocation, lakePrefix } from './layout.ts';
import type { OcsfSink } from './sink.ts';

export interface ParquetWriterOptions extends LakeLocation {
  /** Output root (default `./out-ocsf`). */
  dir: string;
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** DuckDB `columns={...}` argument of read_json for a class, in column-table order. */
export function duckdbColumnsArg(cls: OcsfClass): string {
  const parts = [...treeOf(cls)].map(([name, node]) => `${quote(name)}: ${quote(duckdbType(node))}`);
  return `{${parts.join(', ')}}`;
}

export class OcsfParquetWriter implements OcsfSink {
  readonly description: string;
  private readonly options: ParquetWriterOptions;
  private readonly runId = `ses-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  private sequence = 0;
  private db: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | undefined;

  constructor(options: ParquetWriterOptions) {
    this.options = options;
    this.description = `${options.dir} (OCSF Parquet)`;
  }

  private connection(): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
    this.db ??= (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:');
      return { instance, conn: await instance.connect() };
    })();
    return this.db;
  }

  async write(records: readonly OcsfRecord[]): Promise<{ written: number }> {
    if (records.length === 0) return { written: 0 };
    const groups = new Map<string, { cls: OcsfClass; day: string; rows: string[] }>();
    for (const r of records) {
      const day = eventDay(r.time);
      const key = `${r.cls.uid}/${day}`;
      let g = groups.get(key);
      if (!g) {
        g = { cls: r.cls, day, rows: [] };
        groups.set(key, g);
      }
      g.rows.push(JSON.stringify(r.row));
    }
    const { conn } = await this.connection();
    const scratch = await mkdtemp(join(tmpdir(), 'ses-ocsf-'));
    try {
      for (const g of groups.values()) {
        const dir = join(this.options.dir, lakePrefix(this.options, g.cls, g.day));
        const seq = String(++this.sequence).padStart(6, '0');
        const name = `${this.runId}-${seq}.parquet`;
        const input = join(scratch, `${seq}.ndjson`);
        const hidden = join(dir, `.${name}.tmp`);
        try {
          await mkdir(dir, { recursive: true });
          await writeFile(input, `${g.rows.join('\n')}\n`);
          await conn.run(
            `COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited', columns = ${duckdbColumnsArg(g.cls)})) ` +
              `TO ${quote(hidden)} (FORMAT parquet, COMPRESSION zstd)`,
          );
          await rename(hidden, join(dir, name));
        } catch (error) {
          await rm(hidden, { force: true });
          throw new SinkError(`Cannot write OCSF Parquet under ${dir}: ${(error as Error).message}`, {
            action: `Check that ${this.options.dir} is writable and the disk is not full`,
            details: { path: dir, classUid: g.cls.uid },
            cause: error,
          });
        }
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    return { written: records.length };
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (!db) return;
    const { instance, conn } = await db;
    conn.closeSync();
    instance.closeSync();
  }
}
