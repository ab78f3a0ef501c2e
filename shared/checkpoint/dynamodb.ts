import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CheckpointConflictError, ConnectorError } from '../errors.ts';
import type { Checkpoint, CheckpointState, CheckpointStore, Lease } from '../ports/checkpoint-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { checkExpectedVersion, checkTenant, stateOf } from './common.ts';

export interface DynamoDbCheckpointStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  clock?: Clock;
  /**
   * The current run's abort signal (read at each call): a table that does not answer cannot carry the
   * run past its deadline. The store outlives runs (a warm Lambda container), hence a getter.
   */
  abortSignal?: () => AbortSignal | undefined;
}

/** The lease item outlives its expiry by this much before DynamoDB's TTL may delete it (housekeeping only). */
const LEASE_TTL_GRACE_S = 24 * 3600;

const key = {
  checkpoint: (tenant: string) => `checkpoint#${tenant}`,
  lease: (tenant: string) => `lease#${tenant}`,
  state: (tenant: string, name: string) => `state#${tenant}#${name}`,
};

/**
 * Checkpoint store in a DynamoDB table (partition key `pk`, String; TTL attribute `ttl`, lease items
 * only). Every write is one conditional request, so it works without transactions and a stale
 * runner can never overwrite a newer checkpoint. Layout and protocol: docs/checkpoint.md.
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly clock: Clock;
  private readonly abortSignal: (() => AbortSignal | undefined) | undefined;

  constructor(options: DynamoDbCheckpointStoreOptions) {
    if (!options.tableName) {
      throw new ConnectorError('config', 'No checkpoint table name given', {
        action: 'Set CHECKPOINT_TABLE to the name of the DynamoDB checkpoint table',
      });
    }
    this.tableName = options.tableName;
    this.client = options.client ?? new DynamoDBClient({});
    this.clock = options.clock ?? systemClock;
    this.abortSignal = options.abortSignal;
  }

  /** Every call carries the run's abort signal, if any. */
  private send<T = unknown>(
    command: GetItemCommand | PutItemCommand | UpdateItemCommand | DeleteItemCommand,
  ): Promise<T> {
    const signal = this.abortSignal?.();
    const send = this.client.send as (c: unknown, o?: { abortSignal?: AbortSignal }) => Promise<T>;
    return send.call(this.client, command, signal ? { abortSignal: signal } : undefined);
  }

  async load(tenant: string): Promise<Checkpoint | undefined> {
    checkTenant(tenant);
    const item = await this.get(key.checkpoint(tenant), 'GetItem');
    if (!item) return undefined;
    const version = Number(item.version?.N);
    const updatedAt = item.updatedAt?.S ?? '';
    let state: CheckpointState;
    try {
      state = JSON.parse(item.state?.S ?? '{}') as CheckpointState;
    } catch (cause) {
      throw new ConnectorError(
        'invalid_response',
        `Checkpoint item ${key.checkpoint(tenant)} in table ${this.tableName} has a state that is not JSON`,
        {
          action:
            'Fix or delete the item (deleting restarts from the initial lookback, SES_INITIAL_LOOKBACK_MINUTES)',
          cause,
        },
      );
    }
    if (!Number.isInteger(version) || version < 1) {
      throw new ConnectorError(
        'invalid_response',
        `Checkpoint item ${key.checkpoint(tenant)} in table ${this.tableName} has no valid version number`,
        { action: 'Fix or delete the item (deleting restarts from the initial lookback)' },
      );
    }
    return { ...state, tenant, version, updatedAt };
  }

  async save(tenant: string, state: CheckpointState, expectedVersion: number): Promise<Checkpoint> {
    checkTenant(tenant);
    checkExpectedVersion(expectedVersion);
    const clean = stateOf(state);
    const version = expectedVersion + 1;
    const updatedAt = new Date(this.clock.now()).toISOString();
    const pk = key.checkpoint(tenant);
    try {
      await this.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk },
            version: { N: String(version) },
            state: { S: JSON.stringify(clean) },
            updatedAt: { S: updatedAt },
          },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
              }),
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw this.awsError(error, 'PutItem');
      const current = await this.load(tenant).then(
        (c) => c?.version ?? 0,
        () => undefined,
      );
      throw new CheckpointConflictError(
        `Checkpoint of tenant "${tenant}" in table ${this.tableName} is at version ${current ?? 'unknown'}, not the expected ${expectedVersion}: another run saved it meanwhile`,
        {
          action: 'Reload the checkpoint and run again; make sure only one collector runs per tenant',
          details: { tenant, table: this.tableName, expectedVersion, currentVersion: current },
          cause: error,
        },
      );
    }
    return { ...clean, tenant, version, updatedAt };
  }

  async acquireLease(
    tenant: string,
    owner: string,
    expiresAt: number,
    now: number,
  ): Promise<Lease | undefined> {
    checkTenant(tenant);
    const pk = key.lease(tenant);
    // A failed condition followed by a read can race with a release or an expiry; try again (bounded).
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: pk } },
            UpdateExpression: 'SET #owner = :me, #expiresAt = :expiresAt, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now OR #owner = :me',
            ExpressionAttributeNames: { '#owner': 'owner', '#expiresAt': 'expiresAt', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':me': { S: owner },
              ':expiresAt': { N: String(expiresAt) },
              ':ttl': { N: String(Math.ceil(expiresAt / 1000) + LEASE_TTL_GRACE_S) },
              ':now': { N: String(now) },
            },
          }),
        );
        return undefined;
      } catch (error) {
        if (!isConditionFailed(error)) throw this.awsError(error, 'UpdateItem');
      }
      const holder = await this.readLease(tenant);
      if (holder && !(holder.expiresAt < now) && holder.owner !== owner) return holder;
      if (attempt >= 3) {
        return holder ?? { owner: 'unknown', expiresAt };
      }
    }
  }

  async releaseLease(tenant: string, owner: string): Promise<void> {
    checkTenant(tenant);
    try {
      await this.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key.lease(tenant) } },
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': { S: owner } },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw this.awsError(error, 'DeleteItem');
    }
  }

  async readLease(tenant: string): Promise<Lease | undefined> {
    checkTenant(tenant);
    const item = await this.get(key.lease(tenant), 'GetItem');
    if (!item?.owner?.S) return undefined;
    return { owner: item.owner.S, expiresAt: Number(item.expiresAt?.N ?? 0) };
  }

  async loadState<T = unknown>(tenant: string, name: string): Promise<T | undefined> {
    checkTenant(tenant);
    const item = await this.get(key.state(tenant, name), 'GetItem');
    const text = item?.value?.S;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new ConnectorError(
        'invalid_response',
        `State item ${key.state(tenant, name)} in table ${this.tableName} is not JSON`,
        { action: 'Delete the item; it is rebuilt on the next run', cause },
      );
    }
  }

  async saveState(tenant: string, name: string, value: unknown): Promise<void> {
    checkTenant(tenant);
    const pk = key.state(tenant, name);
    try {
      if (value === undefined) {
        await this.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } } }));
        return;
      }
      await this.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk },
            value: { S: JSON.stringify(value) },
            updatedAt: { S: new Date(this.clock.now()).toISOString() },
          },
        }),
      );
    } catch (error) {
      throw this.awsError(error, value === undefined ? 'DeleteItem' : 'PutItem');
    }
  }

  private async get(pk: string, action: string): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const out = await this.send<GetItemCommandOutput>(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      );
      return out.Item;
    } catch (error) {
      throw this.awsError(error, action);
    }
  }

  /** Map an AWS error to a ConnectorError that says what to change. */
  private awsError(error: unknown, action: string): ConnectorError {
    return dynamoError(error, this.tableName, action);
  }
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? '';
}

