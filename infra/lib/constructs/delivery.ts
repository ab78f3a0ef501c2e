import { Aws, type CfnCondition, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TELEMETRY_DATASET } from '../../../shared/normalize/telemetry/index.ts';
import { DATASET_PREFIX } from '../../../shared/ports/document.ts';

/** Datasets written by the connector; each is a top-level folder of the data bucket and a Glue table. */
export const DATASETS = ['incident', 'event', 'quarantine', 'telemetry'] as const;
export type Dataset = (typeof DATASETS)[number];

/**
 * JQ (Firehose metadata extraction, JQ-1.6) computing the partition keys from the record itself: the
 * short dataset name and the UTC date of `@timestamp` (ISO 8601, so fixed offsets), never arrival time.
 * Telemetry keeps Elastic's dataset name (`symantec_endpoint_security.event`), which has none of our
 * prefix: it is mapped to its short name `telemetry` explicitly.
 */
export const PARTITION_QUERY =
  `{dataset: (.data_stream.dataset | if . == "${TELEMETRY_DATASET}" then "telemetry" ` +
  `else ltrimstr("${DATASET_PREFIX}") end), ` +
  'year: .["@timestamp"][0:4], month: .["@timestamp"][5:7], day: .["@timestamp"][8:10]}';

/**
 * The collector packs up to 500 NDJSON documents into one Firehose record (billed per record in 5 KB
 * steps), joined by "\n" with no newline at the end; the stream splits them on that delimiter before
 * partitioning (base64 of "\n") and appends "\n" after each, so S3 gets one document per line.
 */
export const SUB_RECORD_DELIMITER_BASE64 = Buffer.from('\n').toString('base64');

/** S3 key prefix: exactly the local layout `<dataset>/year=YYYY/month=MM/day=DD/`. */
export const S3_PREFIX =
  '!{partitionKeyFromQuery:dataset}/year=!{partitionKeyFromQuery:year}/' +
  'month=!{partitionKeyFromQuery:month}/day=!{partitionKeyFromQuery:day}/';

/** Records Firehose could not partition or deliver (kept for inspection and replay). */
export const ERROR_PREFIX =
  'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/';

/** OpenSearch documents that were rejected land here (S3 backup of the OpenSearch stream). */
export const OPENSEARCH_FAILED_PREFIX = 'opensearch-failed/';

export const FILE_EXTENSION = '.json.gz';

/** Optional OpenSearch destination. */
export interface OpenSearchDestinationProps {
  /** Domain ARN (may be a parameter token). */
  readonly domainArn: string;
  readonly indexName: string;
  /** The stream and its permissions exist only under this condition. */
  readonly condition: CfnCondition;
  /**
   * VPC delivery for a domain inside a VPC: Firehose places ENIs in these subnets with these security
   * groups (tokens allowed), only when `vpcCondition` holds.
   */
  readonly vpc?: { subnetIds: string[]; securityGroupIds: string[]; condition: CfnCondition };
}

/** Props of {@link Delivery}. */
export interface DeliveryProps {
  /** Bucket receiving the data bucket's server access logs. */
  readonly accessLogBucket: s3.IBucket;
  /** Days before objects expire (token allowed). */
  readonly retentionDays: number;
  /** Days a noncurrent (overwritten or deleted) version is kept (token allowed). Default 30. */
  readonly noncurrentVersionDays?: number;
  /** Firehose buffering interval in seconds (token allowed). */
  readonly bufferIntervalSeconds: number;
  /**
   * S3 Object Lock (GOVERNANCE) on the data bucket: default retention days of each new object version,
   * applied only under the condition (parameter DataBucketObjectLockDays).
   */
  readonly objectLock?: { days: number; condition: CfnCondition };
  /** Firehose buffer size in MiB (token allowed; >= 64 with dynamic partitioning). */
  readonly bufferSizeMiB: number;
  readonly openSearch?: OpenSearchDestinationProps;
}

/**
 * Firehose → S3 delivery with dynamic partitioning on the record's dataset and `@timestamp`, GZIP NDJSON
 * (aggregated records are de-aggregated on "\n", then each document gets its "\n" back), and an optional
 * second stream to OpenSearch (one document per record: OpenSearch destinations do not de-aggregate).
 *
 * @example
 * const delivery = new Delivery(this, 'Delivery', { accessLogBucket, retentionDays: 365,
 *   bufferIntervalSeconds: 300, bufferSizeMiB: 64 });
 * delivery.grantPutRecords(fn);
 */
