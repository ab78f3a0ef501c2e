import { CfnCondition, CfnParameter, type CfnParameterProps, Fn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  HEAP_GROWING_PERCENT_MAX,
  SETTINGS,
  type SettingKey,
  settingsSchema,
} from '../../../shared/config/settings.ts';

/** Settings of shared/config/settings.ts that the stack exposes as CloudFormation parameters. */
export type ParameterSettingKey = {
  [K in SettingKey]: (typeof SETTINGS)[K] extends { parameter: string } ? K : never;
}[SettingKey];

/**
 * CloudFormation constraints of each parameterised setting. Type and bounds mirror the zod schema in
 * settings.ts (a test checks each bound against the schema); defaults are read from the schema itself.
 */
export const SETTING_PARAMETER_CONSTRAINTS: Record<
  string,
  Omit<CfnParameterProps, 'default' | 'description'>
> = {
  apiRegion: { type: 'String', allowedValues: ['us', 'eu', 'in'] },
  apiUrl: {
    type: 'String',
    allowedPattern: '^$|^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\\s]*)?$',
    constraintDescription:
      'empty, or an https:// base URL such as https://api.sep.eu.securitycloud.symantec.com',
  },
  pageSize: { type: 'Number', minValue: 1, maxValue: 2000 },
  includeEvents: { type: 'String', allowedValues: ['true', 'false'] },
  keepOriginal: { type: 'String', allowedValues: ['true', 'false'] },
  preserveDuplicateCustomFields: { type: 'String', allowedValues: ['true', 'false'] },
  initialLookbackMinutes: { type: 'Number', minValue: 1, maxValue: 30 * 24 * 60 },
  overlapSeconds: { type: 'Number', minValue: 0, maxValue: 24 * 3600 },
  openSweepMinutes: { type: 'Number', minValue: 0, maxValue: 7 * 24 * 60 },
  logLevel: { type: 'String', allowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR'] },
  eventStreamId: {
    type: 'String',
    allowedPattern: '^$|^[A-Za-z0-9-]{1,64}$',
    constraintDescription: 'empty (no stream collector), or the Event Stream GUID from the console',
  },
  eventStreamChannels: { type: 'Number', minValue: 1, maxValue: 64 },
  heapGrowingPercent: { type: 'Number', minValue: 0, maxValue: HEAP_GROWING_PERCENT_MAX },
};

/** The settings that have a `parameter` name, in declaration order. */
export function parameterSettings(): Array<{ key: SettingKey; parameter: string; env: string; doc: string }> {
  return (Object.entries(SETTINGS) as Array<[SettingKey, (typeof SETTINGS)[SettingKey]]>)
    .filter(([, spec]) => spec.parameter !== undefined)
    .map(([key, spec]) => ({ key, parameter: spec.parameter as string, env: spec.env, doc: spec.doc }));
}

/** Schema defaults as CloudFormation parameter defaults (strings; optional settings become ''). */
export function settingDefaults(): Record<SettingKey, string> {
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const key of Object.keys(SETTINGS))
    out[key] = defaults[key] === undefined ? '' : String(defaults[key]);
  return out as Record<SettingKey, string>;
}

/** Defaults of the stack's own (non-setting) parameters; documented in docs/deploy.md. */
export const STACK_DEFAULTS = {
  schedule: 'rate(5 minutes)',
  /** 4 min: below the 5-min default period so runs never overlap; the deadline guard uses the rest. */
  timeoutSeconds: 240,
  bufferIntervalSeconds: 300,
  bufferSizeMiB: 64,
  retentionDays: 365,
  /** Days a replaced or deleted object version is kept (recovery window after an overwrite or delete). */
  noncurrentVersionDays: 30,
  noSuccessAlarmSeconds: 900,
  lagAlarmSeconds: 3600,
  athenaBytesScannedCutoff: 10 * 1024 ** 3,
  glueDatabaseName: 'symantec_edr_cloud',
  openSearchIndex: 'symantec-edr-cloud',
} as const;

/**
 * Every CloudFormation parameter of the connector stack, and the conditions derived from them. Changing
 * a value with `cdk deploy --parameters Name=value` changes behaviour without a code change.
 */
