import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_DAY_QUERY, ocsfTableName } from '../../infra/lib/constructs/security-lake.ts';
import {
  REGISTERED_CLASSES,
  SecurityLakeRegistrationStack,
} from '../../infra/lib/constructs/security-lake-registration.ts';
import { glueColumns } from '../../shared/ocsf/columns.ts';
import { OCSF_CLASSES } from '../../shared/ocsf/index.ts';
import { buildStack } from './helpers.ts';

type Resource = { Type: string; Condition?: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let template: ReturnType<typeof buildStack>['template'];

beforeAll(() => {
  template = buildStack().template;
  resources = template.toJSON().Resources;
});
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('Security Lake output (OCSF Parquet per class)', () => {
  it('has one Firehose stream per OCSF class, converting to Parquet, only when OcsfOutput=true', () => {
    const streams = ofType('AWS::KinesisFirehose::DeliveryStream').filter(([id]) =>
      id.startsWith('SecurityLakeStream'),
    );
    expect(streams).toHaveLength(OCSF_CLASSES.length);
    for (const [, s] of streams) {
      expect(s.Condition).toBe('OcsfEnabled');
      const dest = s.Properties['ExtendedS3DestinationConfiguration'];
      expect(dest.DataFormatConversionConfiguration).toMatchObject({
        Enabled: true,
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
      });
      expect(dest.CompressionFormat).toBe('UNCOMPRESSED');
      expect(dest.BufferingHints).toEqual({
        IntervalInSeconds: { Ref: 'OcsfBufferIntervalSeconds' },
        SizeInMBs: 128,
      });
      expect(JSON.stringify(dest.Prefix)).toMatch(
        /ext\/.*region=.*accountId=.*eventDay=!\{partitionKeyFromQuery:eventDay\}\//,
      );
      expect(dest.ProcessingConfiguration.Processors[0].Parameters[0].ParameterValue).toBe(EVENT_DAY_QUERY);
    }
    expect(template.toJSON().Parameters.OcsfBufferIntervalSeconds).toMatchObject({
      MinValue: 300,
      MaxValue: 900,
      Default: 300,
    });
    expect(template.toJSON().Parameters.OcsfOutput).toMatchObject({
      Default: 'false',
      AllowedValues: ['true', 'false'],
    });
  });

  it('converts with a Glue table per class whose columns come from the class column tables', () => {
    for (const cls of OCSF_CLASSES) {
      template.hasResource('AWS::Glue::Table', {
        Condition: 'OcsfEnabled',
        Properties: Match.objectLike({
          TableInput: Match.objectLike({
            Name: ocsfTableName(cls),
            StorageDescriptor: Match.objectLike({
              Columns: glueColumns(cls.columns).map((c) => ({ Name: c.name, Type: c.type })),
            }),
          }),
        }),
      });
    }
    const stream2004 = ofType('AWS::KinesisFirehose::DeliveryStream').find(([id]) =>
      id.startsWith('SecurityLakeStream2004'),
    )!;
    expect(
      stream2004[1].Properties['ExtendedS3DestinationConfiguration'].DataFormatConversionConfiguration
        .SchemaConfiguration,
    ).toMatchObject({
      TableName: 'ocsf_detection_finding',
      VersionId: 'LATEST',
    });
  });

  it('hands the collector the per-class stream names and lets it put records', () => {
    const fn = ofType('AWS::Lambda::Function').find(
      ([, r]) => r.Properties['Environment']?.Variables?.OCSF_STREAMS,
    )!;
    const env = JSON.stringify(fn[1].Properties['Environment'].Variables.OCSF_STREAMS);
    expect(env).toContain('OcsfEnabled');
    for (const cls of OCSF_CLASSES) expect(env).toContain(`"${cls.uid}"`);
  });

  it('registers, in its own optional stack, one custom source per class (not Base Event) with the class names it sends', () => {
    expect(ofType('Custom::SecurityLakeCustomLogSource')).toHaveLength(0);
    const reg = Template.fromStack(new SecurityLakeRegistrationStack(new App(), 'Sources')).toJSON();
    const sources = Object.values(reg.Resources as Record<string, Resource>).filter(
      (r) => r.Type === 'Custom::SecurityLakeCustomLogSource',
    );
    expect(sources).toHaveLength(REGISTERED_CLASSES.length);
    expect(Object.keys(reg.Parameters)).toEqual(
      expect.arrayContaining([
        'SecurityLakeRegion',
        'OcsfSourcePrefix',
        'SecurityLakeExternalId',
        'SecurityLakeGlueCrawlerRoleArn',
      ]),
    );
    const sent = sources.map((r) => JSON.stringify(r.Properties['Create']));
    expect(sent.every((s) => s.includes('createCustomLogSource'))).toBe(true);
    for (const cls of REGISTERED_CLASSES)
      expect(sent.some((s) => s.includes(`\\"eventClasses\\":[\\"${cls.securityLakeName}\\"]`))).toBe(true);
    expect(REGISTERED_CLASSES.map((c) => c.securityLakeName).sort()).toEqual(
      [
        'AUTHENTICATION',
        'DETECTION_FINDING',
        'FILE_ACTIVITY',
        'MODULE_ACTIVITY',
        'NETWORK_ACTIVITY',
        'PROCESS_ACTIVITY',
        'REGISTRY_KEY_ACTIVITY',
        'REGISTRY_VALUE_ACTIVITY',
      ].sort(),
    );
    // Source names <prefix>-<class> stay within 20 characters for the longest allowed prefix (11).
    for (const cls of OCSF_CLASSES) expect(`${'p'.repeat(11)}-${cls.short}`.length).toBeLessThanOrEqual(20);
  }, 180_000); // bundles the AwsCustomResource provider
});
