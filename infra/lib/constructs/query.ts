import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { loadCatalog, type QueryDefinition } from '../../../analytics/catalog.ts';
import { FIELDS_BY_DATASET } from '../../../shared/normalize/fields.ts';
import { COLUMN_RENAMES, glueColumns, serdeMappings } from '../glue-schema.ts';
import { DATASETS } from './delivery.ts';

/** Datasets with a Glue table: every dataset the delivery stream partitions into a folder. */
export const TABLE_DATASETS = DATASETS;
export type TableDataset = (typeof TABLE_DATASETS)[number];

/** Partition columns of the S3 layout `<dataset>/year=YYYY/month=MM/day=DD/`. */
export const PARTITION_KEYS = ['year', 'month', 'day'] as const;

/** First year the `year` projection enumerates (queries without a date filter stay bounded). */
export const PROJECTION_FIRST_YEAR = 2020;

/** Table parameters enabling partition projection over the Firehose layout (no crawler, no MSCK). */
export function projectionParameters(bucketName: string, dataset: TableDataset): Record<string, string> {
  return {
    classification: 'json',
    compressionType: 'gzip',
    'projection.enabled': 'true',
    'projection.year.type': 'integer',
    'projection.year.range': `${PROJECTION_FIRST_YEAR},2099`,
    'projection.month.type': 'integer',
    'projection.month.range': '1,12',
    'projection.month.digits': '2',
    'projection.day.type': 'integer',
    'projection.day.range': '1,31',
    'projection.day.digits': '2',
    'storage.location.template': `s3://${bucketName}/${dataset}/year=\${year}/month=\${month}/day=\${day}/`,
  };
}

/**
 * Athena text of a catalogue query. The SQL files address the JSON key (`"@timestamp"`), as DuckDB does
 * locally; in Glue that key is the column named in COLUMN_RENAMES (OpenX `mapping.*`), so quoted
 * references are renamed here.
 */
export function athenaSql(sql: string): string {
  let out = sql;
  for (const [key, column] of Object.entries(COLUMN_RENAMES)) out = out.replaceAll(`"${key}"`, `"${column}"`);
  return out;
}

/** Props of {@link Query}. */
export interface QueryProps {
  /** The data bucket written by the delivery stream. */
  readonly dataBucket: s3.IBucket;
  /** Bucket receiving the results bucket's server access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Glue database name (token allowed). */
  readonly databaseName: string;
  /** Bytes one Athena query may scan (token allowed). */
  readonly bytesScannedCutoffPerQuery: number;
  /** Queries to deploy as named queries. Default: every file of analytics/sql/, read at synth time. */
  readonly queries?: readonly QueryDefinition[];
}

/**
 * The query layer: a Glue database, one JSON table per dataset with partition projection over the S3
 * layout (columns derived from shared/normalize/fields.ts), an Athena workgroup with its own results
 * bucket and an enforced per-query scan cutoff, and every analytics/sql file as a named query (the
 * `*_latest` views that remove re-deliveries by `symantec_edr_cloud.doc_id` included).
 */
export class Query extends Construct {
  readonly database: glue.CfnDatabase;
  readonly tables: Record<TableDataset, glue.CfnTable>;
  readonly resultsBucket: s3.Bucket;
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: athena.CfnNamedQuery[] = [];

  constructor(scope: Construct, id: string, props: QueryProps) {
    super(scope, id);

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: props.databaseName,
        description: 'Symantec Endpoint Security incidents, events and quarantined records (ses-connector)',
      },
    });

    const tables: Partial<Record<TableDataset, glue.CfnTable>> = {};
    for (const dataset of TABLE_DATASETS) {
      const table = new glue.CfnTable(this, `${dataset[0]!.toUpperCase()}${dataset.slice(1)}Table`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: props.databaseName,
        tableInput: {
          name: dataset,
          description:
            dataset === 'telemetry'
              ? 'symantec_endpoint_security.event documents: endpoint telemetry (gzip NDJSON, partitioned by @timestamp UTC date)'
              : `symantec_edr_cloud.${dataset} documents (gzip NDJSON, partitioned by @timestamp UTC date)`,
          tableType: 'EXTERNAL_TABLE',
          parameters: { EXTERNAL: 'TRUE', ...projectionParameters(props.dataBucket.bucketName, dataset) },
          partitionKeys: PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
          storageDescriptor: {
            location: `s3://${props.dataBucket.bucketName}/${dataset}/`,
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            compressed: true,
            serdeInfo: {
              serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
              parameters: { ...serdeMappings(), 'case.insensitive': 'true', 'dots.in.keys': 'false' },
            },
            columns: glueColumns(FIELDS_BY_DATASET[dataset]),
          },
        },
      });
      table.node.addDependency(this.database);
      tables[dataset] = table;
    }
    this.tables = tables as Record<TableDataset, glue.CfnTable>;

    this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'athena-results/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-results', expiration: Duration.days(30) }],
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: Fn.join('-', [Aws.STACK_NAME, 'ses-connector']),
      description: 'Queries over the Symantec SES connector tables',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    for (const def of props.queries ?? loadCatalog()) {
      const description = [def.title, def.description].filter(Boolean).join(': ').slice(0, 1024);
      const named = new athena.CfnNamedQuery(this, `Query-${def.file.replace(/\.sql$/, '')}`, {
        name: def.name,
        description,
        database: props.databaseName,
        workGroup: this.workGroup.ref,
        queryString: athenaSql(def.sql),
      });
      named.node.addDependency(this.database);
      this.namedQueries.push(named);
    }
  }
}