export class ConnectorParameters extends Construct {
  /** One parameter per setting with a `parameter` name, keyed by setting key. */
  readonly settings: Record<string, CfnParameter> = {};
  readonly schedule: CfnParameter;
  readonly timeoutSeconds: CfnParameter;
  readonly bufferIntervalSeconds: CfnParameter;
  readonly bufferSizeMiB: CfnParameter;
  readonly retentionDays: CfnParameter;
  readonly noncurrentVersionDays: CfnParameter;
  readonly alarmEmail: CfnParameter;
  readonly noSuccessAlarmSeconds: CfnParameter;
  readonly lagAlarmSeconds: CfnParameter;
  readonly existingSecretArn: CfnParameter;
  readonly openSearchDomainArn: CfnParameter;
  readonly openSearchIndex: CfnParameter;
  readonly openSearchSubnetIds: CfnParameter;
  readonly openSearchSecurityGroupIds: CfnParameter;
  readonly glueDatabaseName: CfnParameter;
  readonly athenaBytesScannedCutoff: CfnParameter;
  /** Telemetry (issue 16): the stream collector's own schedule, and an existing Data Bucket export bucket. */
  readonly streamSchedule: CfnParameter;
  readonly eventFilesBucketName: CfnParameter;
  /** Issue 13 options: X-Ray tracing of the Lambdas, Object Lock (governance) on the data bucket. */
  readonly xrayTracing: CfnParameter;
  readonly objectLockDays: CfnParameter;
  /** True when no existing secret ARN was given: the stack creates the secret. */
  readonly createSecret: CfnCondition;
  readonly hasAlarmEmail: CfnCondition;
  readonly hasOpenSearch: CfnCondition;
  /** OpenSearch delivery into a VPC domain: subnets were given. */
  readonly hasOpenSearchVpc: CfnCondition;
  readonly hasTracing: CfnCondition;
  readonly hasObjectLock: CfnCondition;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Parameters belong to the stack, so their logical ids are the plain names users pass to --parameters.
    const stackScope = scope;
    const param = (name: string, props: CfnParameterProps) => {
      const p = new CfnParameter(stackScope, name, props);
      p.overrideLogicalId(name);
      return p;
    };

    const defaults = settingDefaults();
    for (const { key, parameter, env, doc } of parameterSettings()) {
      const constraints = SETTING_PARAMETER_CONSTRAINTS[key];
      if (!constraints) {
        throw new Error(
          `Setting "${key}" has parameter "${parameter}" but no constraints in infra/lib/constructs/parameters.ts; add an entry to SETTING_PARAMETER_CONSTRAINTS`,
        );
      }
      this.settings[key] = param(parameter, {
        ...constraints,
        default: defaults[key],
        description: `${doc} (Lambda env ${env})`,
      });
    }

