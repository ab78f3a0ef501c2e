import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { CheckpointConflictError, ConnectorError } from '../../../shared/errors.ts';

const ddb = mockClient(DynamoDBClient);
afterEach(() => ddb.reset());

function store() {
  return new DynamoDbCheckpointStore({
    tableName: 'ses-checkpoints',
    client: new DynamoDBClient({ region: 'us-east-1' }),
  });
}

describe('Module: DynamoDbCheckpointStore error mapping', () => {
  it('names the table and the CHECKPOINT_TABLE setting when the table does not exist', async () => {
    ddb
      .on(GetItemCommand)
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));

    const error = (await store()
      .load('acme')
      .catch((e: unknown) => e)) as ConnectorError;

    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.kind).toBe('config');
    expect(error.message).toContain('"ses-checkpoints"');
    expect(error.message).toContain('CHECKPOINT_TABLE');
  });

  it('names the IAM action when access is denied', async () => {
    ddb.on(PutItemCommand).rejects(
      new DynamoDBServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'not authorized',
        $metadata: {},
      }),
    );

    const error = (await store()
      .save('acme', { watermark: 'a' }, 0)
      .catch((e: unknown) => e)) as ConnectorError;

    expect(error.kind).toBe('permission');
    expect(error.message).toContain('dynamodb:PutItem');
    expect(error.message).toContain('ses-checkpoints');
  });

  it('turns a failed version condition into a CheckpointConflictError that reports the stored version', async () => {
    ddb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    ddb.on(GetItemCommand).resolves({
      Item: {
        pk: { S: 'checkpoint#acme' },
        version: { N: '7' },
        state: { S: '{}' },
        updatedAt: { S: '2024-01-01T00:00:00.000Z' },
      },
    });

    const error = (await store()
      .save('acme', { watermark: 'a' }, 6)
      .catch((e: unknown) => e)) as ConnectorError;

    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect(error.message).toContain('version 7, not the expected 6');
  });

  it('sends one conditional PutItem: attribute_not_exists(pk) for the first save, version = :expected after', async () => {
    ddb.on(PutItemCommand).resolves({});

    await store().save('acme', { watermark: 'a' }, 0);
    await store().save('acme', { watermark: 'b' }, 3);

    const calls = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(calls[0]?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(calls[0]?.Item?.version).toEqual({ N: '1' });
    expect(calls[1]?.ConditionExpression).toBe('#version = :expected');
    expect(calls[1]?.ExpressionAttributeValues).toEqual({ ':expected': { N: '3' } });
    expect(calls[1]?.Item?.version).toEqual({ N: '4' });
    expect(JSON.parse(calls[1]?.Item?.state?.S ?? '')).toEqual({ watermark: 'b' });
  });
});
