/**
 * The stack's buckets and dead-letter queues are created with the same hardening: encrypted at rest,
 * TLS only, no public access, and (buckets) no ACLs and kept when the stack is deleted. One place for
 * those defaults, so a new bucket or queue cannot be created without them.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** An S3-managed-encrypted, TLS-only, private, owner-enforced bucket retained on stack deletion. */
export function privateBucket(scope: Construct, id: string, props: s3.BucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    ...props,
  });
}

/**
 * An SQS-managed-encrypted, TLS-only dead-letter queue keeping messages 14 days (SQS's maximum).
 * `reason` says why it has no dead-letter queue of its own (cdk-nag AwsSolutions-SQS3).
 */
export function deadLetterQueue(scope: Construct, id: string, reason: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
  return queue;
}