export class Delivery extends Construct {
  readonly bucket: s3.Bucket;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly s3Stream: firehose.CfnDeliveryStream;
  readonly openSearchStream?: firehose.CfnDeliveryStream;
  /** Comma-separated stream names: S3 first, OpenSearch second when enabled (Lambda `DELIVERY_STREAMS`). */
  readonly streamNames: string;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bucket = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'retention',
          expiration: Duration.days(props.retentionDays),
          // Versioning is the recovery window for an overwrite or delete: one day was too short to notice.
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    if (props.objectLock) {
      // Governance mode: users with s3:BypassGovernanceRetention can still delete (a mistake is
      // recoverable by an administrator); everyone else, Firehose and the lifecycle rule included, waits
      // out the retention. Only ObjectLockConfiguration (updatable in place), never the create-time flag,
      // so switching it on later does not replace the bucket.
      const lock = props.objectLock;
      (this.bucket.node.defaultChild as s3.CfnBucket).objectLockConfiguration = Fn.conditionIf(
        lock.condition.logicalId,
        { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: lock.days } } },
        Aws.NO_VALUE,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'FirehoseLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const s3LogStream = new logs.LogStream(this, 'S3DeliveryLogStream', {
      logGroup: this.logGroup,
      logStreamName: 'S3Delivery',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Firehose delivery of connector documents to the data bucket',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BucketLevel',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.bucket.bucketArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ObjectLevel',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeliveryErrorLogs',
        actions: ['logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      reason:
        'Firehose writes objects with generated keys under dynamic partitions, so object-level actions need the bucket/* form; the bucket is dedicated to this connector and bucket-level actions name the bucket exactly.',
    });

    this.s3Stream = new firehose.CfnDeliveryStream(this, 'S3Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: this.bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: S3_PREFIX,
        errorOutputPrefix: ERROR_PREFIX,
        compressionFormat: 'GZIP',
        fileExtension: FILE_EXTENSION,
        bufferingHints: {
          intervalInSeconds: props.bufferIntervalSeconds,
          sizeInMBs: props.bufferSizeMiB,
        },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'RecordDeAggregation',
              parameters: [
                { parameterName: 'SubRecordType', parameterValue: 'DELIMITED' },
                { parameterName: 'Delimiter', parameterValue: SUB_RECORD_DELIMITER_BASE64 },
              ],
            },
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: PARTITION_QUERY },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
            { type: 'AppendDelimiterToRecord' },
          ],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.logGroupName,
          logStreamName: s3LogStream.logStreamName,
        },
      },
    });
    // Firehose checks its role when the stream is created: the policy must exist first.
    this.s3Stream.node.addDependency(this.role);
    this.streamNames = this.s3Stream.ref;

    if (props.openSearch) {
      const os = props.openSearch;
      const osLogStream = new logs.LogStream(this, 'OpenSearchDeliveryLogStream', {
        logGroup: this.logGroup,
        logStreamName: 'OpenSearchDelivery',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const policy = new iam.Policy(this, 'OpenSearchAccess', {
        roles: [this.role],
        statements: [
          new iam.PolicyStatement({
            sid: 'DomainLevel',
            actions: ['es:DescribeDomain', 'es:DescribeDomains', 'es:DescribeDomainConfig'],
            resources: [os.domainArn],
          }),
          new iam.PolicyStatement({
            sid: 'IndexLevel',
            actions: ['es:ESHttpPost', 'es:ESHttpPut', 'es:ESHttpGet'],
            resources: [os.domainArn, `${os.domainArn}/*`],
          }),
        ],
      });
      (policy.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = os.condition;
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::<OpenSearchDomainArn>/*]',
        reason:
          'Firehose bulk-indexes into the one domain the operator names (paths /_bulk, /<index>/...); HTTP paths inside a domain can only be granted as domain/*. No other domain is reachable.',
      });
      let vpcConfiguration: firehose.CfnDeliveryStream.VpcConfigurationProperty | undefined;
      if (os.vpc) {
        // Firehose manages its ENIs in the domain's VPC with the delivery role (documented set).
        const vpcPolicy = new iam.Policy(this, 'OpenSearchVpcAccess', {
          roles: [this.role],
          statements: [
            new iam.PolicyStatement({
              sid: 'FirehoseVpcEnis',
              actions: [
                'ec2:DescribeVpcs',
                'ec2:DescribeVpcAttribute',
                'ec2:DescribeSubnets',
                'ec2:DescribeSecurityGroups',
                'ec2:DescribeNetworkInterfaces',
                'ec2:CreateNetworkInterface',
                'ec2:CreateNetworkInterfacePermission',
                'ec2:DeleteNetworkInterface',
              ],
              resources: ['*'],
            }),
          ],
        });
        (vpcPolicy.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = os.vpc.condition;
        Validations.of(vpcPolicy).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Firehose VPC delivery creates and deletes its own network interfaces; EC2 does not support resource-level permissions for the Describe* calls and the ENI ids are not known before.',
        });
        vpcConfiguration = Fn.conditionIf(
          os.vpc.condition.logicalId,
          {
            SubnetIds: os.vpc.subnetIds,
            SecurityGroupIds: os.vpc.securityGroupIds,
            RoleARN: this.role.roleArn,
          },
          Aws.NO_VALUE,
        ) as unknown as firehose.CfnDeliveryStream.VpcConfigurationProperty;
      }
      this.openSearchStream = new firehose.CfnDeliveryStream(this, 'OpenSearchStream', {
        deliveryStreamType: 'DirectPut',
        deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
        amazonopensearchserviceDestinationConfiguration: {
          domainArn: os.domainArn,
          indexName: os.indexName,
          indexRotationPeriod: 'NoRotation',
          roleArn: this.role.roleArn,
          // Firehose cannot take _id from the record; the index's default_pipeline sets it from doc_id.
          documentIdOptions: { defaultDocumentIdFormat: 'NO_DOCUMENT_ID' },
          ...(vpcConfiguration ? { vpcConfiguration } : {}),
          bufferingHints: { intervalInSeconds: 60, sizeInMBs: 5 },
          retryOptions: { durationInSeconds: 300 },
          s3BackupMode: 'FailedDocumentsOnly',
          s3Configuration: {
            bucketArn: this.bucket.bucketArn,
            roleArn: this.role.roleArn,
            prefix: OPENSEARCH_FAILED_PREFIX,
            errorOutputPrefix: `${OPENSEARCH_FAILED_PREFIX}errors/!{firehose:error-output-type}/`,
            compressionFormat: 'GZIP',
          },
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: this.logGroup.logGroupName,
            logStreamName: osLogStream.logStreamName,
          },
        },
      });
      this.openSearchStream.cfnOptions.condition = os.condition;
      if (os.vpc) {
        for (const id of ['F3031', 'F3033', 'E1150']) {
          Validations.of(this.openSearchStream).acknowledge({
            id: `CloudFormation-Validate::${id}`,
            reason:
              'VpcConfiguration applies only under HasOpenSearchVpc (subnets given); the validator reads the empty default list of the other branch.',
          });
        }
      }
      (osLogStream.node.defaultChild as logs.CfnLogStream).cfnOptions.condition = os.condition;
      this.openSearchStream.node.addDependency(this.role, policy);
      this.streamNames = Fn.conditionIf(
        os.condition.logicalId,
        Fn.join(',', [this.s3Stream.ref, this.openSearchStream.ref]),
        this.s3Stream.ref,
      ).toString();
    }
  }

  /** ARNs of the delivery streams (the OpenSearch one resolves to AWS::NoValue when disabled). */
  streamArns(): string[] {
    const arns = [this.s3Stream.attrArn];
    if (this.openSearchStream?.cfnOptions.condition) {
      arns.push(
        Fn.conditionIf(
          this.openSearchStream.cfnOptions.condition.logicalId,
          this.openSearchStream.attrArn,
          Aws.NO_VALUE,
        ).toString(),
      );
    }
    return arns;
  }

  /** Allow a principal to put records into every delivery stream of this construct. */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      // The sink only sends batches; the deploy rehearsal lists any grant the collector never uses.
      actions: ['firehose:PutRecordBatch'],
      resourceArns: this.streamArns(),
    });
  }
}
