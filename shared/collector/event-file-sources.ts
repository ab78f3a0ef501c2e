import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../errors.ts';
import type { EventObject } from './event-files.ts';

/** Names the Data Bucket export and Elastic's samples use: NDJSON, optionally gzipped. */
const EVENT_FILE = /\.(json|ndjson|jsonl|log|txt)(\.gz)?$|\.gz$/i;

/** A file, or every event file under a folder (recursively, in name order). */
export async function* localEventObjects(path: string): AsyncGenerator<EventObject> {
  const root = resolve(path);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch (error) {
    throw new ConfigError(`cannot read ${root} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      action: 'Give an existing file, folder or s3://bucket/prefix',
    });
  }
  if (info.isFile()) {
    yield fileObject(root, info.size, info.mtimeMs);
    return;
  }
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(root, entry.name);
    if (entry.isDirectory()) yield* localEventObjects(full);
    else if (entry.isFile() && EVENT_FILE.test(entry.name)) {
      const s = await stat(full);
      yield fileObject(full, s.size, s.mtimeMs);
    }
  }
}

function fileObject(path: string, size: number, mtimeMs: number): EventObject {
  return {
    location: path,
    identity: `file://${path}#${size}#${Math.floor(mtimeMs)}`,
    body: createReadStream(path, { highWaterMark: 1024 * 1024 }),
  };
}

/** `s3://bucket/prefix` → parts, or undefined when it is not an s3 URL. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const m = url.match(/^s3:\/\/([^/]+)\/?(.*)$/);
  return m?.[1] ? { bucket: m[1], prefix: m[2] ?? '' } : undefined;
}

/** One S3 object version, streamed (never buffered). */
export async function s3EventObject(
  s3: S3Client,
  bucket: string,
  key: string,
  version: { etag?: string; versionId?: string } = {},
): Promise<EventObject> {
  const response = await s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(version.versionId ? { VersionId: version.versionId } : {}),
    }),
  );
  const etag = (version.etag ?? response.ETag ?? '').replace(/"/g, '');
  const body = response.Body as unknown as AsyncIterable<Uint8Array> | undefined;
  return {
    location: `s3://${bucket}/${key}`,
    identity: `s3://${bucket}/${key}#${version.versionId ?? response.VersionId ?? ''}#${etag}`,
    body: body ?? (async function* () {})(),
  };
}

/** Every object under `s3://bucket/prefix`, in key order, each opened when reached. */
export async function* s3EventObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<EventObject> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const item of page.Contents ?? []) {
      if (!item.Key || item.Key.endsWith('/')) continue;
      yield await s3EventObject(s3, bucket, item.Key, item.ETag ? { etag: item.ETag } : {});
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
