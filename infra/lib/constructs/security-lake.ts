import { Aws, CfnCondition, CfnParameter, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { glueColumns } from '../../../shared/ocsf/columns.ts';
import { OCSF_CLASSES, type OcsfClass } from '../../../shared/ocsf/index.ts';

/** Glue table of an OCSF class in the connector's database (`ocsf_process_activity`, ...). */
export function ocsfTableName(cls: OcsfClass): string {
  return `ocsf_${cls.name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
}

/**
 * JQ (Firehose metadata extraction) giving the eventDay partition from the record's own `time` (epoch
 * ms), so a late record lands in the day it happened, as the local writer does.
 */
export const EVENT_DAY_QUERY = '{eventDay: ((.time / 1000) | floor | strftime("%Y%m%d"))}';

/** Props of {@link SecurityLakeOutput}. */
export interface SecurityLakeOutputProps {
  /** Glue database holding the class tables (the connector's Athena database). */
  readonly databaseName: string;
}

/**
 * OCSF output for Amazon Security Lake: one Firehose stream per OCSF class, converting the JSON records
 * to Parquet with the schema of a Glue table derived from the class's column table (the same table the
 * local writer types its Parquet columns with), writing to
 * `s3://<Security Lake bucket>/ext/<prefix>-<class>/region=<region>/accountId=<id>/eventDay=<YYYYMMDD>/`,
 * buffered 5-15 minutes. Everything exists only when the `OcsfOutput` parameter is `true`.
 */
export class SecurityLakeOutput extends Construct {
  readonly enabled: CfnCondition;
  readonly streams: Map<number, firehose.CfnDeliveryStream> = new Map();
  readonly tables: glue.CfnTable[] = [];
  readonly role: iam.Role;
  readonly sourcePrefix: CfnParameter;
  readonly accountId: string;
  /** `OCSF_STREAMS` for the collector: `<class_uid>=<stream>,...`, empty when disabled. */
  readonly streamsEnvironment: string;

  constructor(scope: Construct, id: string, props: SecurityLakeOutputProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const param = (name: string, p: ConstructorParameters<typeof CfnParameter>[2]) =>
      new CfnParameter(stack, name, p);
    const output = param('OcsfOutput', {
      type: 'String',
      default: 'false',
      allowedValues: ['true', 'false'],
      description: 'Also deliver OCSF 1.1.0 Parquet to an Amazon Security Lake bucket (docs/ocsf.md)',
    });
    const bucketName = param('SecurityLakeBucketName', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description:
        'The Security Lake bucket (aws-security-data-lake-<region>-<id>); required when OcsfOutput=true',
    });
    this.sourcePrefix = param('OcsfSourcePrefix', {
      type: 'String',
      default: 'ses',
      allowedPattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,10}$',
      description: 'Custom source name prefix: sources are <prefix>-<class>, at most 20 characters',
    });
    const account = param('OcsfAccountId', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[A-Za-z0-9_-]{1,64}$',
      description: 'accountId= partition: empty for this account, or the external id of the custom sources',
    });
    const interval = param('OcsfBufferIntervalSeconds', {
      type: 'Number',
      default: 300,
      minValue: 300,
      maxValue: 900,
      description: 'Firehose buffering of the OCSF streams (Security Lake wants objects every 5-15 minutes)',
    });
    this.enabled = new CfnCondition(stack, 'OcsfEnabled', {
      expression: Fn.conditionEquals(output.valueAsString, 'true'),
    });
    const useAccount = new CfnCondition(stack, 'OcsfAccountIsThisAccount', {
      expression: Fn.conditionEquals(account.valueAsString, ''),
    });
    this.accountId = Fn.conditionIf(useAccount.logicalId, Aws.ACCOUNT_ID, account.valueAsString).toString();
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${bucketName.valueAsString}`;
    const prefix = this.sourcePrefix.valueAsString;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    (logGroup.node.defaultChild as logs.CfnLogGroup).cfnOptions.condition = this.enabled;

    this.role = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Firehose conversion of OCSF records to Parquet into the Security Lake bucket',
    });
    (this.role.node.defaultChild as iam.CfnRole).cfnOptions.condition = this.enabled;
    const policy = new iam.Policy(this, 'FirehosePolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'BucketLevel',
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'SourcePrefixes',
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: [`${bucketArn}/ext/${prefix}-*`],
        }),
        new iam.PolicyStatement({
          sid: 'GlueSchema',
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: [
            `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:catalog`,
            `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:database/${props.databaseName}`,
            ...OCSF_CLASSES.map(
              (c) =>
                `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${props.databaseName}/${ocsfTableName(c)}`,
            ),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'DeliveryErrorLogs',
          actions: ['logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    (policy.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = this.enabled;
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<SecurityLakeBucketName>/ext/<OcsfSourcePrefix>-*]',
      reason:
        'Firehose writes generated object keys under the dynamic eventDay partitions of the connector’s own custom sources; the grant is limited to the ext/<prefix>-* prefixes of the one Security Lake bucket the operator names.',
    });

    const names: string[] = [];
    for (const cls of OCSF_CLASSES) {
      const tableName = ocsfTableName(cls);
      const table = new glue.CfnTable(this, `Table${cls.uid}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: props.databaseName,
        tableInput: {
          name: tableName,
          description: `OCSF 1.1.0 ${cls.uid} ${cls.name} (columns from shared/ocsf; the Firehose Parquet conversion schema)`,
          tableType: 'EXTERNAL_TABLE',
          parameters: { classification: 'parquet', ocsf_version: '1.1.0', ocsf_class_uid: String(cls.uid) },
          partitionKeys: [{ name: 'eventday', type: 'string' }],
          storageDescriptor: {
            columns: glueColumns(cls.columns),
            location: `s3://${bucketName.valueAsString}/ext/${prefix}-${cls.short}/region=${Aws.REGION}/accountId=${this.accountId}/`,
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      });
      table.cfnOptions.condition = this.enabled;
      this.tables.push(table);
      const logStream = new logs.LogStream(this, `LogStream${cls.uid}`, {
        logGroup,
        logStreamName: `ocsf-${cls.uid}`,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      (logStream.node.defaultChild as logs.CfnLogStream).cfnOptions.condition = this.enabled;
      const stream = new firehose.CfnDeliveryStream(this, `Stream${cls.uid}`, {
        deliveryStreamType: 'DirectPut',
        deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
        extendedS3DestinationConfiguration: {
          bucketArn,
          roleArn: this.role.roleArn,
          prefix: `ext/${prefix}-${cls.short}/region=${Aws.REGION}/accountId=${this.accountId}/eventDay=!{partitionKeyFromQuery:eventDay}/`,
          errorOutputPrefix: `ext/${prefix}-${cls.short}-errors/!{firehose:error-output-type}/!{timestamp:yyyyMMdd}/`,
          // Parquet compresses itself (snappy below); Firehose requires UNCOMPRESSED with conversion.
          compressionFormat: 'UNCOMPRESSED',
          bufferingHints: { intervalInSeconds: interval.valueAsNumber, sizeInMBs: 128 },
          dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
          processingConfiguration: {
            enabled: true,
            processors: [
              {
                type: 'MetadataExtraction',
                parameters: [
                  { parameterName: 'MetadataExtractionQuery', parameterValue: EVENT_DAY_QUERY },
                  { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
                ],
              },
            ],
          },
          dataFormatConversionConfiguration: {
            enabled: true,
            inputFormatConfiguration: { deserializer: { openXJsonSerDe: { caseInsensitive: false } } },
            outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
            schemaConfiguration: {
              catalogId: Aws.ACCOUNT_ID,
              databaseName: props.databaseName,
              tableName,
              region: Aws.REGION,
              roleArn: this.role.roleArn,
              versionId: 'LATEST',
            },
          },
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: logGroup.logGroupName,
            logStreamName: logStream.logStreamName,
          },
        },
      });
      stream.cfnOptions.condition = this.enabled;
      stream.node.addDependency(table);
      stream.node.addDependency(policy);
      this.streams.set(cls.uid, stream);
      names.push(Fn.join('=', [String(cls.uid), stream.ref]));
    }
    this.streamsEnvironment = Fn.conditionIf(this.enabled.logicalId, Fn.join(',', names), '').toString();
  }

  /** Let the collector put records into every OCSF stream (nothing when disabled). */
  grantPutRecords(grantee: iam.IGrantable): void {
    const arns = [...this.streams.values()].map((s) =>
      Fn.conditionIf(this.enabled.logicalId, s.attrArn, Aws.NO_VALUE).toString(),
    );
    iam.Grant.addToPrincipal({ grantee, actions: ['firehose:PutRecordBatch'], resourceArns: arns });
  }
}
