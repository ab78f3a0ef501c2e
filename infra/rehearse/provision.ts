import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
} from '@aws-sdk/client-firehose';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { PhysicalResource, TemplateResolver } from './template.ts';

/** Fixed credentials for moto (it accepts any); they are scanned for like every other secret. */
export const MOTO_CREDENTIALS = {
  accessKeyId: 'AKIAREHEARSAL0000001',
  secretAccessKey: 'rehearsal-aws-secret-key-5b8c1e77d0a94f2e',
  sessionToken: 'rehearsal-aws-session-token-c41f9a0e6b2d',
};

export interface AwsTarget {
  endpoint: string;
  region: string;
  accountId: string;
}

/** One resource created in the emulator, as the rehearsal output lists it. */
export interface CreatedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  /** Emulated: created in moto. Named only: an id the code may reference (roles, functions). */
  how: 'created' | 'named';
}

export interface Provisioned {
  created: CreatedResource[];
  /** Types in the template the rehearsal does not create (and why nothing needs them). */
  skipped: Array<{ logicalId: string; type: string; reason: string }>;
}

function clientConfig(t: AwsTarget) {
  return { endpoint: t.endpoint, region: t.region, credentials: MOTO_CREDENTIALS, maxAttempts: 2 };
}

/** A CloudFormation-style generated name: stack-logicalId-SUFFIX, trimmed to the service's limit. */
function physicalName(stack: string, logicalId: string, max: number, lower = false): string {
  const suffix = randomBytes(6).toString('hex').toUpperCase();
  const base = `${stack}-${logicalId}`.slice(0, max - suffix.length - 1);
  const name = `${base}-${suffix}`;
  return lower ? name.toLowerCase() : name;
}

/** Call a JSON-protocol API of moto directly (services whose SDK client the project does not ship). */
async function jsonCall(t: AwsTarget, service: string, target: string, body: unknown): Promise<unknown> {
  const res = await fetch(t.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': target,
      Authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/20260101/${t.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${target}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : {};
}

/**
 * Types the rehearsal creates, in dependency order. Each creator reads the resource's own template
 * properties (resolved) and returns its physical id and the attributes other resources and the
 * function's environment reference.
 */
type Creator = (
  id: string,
  props: Record<string, unknown>,
  ctx: { t: AwsTarget; r: TemplateResolver },
) => Promise<PhysicalResource>;

const arn = (t: AwsTarget, service: string, rest: string, region = t.region, account = t.accountId) =>
  `arn:aws:${service}:${region}:${account}:${rest}`;

const CREATORS: Array<[string, Creator]> = [
  [
    'AWS::KMS::Key',
    async (_id, props, { t }) => {
      const out = (await jsonCall(t, 'kms', 'TrentService.CreateKey', {
        Description: props.Description,
        KeyUsage: 'ENCRYPT_DECRYPT',
      })) as { KeyMetadata: { KeyId: string; Arn: string } };
      return {
        ref: out.KeyMetadata.KeyId,
        attrs: { Arn: out.KeyMetadata.Arn, KeyId: out.KeyMetadata.KeyId },
      };
    },
  ],
  // Queues before buckets: a bucket's notification configuration names its queue's ARN.
  [
    'AWS::SQS::Queue',
    async (id, props, { t, r }) => {
      const name = (props.QueueName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 80);
      const sqs = new SQSClient(clientConfig(t));
      const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      return {
        ref: String(out.QueueUrl),
        attrs: { Arn: String(attrs.Attributes?.QueueArn), QueueName: name, QueueUrl: String(out.QueueUrl) },
      };
    },
  ],
  [
    'AWS::S3::Bucket',
    async (id, props, { t, r }) => {
      const name = (props.BucketName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 63, true);
      const s3 = new S3Client({ ...clientConfig(t), forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      const versioning = props.VersioningConfiguration as { Status?: string } | undefined;
      if (versioning?.Status === 'Enabled') {
        await s3.send(
          new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
        );
      }
      return { ref: name, attrs: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } };
    },
  ],
  [
    'AWS::IAM::Role',
    async (id, props, { t, r }) => {
      const name = (props.RoleName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 64);
      return { ref: name, attrs: { Arn: arn(t, 'iam', `role/${name}`, ''), RoleId: `AROA${id}` } };
    },
  ],
  [
    'AWS::Logs::LogGroup',
    async (id, props, { t, r }) => {
      const name = (props.LogGroupName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 512);
      await jsonCall(t, 'logs', 'Logs_20140328.CreateLogGroup', { logGroupName: name });
      return { ref: name, attrs: { Arn: arn(t, 'logs', `log-group:${name}:*`) } };
    },
  ],
  [
    'AWS::Logs::LogStream',
    async (id, props, { t, r }) => {
      const group = String(props.LogGroupName);
      const name = (props.LogStreamName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 512);
      await jsonCall(t, 'logs', 'Logs_20140328.CreateLogStream', {
        logGroupName: group,
        logStreamName: name,
      });
      return { ref: name, attrs: {} };
    },
  ],
  [
    'AWS::DynamoDB::Table',
    async (id, props, { t, r }) => {
      const name = (props.TableName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 255);
      const ddb = new DynamoDBClient(clientConfig(t));
      await ddb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: props.KeySchema as never,
          AttributeDefinitions: props.AttributeDefinitions as never,
          BillingMode: (props.BillingMode as never) ?? 'PAY_PER_REQUEST',
          ...(props.ProvisionedThroughput
            ? { ProvisionedThroughput: props.ProvisionedThroughput as never }
            : {}),
        }),
      );
      const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled && ttl.AttributeName) {
        await ddb.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
      return { ref: name, attrs: { Arn: arn(t, 'dynamodb', `table/${name}`) } };
    },
  ],
  [
    'AWS::SecretsManager::Secret',
    async (id, props, { t, r }) => {
      const name = (props.Name as string | undefined) ?? physicalName(r.pseudo.stackName, id, 256);
      // What CloudFormation does with GenerateSecretString: the template object plus a generated key.
      const gen = props.GenerateSecretString as
        | { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number }
        | undefined;
      let value = props.SecretString as string | undefined;
      if (gen?.GenerateStringKey) {
        const base = JSON.parse(gen.SecretStringTemplate ?? '{}') as Record<string, unknown>;
        base[gen.GenerateStringKey] = randomBytes(64)
          .toString('base64')
          .replace(/[^A-Za-z0-9]/g, '')
          .slice(0, gen.PasswordLength ?? 32);
        value = JSON.stringify(base);
      }
      const out = await new SecretsManagerClient(clientConfig(t)).send(
        new CreateSecretCommand({ Name: name, SecretString: value ?? '{}' }),
      );
      return { ref: String(out.ARN), attrs: { Id: String(out.ARN) } };
    },
  ],
  [
    'AWS::SNS::Topic',
    async (id, props, { t, r }) => {
      const name = (props.TopicName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 256);
      const out = await new SNSClient(clientConfig(t)).send(
        new CreateTopicCommand({
          Name: name,
          Attributes: props.KmsMasterKeyId ? { KmsMasterKeyId: String(props.KmsMasterKeyId) } : {},
        }),
      );
      return { ref: String(out.TopicArn), attrs: { TopicArn: String(out.TopicArn), TopicName: name } };
    },
  ],
  [
    'AWS::Events::EventBus',
    async (id, props, { t, r }) => {
      const name = (props.Name as string | undefined) ?? physicalName(r.pseudo.stackName, id, 256);
      const out = await new EventBridgeClient(clientConfig(t)).send(
        new CreateEventBusCommand({ Name: name }),
      );
      return { ref: name, attrs: { Arn: String(out.EventBusArn), Name: name } };
    },
  ],
  [
    'AWS::KinesisFirehose::DeliveryStream',
    async (id, props, { t, r }) => {
      const name =
        (props.DeliveryStreamName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 64);
      const s3 = props.ExtendedS3DestinationConfiguration as Record<string, unknown> | undefined;
      if (!s3) throw new Error(`${id}: only ExtendedS3 delivery streams can be rehearsed on moto`);
      const firehose = new FirehoseClient(clientConfig(t));
      // moto accepts the S3 destination; it does not apply dynamic partitioning or compression.
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          DeliveryStreamType: 'DirectPut',
          ExtendedS3DestinationConfiguration: {
            BucketARN: String(s3.BucketARN),
            RoleARN: String(s3.RoleARN),
            Prefix: s3.Prefix as string | undefined,
            ErrorOutputPrefix: s3.ErrorOutputPrefix as string | undefined,
            BufferingHints: {
              IntervalInSeconds: Number(
                (s3.BufferingHints as Record<string, unknown>)?.IntervalInSeconds ?? 300,
              ),
              SizeInMBs: Number((s3.BufferingHints as Record<string, unknown>)?.SizeInMBs ?? 5),
            },
            CompressionFormat: s3.CompressionFormat as never,
          },
        }),
      );
      const d = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
      return { ref: name, attrs: { Arn: String(d.DeliveryStreamDescription?.DeliveryStreamARN) } };
    },
  ],
  [
    'AWS::Lambda::Function',
    async (id, props, { t, r }) => {
      const name = (props.FunctionName as string | undefined) ?? physicalName(r.pseudo.stackName, id, 64);
      return { ref: name, attrs: { Arn: arn(t, 'lambda', `function:${name}`) } };
    },
  ],
];

