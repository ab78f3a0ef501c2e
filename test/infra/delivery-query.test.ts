import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_PREFIX,
  FILE_EXTENSION,
  PARTITION_QUERY,
  S3_PREFIX,
  SUB_RECORD_DELIMITER_BASE64,
} from '../../infra/lib/constructs/delivery.ts';
import { athenaSql } from '../../infra/lib/constructs/query.ts';
import { COLUMN_RENAMES, glueColumns, glueType } from '../../infra/lib/glue-schema.ts';
import { FIELDS_BY_DATASET, type FieldType } from '../../shared/normalize/fields.ts';
import { normalizeTelemetry, normalizeTelemetryLine } from '../../shared/normalize/telemetry/index.ts';
import { partitionPath } from '../../shared/sink/local.ts';
import { buildStack } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is walked freely in assertions.
type Resource = { Type: string; Properties: Record<string, any>; Condition?: string };
let template: Template;
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  template = buildStack().template;
  resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
});

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

/** What Firehose does with a record: run the JQ query, then substitute the keys into the prefix. */
function firehoseKey(record: Record<string, unknown>): string {
  const keys = JSON.parse(
    execFileSync('jq', ['-c', PARTITION_QUERY], { input: `${JSON.stringify(record)}\n` }).toString(),
  ) as Record<string, string>;
  return S3_PREFIX.replace(/!\{partitionKeyFromQuery:(\w+)\}/g, (_, k: string) => keys[k] ?? '<missing>');
}