function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** Exported for tests: the AWS error → ConnectorError mapping. */
export function dynamoError(error: unknown, table: string, action: string): ConnectorError {
  const name = errorName(error);
  const message = (error as { message?: string })?.message ?? String(error);
  const details = { table, action: `dynamodb:${action}`, awsError: name };
  switch (name) {
    case 'ResourceNotFoundException':
      return new ConnectorError(
        'config',
        `DynamoDB checkpoint table "${table}" does not exist in this account/region`,
        {
          action:
            'Deploy the stack that creates it, or set CHECKPOINT_TABLE to the name of an existing table',
          details,
          cause: error,
        },
      );
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
      return new ConnectorError(
        'permission',
        `Access denied to DynamoDB table "${table}" for dynamodb:${action}`,
        {
          action: `Grant dynamodb:${action} (with GetItem, PutItem, UpdateItem, DeleteItem) on the table's ARN to the collector's role`,
          details,
          cause: error,
        },
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
    case 'MissingAuthenticationTokenException':
    case 'CredentialsProviderError':
      return new ConnectorError('permission', `AWS credentials were rejected by DynamoDB (${name})`, {
        action: 'Check the AWS credentials/profile and region the collector runs with',
        details,
        cause: error,
      });
    case 'ValidationException':
      return new ConnectorError('config', `DynamoDB rejected ${action} on table "${table}": ${message}`, {
        action:
          'The table must have partition key "pk" (String) and no sort key; point CHECKPOINT_TABLE at the table the stack created',
        details,
        cause: error,
      });
    case 'ProvisionedThroughputExceededException':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
      return new ConnectorError('rate_limit', `DynamoDB throttled ${action} on table "${table}"`, {
        action: 'The next run retries; use on-demand capacity for the checkpoint table if this persists',
        details,
        cause: error,
      });
    case 'InternalServerError':
    case 'ServiceUnavailable':
      return new ConnectorError('server', `DynamoDB failed ${action} on table "${table}" (${name})`, {
        action: 'The next run retries; check the AWS Health dashboard if this persists',
        details,
        cause: error,
      });
    default:
      return new ConnectorError(
        'network',
        `DynamoDB ${action} on table "${table}" failed: ${name || message}`,
        {
          action:
            'Check network access to DynamoDB (VPC endpoint or NAT) and the region; the next run retries',
          details,
          cause: error,
        },
      );
  }
}