const SKIP_REASONS: Record<string, string> = {
  'AWS::IAM::Policy': 'read from the template by the IAM check, not enforced by moto',
  'AWS::CloudWatch::Alarm': 'the rehearsal checks the EMF metric names they watch',
  'AWS::CloudWatch::Dashboard': 'no runtime role',
  'AWS::Glue::Database': 'query layer, not touched by the collector',
  'AWS::Glue::Table': 'query layer, not touched by the collector',
  'AWS::Athena::WorkGroup': 'query layer, not touched by the collector',
  'AWS::Athena::NamedQuery': 'query layer, not touched by the collector',
};

/**
 * Create in the emulator every resource of the template that a function may touch, from the
 * resource's own properties, registering physical ids in `r` so environments and policies resolve.
 * Resources whose condition is false are not created (as in CloudFormation).
 */
export async function provision(r: TemplateResolver, t: AwsTarget): Promise<Provisioned> {
  const created: CreatedResource[] = [];
  const skipped: Provisioned['skipped'] = [];
  const resources = Object.entries(r.template.Resources);
  const known = new Set(CREATORS.map(([type]) => type));
  for (const [type, create] of CREATORS) {
    for (const [id, res] of resources) {
      if (res.Type !== type) continue;
      if (!r.exists(id)) {
        skipped.push({ logicalId: id, type, reason: `condition ${res.Condition} is false` });
        continue;
      }
      const props = r.resolve(res.Properties ?? {}) as Record<string, unknown>;
      const physical = await create(id, props, { t, r });
      r.resources.set(id, physical);
      const how = type === 'AWS::IAM::Role' || type === 'AWS::Lambda::Function' ? 'named' : 'created';
      created.push({ logicalId: id, type, physicalId: physical.ref, how });
    }
  }
  for (const [id, res] of resources) {
    if (known.has(res.Type)) continue;
    skipped.push({ logicalId: id, type: res.Type, reason: SKIP_REASONS[res.Type] ?? 'not used at run time' });
  }
  return { created, skipped };
}
