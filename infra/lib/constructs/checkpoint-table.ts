import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Props of {@link CheckpointTable}. */
export interface CheckpointTableProps {
  /** What happens to the table (and the cursor it holds) on stack deletion. Default: RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB checkpoint table: the contract with shared/checkpoint/dynamodb.ts is partition key `pk`
 * (String, no sort key) and TTL attribute `ttl`, which only lease items set (the cursor never expires).
 *
 * @example
 * const checkpoint = new CheckpointTable(this, 'Checkpoint');
 * checkpoint.table.grantReadWriteData(fn);
 */
export class CheckpointTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CheckpointTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'ttl',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
