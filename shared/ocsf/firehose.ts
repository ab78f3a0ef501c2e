/**
 * OCSF records to the per-class Firehose streams (AWS): each stream converts the JSON rows to Parquet
 * with its class's Glue schema. Reuses the connector's FirehoseSink (batching, partial-failure retries,
 * size rules) with one sink per class; a batch succeeds only when every class's stream acknowledged it.
 */
import { ConfigError } from '../errors.ts';
import type { OutputDocument } from '../ports/document.ts';
import { FirehoseSink, type FirehoseSinkOptions } from '../sink/firehose.ts';
import type { OcsfRecord } from './index.ts';
import type { OcsfSink } from './sink.ts';

/** `OCSF_STREAMS` (`2004=stream-a,1007=stream-b`) → class_uid → stream name. */
export function parseOcsfStreams(text: string | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^(\d{1,6})=([a-zA-Z0-9_.-]{1,64})$/.exec(part.trim());
    if (!m)
      throw new ConfigError(`OCSF_STREAMS: ${JSON.stringify(part)} is not <class_uid>=<stream name>`, {
        action: 'Redeploy the stack',
      });
    out.set(Number(m[1]), m[2] as string);
  }
  return out;
}

export class OcsfFirehoseSink implements OcsfSink {
  readonly description: string;
  private readonly sinks = new Map<number, FirehoseSink>();

  constructor(streams: Map<number, string>, options: Omit<FirehoseSinkOptions, 'streamName'> = {}) {
    for (const [uid, streamName] of streams)
      this.sinks.set(uid, new FirehoseSink({ ...options, streamName }));
    this.description = `OCSF firehose:${[...streams.values()].join(',')}`;
  }

  async write(records: readonly OcsfRecord[]): Promise<{ written: number }> {
    const byClass = new Map<number, OutputDocument[]>();
    for (const r of records) {
      if (!this.sinks.has(r.cls.uid))
        throw new ConfigError(`No OCSF stream for class ${r.cls.uid} ${r.cls.name}`, {
          action: 'Redeploy the stack (OCSF_STREAMS)',
        });
      const docs = byClass.get(r.cls.uid) ?? [];
      // The row form: what the stream's Glue schema types (json_t attributes as JSON text).
      docs.push({ id: r.uid, dataset: 'event', timestamp: new Date(r.time).toISOString(), doc: r.row });
      byClass.set(r.cls.uid, docs);
    }
    let written = 0;
    for (const [uid, docs] of byClass)
      written += (await (this.sinks.get(uid) as FirehoseSink).write(docs)).written;
    return { written };
  }

  async close(): Promise<void> {}
}