describe('Delivery: Firehose to S3', () => {
  it('partitions on the record dataset and @timestamp exactly as the local sink lays out files', () => {
    // Prepare: boundary timestamps (new year, end of month, leap day) for every dataset
    const cases = [
      ['incident', '2025-12-31T23:59:59.999Z'],
      ['event', '2026-01-01T00:00:00.000Z'],
      ['quarantine', '2024-02-29T12:00:00.000Z'],
      ['incident', '2026-11-09T08:07:06.005Z'],
    ] as const;
    // CI installs jq (.ci/run); only a local machine without it may skip the real query.
    if (!hasJq && process.env.CI) throw new Error('jq is not installed: .ci/run installs it with apt-get');
    for (const [dataset, ts] of cases) {
      if (!hasJq) continue;
      const record = { '@timestamp': ts, data_stream: { dataset: `symantec_edr_cloud.${dataset}` } };

      // Act
      const key = firehoseKey(record);

      // Assess
      expect(key).toBe(`${dataset}/${partitionPath(ts, 0)}/`);
    }
    expect(hasJq || S3_PREFIX.startsWith('!{partitionKeyFromQuery:dataset}/year=')).toBe(true);
  });

  it('puts telemetry documents (and their quarantine documents) where the local sink puts them: telemetry/ and quarantine/', () => {
    // Prepare: documents from the real telemetry normalizer, one mapped event and one unreadable line
    if (!hasJq && process.env.CI) throw new Error('jq is not installed: .ci/run installs it with apt-get');
    if (!hasJq) return;
    const options = { keepOriginal: false, namespace: 'default', ingestedAt: '2026-03-01T00:00:00.000Z' };
    const [event] = normalizeTelemetry(
      { uuid: 'u-1', type_id: 8001, category_id: 5, time: '2026-02-28T23:59:59.000Z', device_name: 'h1' },
      options,
    );
    const [bad] = normalizeTelemetryLine('{"not json', { ...options, origin: 's3://b/k.gz:3' });

    for (const doc of [event!, bad!]) {
      // Act
      const key = firehoseKey(doc.doc as Record<string, unknown>);

      // Assess
      expect(key).toBe(`${doc.dataset}/${partitionPath(doc.timestamp, 0)}/`);
    }
    expect(event!.dataset).toBe('telemetry');
    expect(bad!.dataset).toBe('quarantine');
  });

  it('configures the S3 stream: dynamic partitioning by JQ, GZIP, .json.gz, error prefix, buffering parameters', () => {
    // The OCSF streams (issue 15) also write to S3, converting to Parquet: not this stream.
    const streams = ofType('AWS::KinesisFirehose::DeliveryStream').filter(
      ([, r]) =>
        r.Properties.ExtendedS3DestinationConfiguration &&
        !r.Properties.ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration,
    );
    expect(streams).toHaveLength(1);
    const [, stream] = streams[0]!;
    expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({
      KeyType: 'AWS_OWNED_CMK',
    });
    const config = stream.Properties.ExtendedS3DestinationConfiguration;
    expect(config).toMatchObject({
      Prefix:
        '!{partitionKeyFromQuery:dataset}/year=!{partitionKeyFromQuery:year}/month=!{partitionKeyFromQuery:month}/day=!{partitionKeyFromQuery:day}/',
      ErrorOutputPrefix: ERROR_PREFIX,
      CompressionFormat: 'GZIP',
      FileExtension: FILE_EXTENSION,
      BufferingHints: {
        IntervalInSeconds: { Ref: 'FirehoseBufferIntervalSeconds' },
        SizeInMBs: { Ref: 'FirehoseBufferSizeMiB' },
      },
      DynamicPartitioningConfiguration: { Enabled: true },
    });
    expect(FILE_EXTENSION).toBe('.json.gz');
    expect(ERROR_PREFIX.startsWith('errors/')).toBe(true);
    // Aggregated records (documents joined by "\n") are split on "\n" before partitioning, and each
    // document gets its "\n" back, so S3 objects stay one document per line.
    const processors = config.ProcessingConfiguration.Processors as Array<{
      Type: string;
      Parameters?: Array<{ ParameterName: string; ParameterValue: string }>;
    }>;
    expect(processors.map((p) => p.Type)).toEqual([
      'RecordDeAggregation',
      'MetadataExtraction',
      'AppendDelimiterToRecord',
    ]);
    expect(processors[0]!.Parameters).toEqual([
      { ParameterName: 'SubRecordType', ParameterValue: 'DELIMITED' },
      { ParameterName: 'Delimiter', ParameterValue: 'Cg==' },
    ]);
    expect(Buffer.from(SUB_RECORD_DELIMITER_BASE64, 'base64').toString()).toBe('\n');
    expect(processors[1]!.Parameters).toEqual([
      { ParameterName: 'MetadataExtractionQuery', ParameterValue: PARTITION_QUERY },
      { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
    ]);
    expect(processors[2]!.Parameters ?? []).toEqual([]);
  });

  it('keeps the data bucket private, encrypted, versioned, TLS-only, logged and expiring by RetentionDays', () => {
    const [bucketId, bucket] = ofType('AWS::S3::Bucket').find(([, b]) =>
      JSON.stringify(b.Properties).includes('data-bucket/'),
    )!;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 'data-bucket/' },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toEqual({
      Ref: 'RetentionDays',
    });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)!;
    expect(policy[1].Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('adds an OpenSearch stream only under HasOpenSearch, without Firehose document ids', () => {
    const streams = ofType('AWS::KinesisFirehose::DeliveryStream').filter(
      ([, r]) => r.Properties.AmazonopensearchserviceDestinationConfiguration,
    );
    expect(streams).toHaveLength(1);
    const [, stream] = streams[0]!;
    expect(stream.Condition).toBe('HasOpenSearch');
    expect(stream.Properties.AmazonopensearchserviceDestinationConfiguration).toMatchObject({
      DomainARN: { Ref: 'OpenSearchDomainArn' },
      IndexName: { Ref: 'OpenSearchIndex' },
      DocumentIdOptions: { DefaultDocumentIdFormat: 'NO_DOCUMENT_ID' },
      S3BackupMode: 'FailedDocumentsOnly',
    });
  });
});

/** Parse a Hive type string into a tree so the test does not reuse the generator's own rendering. */
function parseHive(type: string): unknown {
  let i = 0;
  const parse = (): unknown => {
    const m = /^[a-z]+/.exec(type.slice(i))!;
    i += m[0].length;
    if (m[0] === 'struct' || m[0] === 'array') {
      i++; // <
      if (m[0] === 'array') {
        const item = parse();
        i++; // >
        return [item];
      }
      const out: Record<string, unknown> = {};
      while (type[i] !== '>') {
        const name = /^[a-z0-9_]+/.exec(type.slice(i))![0];
        i += name.length + 1; // name:
        out[name] = parse();
        if (type[i] === ',') i++;
      }
      i++;
      return out;
    }
    return m[0];
  };
  return parse();
}

describe('Query: Glue tables and Athena', () => {
  const tableFor = (name: string) =>
    ofType('AWS::Glue::Table').find(([, t]) => t.Properties.TableInput.Name === name)![1].Properties
      .TableInput;

  it('has one table per dataset whose columns hold every catalogue field with its type', () => {
    const expectedType: Record<FieldType, unknown> = {
      string: 'string',
      timestamp: 'string',
      long: 'bigint',
      double: 'double',
      boolean: 'boolean',
      'string[]': ['string'],
      'long[]': ['bigint'],
    };
    for (const [dataset, fields] of Object.entries(FIELDS_BY_DATASET)) {
      const table = tableFor(dataset);
      const columns = Object.fromEntries(
        (table.StorageDescriptor.Columns as Array<{ Name: string; Type: string }>).map((c) => [
          c.Name,
          parseHive(c.Type),
        ]),
      );
      for (const field of fields) {
        const [head, ...rest] = field.path.split('.');
        let node: unknown = columns[COLUMN_RENAMES[head!] ?? head!];
        for (const segment of rest) node = (node as Record<string, unknown> | undefined)?.[segment];
        expect(node, `${dataset}: ${field.path}`).toEqual(expectedType[field.type]);
      }
      expect(table.StorageDescriptor.Columns).toEqual(
        glueColumns(fields).map((c) => ({ Name: c.name, Type: c.type })),
      );
    }
  });

  it('reads gzip NDJSON with the OpenX SerDe, mapping @timestamp to the timestamp column', () => {
    const table = tableFor('incident');
    expect(table.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      Parameters: { 'mapping.timestamp': '@timestamp', 'case.insensitive': 'true', 'dots.in.keys': 'false' },
    });
    expect(glueType('timestamp')).toBe('string');
  });

  it('projects year/month/day partitions over exactly the Firehose prefix (no crawler, no MSCK)', () => {
    for (const dataset of Object.keys(FIELDS_BY_DATASET)) {
      const table = tableFor(dataset);
      expect(table.PartitionKeys).toEqual([
        { Name: 'year', Type: 'string' },
        { Name: 'month', Type: 'string' },
        { Name: 'day', Type: 'string' },
      ]);
      const params = table.Parameters as Record<string, unknown>;
      expect(params['projection.enabled']).toBe('true');
      expect(params['projection.month.digits']).toBe('2');
      expect(params['projection.day.digits']).toBe('2');
      // The template, with the bucket and projected values filled in, is the Firehose key for that day.
      const location = JSON.stringify(params['storage.location.template']);
      const firehoseLayout = S3_PREFIX.replace('!{partitionKeyFromQuery:dataset}', dataset).replace(
        /!\{partitionKeyFromQuery:(year|month|day)\}/g,
        (_, key: string) => `\${${key}}`,
      );
      expect(location).toContain(`/${firehoseLayout}`);
    }
    expect(ofType('AWS::Glue::Crawler')).toHaveLength(0);
  });

  it('deploys every analytics/sql file as a named query in the workgroup, views included', () => {
    const sqlDir = join(import.meta.dirname, '../../analytics/sql');
    const files = (readdirSync(sqlDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.sql'));
    const queries = ofType('AWS::Athena::NamedQuery').map(([, q]) => q.Properties);
    expect(queries).toHaveLength(files.length);
    const names = queries.map((q) => q.Name);
    expect(names).toContain('incident_latest');
    expect(names).toContain('event_latest');
    for (const q of queries) {
      expect(q.Database).toEqual({ Ref: 'GlueDatabaseName' });
      expect(q.QueryString).not.toContain('"@timestamp"');
    }
  });

  it('renames quoted JSON keys to their Glue column in the Athena text only', () => {
    expect(athenaSql('SELECT t."@timestamp", "timestamp" FROM incident t')).toBe(
      'SELECT t."timestamp", "timestamp" FROM incident t',
    );
  });

  it('enforces a workgroup with its own encrypted results location and a per-query scan cutoff', () => {
    const [, wg] = ofType('AWS::Athena::WorkGroup')[0]!;
    const [resultsId] = ofType('AWS::S3::Bucket').find(([, b]) =>
      JSON.stringify(b.Properties).includes('athena-results/'),
    )!;
    expect(wg.Properties.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: { Ref: 'AthenaBytesScannedCutoff' },
      ResultConfiguration: {
        EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsId }, '/results/']] },
      },
    });
  });
});