    this.schedule = param('ScheduleExpression', {
      type: 'String',
      default: STACK_DEFAULTS.schedule,
      allowedPattern: '^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\([^)]+\\))$',
      constraintDescription: 'an EventBridge schedule expression: rate(5 minutes) or cron(...)',
      description:
        'How often the collector runs. Keep the period longer than CollectorTimeoutSeconds so runs never overlap.',
    });
    this.timeoutSeconds = param('CollectorTimeoutSeconds', {
      type: 'Number',
      default: STACK_DEFAULTS.timeoutSeconds,
      minValue: 60,
      maxValue: 900,
      description:
        'Lambda timeout (s); the run stops fetching SES_DEADLINE_MARGIN_SECONDS before it. Keep it below the schedule period (240 for the 5-minute default).',
    });
    this.bufferIntervalSeconds = param('FirehoseBufferIntervalSeconds', {
      type: 'Number',
      default: STACK_DEFAULTS.bufferIntervalSeconds,
      minValue: 60,
      maxValue: 900,
      description: 'Firehose buffering interval (s) before an object is written to S3.',
    });
    this.bufferSizeMiB = param('FirehoseBufferSizeMiB', {
      type: 'Number',
      default: STACK_DEFAULTS.bufferSizeMiB,
      minValue: 64,
      maxValue: 128,
      description: 'Firehose buffer size (MiB); dynamic partitioning requires at least 64.',
    });
    this.retentionDays = param('RetentionDays', {
      type: 'Number',
      default: STACK_DEFAULTS.retentionDays,
      minValue: 1,
      maxValue: 3650,
      description: 'Days objects are kept in the data bucket (and its access-log bucket) before expiry.',
    });
    this.noncurrentVersionDays = param('NoncurrentVersionDays', {
      type: 'Number',
      default: STACK_DEFAULTS.noncurrentVersionDays,
      minValue: 30,
      maxValue: 90,
      description:
        'Days an overwritten or deleted object version stays recoverable in the data and access-log buckets (30-90).',
    });
    this.alarmEmail = param('AlarmEmail', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'empty or an e-mail address',
      description: 'Optional e-mail address subscribed to the alarm topic (confirm the subscription mail).',
    });
    this.noSuccessAlarmSeconds = param('NoSuccessAlarmSeconds', {
      type: 'Number',
      // A string: CloudFormation compares the Default with AllowedValues as strings (cfn-lint E2015).
      default: String(STACK_DEFAULTS.noSuccessAlarmSeconds),
      allowedValues: ['300', '600', '900', '1800', '3600', '7200', '21600', '86400'],
      description:
        "Dead-man's switch: alarm when no run succeeded for this long (default 3 periods of the 5-minute schedule).",
    });
    this.lagAlarmSeconds = param('LagAlarmSeconds', {
      type: 'Number',
      default: STACK_DEFAULTS.lagAlarmSeconds,
      minValue: 300,
      maxValue: 30 * 24 * 3600,
      description: 'Alarm when the collector is further behind real time than this (LagSeconds).',
    });
    this.existingSecretArn = param('ExistingSecretArn', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$',
      constraintDescription: 'empty or a Secrets Manager secret ARN',
      description:
        'Optional ARN of an existing secret holding {"client_id","client_secret"}; empty creates a new secret.',
    });
    this.openSearchDomainArn = param('OpenSearchDomainArn', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^arn:aws[a-z-]*:es:[a-z0-9-]+:[0-9]{12}:domain/[a-z][a-z0-9-]{2,27}$',
      constraintDescription: 'empty or an OpenSearch Service domain ARN',
      description:
        'Optional OpenSearch Service domain ARN; when set a second Firehose stream delivers there (see docs/deploy.md).',
    });
    this.openSearchIndex = param('OpenSearchIndex', {
      type: 'String',
      default: STACK_DEFAULTS.openSearchIndex,
      allowedPattern: '^[a-z0-9][a-z0-9._-]{0,79}$',
      description:
        'OpenSearch index (matched by infra/opensearch/index-template.json) when OpenSearch is on.',
    });
    this.openSearchSubnetIds = param('OpenSearchSubnetIds', {
      type: 'CommaDelimitedList',
      default: '',
      description:
        'For a VPC OpenSearch domain: subnet ids (comma-separated) where Firehose places its network interfaces; empty for a public domain.',
    });
    this.openSearchSecurityGroupIds = param('OpenSearchSecurityGroupIds', {
      type: 'CommaDelimitedList',
      default: '',
      description:
        'For a VPC OpenSearch domain: security group ids for the Firehose network interfaces (allow HTTPS 443 to the domain).',
    });
    this.glueDatabaseName = param('GlueDatabaseName', {
      type: 'String',
      default: STACK_DEFAULTS.glueDatabaseName,
      allowedPattern: '^[a-z][a-z0-9_]{0,63}$',
      description: 'Glue/Athena database holding the incident, event and quarantine tables.',
    });
    this.athenaBytesScannedCutoff = param('AthenaBytesScannedCutoff', {
      type: 'Number',
      default: STACK_DEFAULTS.athenaBytesScannedCutoff,
      minValue: 10_485_760,
      description: 'Athena workgroup limit: bytes one query may scan before it is cancelled (cost guard).',
    });
    this.streamSchedule = param('StreamScheduleExpression', {
      type: 'String',
      default: STACK_DEFAULTS.schedule,
      allowedPattern: '^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\([^)]+\\))$',
      constraintDescription: 'an EventBridge schedule expression: rate(5 minutes) or cron(...)',
      description: 'How often the Event Stream collector runs (only when EventStreamId is set).',
    });
    this.eventFilesBucketName = param('EventFilesBucketName', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description:
        "Existing bucket Symantec's Data Bucket export writes to; empty: the stack creates one (docs/telemetry.md has the notification and policy to set on an existing bucket).",
    });
    this.xrayTracing = param('XRayTracing', {
      type: 'String',
      default: 'false',
      allowedValues: ['false', 'true'],
      description:
        'Trace the Lambdas with AWS X-Ray (Powertools tracer, loaded only when on). Off by default: X-Ray is billed per trace.',
    });
    this.objectLockDays = param('DataBucketObjectLockDays', {
      type: 'Number',
      default: 0,
      minValue: 0,
      maxValue: 3650,
      description:
        'S3 Object Lock in GOVERNANCE mode on the data bucket: days each new object version is protected from deletion and overwrite. 0 (default) = off. Once on, Object Lock cannot be turned off for the bucket (docs/deploy.md).',
    });

    const condition = (name: string, expression: ReturnType<typeof Fn.conditionNot>) => {
      const c = new CfnCondition(stackScope, name, { expression });
      c.overrideLogicalId(name);
      return c;
    };
    this.createSecret = condition(
      'CreateSecret',
      Fn.conditionEquals(this.existingSecretArn.valueAsString, ''),
    );
    this.hasAlarmEmail = condition(
      'HasAlarmEmail',
      Fn.conditionNot(Fn.conditionEquals(this.alarmEmail.valueAsString, '')),
    );
    this.hasOpenSearch = condition(
      'HasOpenSearch',
      Fn.conditionNot(Fn.conditionEquals(this.openSearchDomainArn.valueAsString, '')),
    );
    this.hasOpenSearchVpc = condition(
      'HasOpenSearchVpc',
      Fn.conditionAnd(
        this.hasOpenSearch,
        Fn.conditionNot(Fn.conditionEquals(Fn.join(',', this.openSearchSubnetIds.valueAsList), '')),
      ),
    );
    this.hasTracing = condition('HasTracing', Fn.conditionEquals(this.xrayTracing.valueAsString, 'true'));
    this.hasObjectLock = condition(
      'HasObjectLock',
      Fn.conditionNot(Fn.conditionEquals(this.objectLockDays.valueAsString, '0')),
    );
  }

  /** The Lambda environment for the parameterised settings: env var name -> Ref to its parameter. */
  settingsEnvironment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const { key, env: name } of parameterSettings()) {
      const p = this.settings[key];
      if (p) env[name] = p.valueAsString;
    }
    return env;
  }
}
