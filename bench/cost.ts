/**
 * The cost model of docs/performance.md: measured figures of one collector run (bytes, billed 5 KB
 * units, PutRecordBatch calls, wall time, checkpoint writes, objects) priced at us-east-1 list prices.
 */

/** us-east-1 on-demand list prices used by the table (USD). */
export const PRICES = {
  /**
   * When these list prices were taken. They were not fetched live from this machine; check
   * https://aws.amazon.com/firehose/pricing/, https://aws.amazon.com/lambda/pricing/,
   * https://aws.amazon.com/dynamodb/pricing/on-demand/ and https://aws.amazon.com/s3/pricing/ before
   * quoting them. The Lambda Arm rate was cross-checked on 2026-12-01 against stored copies of the
   * Lambda pricing page and two third-party summaries of it; the others are as noted in 2025-11.
   */
  asOf: '2025-11 (AWS public price list, us-east-1; Lambda Arm rate re-checked 2026-12-01)',
  /** Firehose Direct PUT ingestion, first 500 TB/month, per GB of billed (5 KB-rounded) data. */
  firehoseIngestPerGB: 0.029,
  /** Firehose dynamic partitioning, per GB delivered to S3. */
  dynamicPartitioningPerGB: 0.02,
  /** Firehose dynamic partitioning, per 1,000 S3 objects delivered. */
  dynamicPartitioningPer1000Objects: 0.005,
  /** Lambda on Arm (the stack's collector is arm64), first tier, per GB-second (x86: 0.0000166667). */
  lambdaPerGBSecond: 0.0000133334,
  /** DynamoDB on-demand, per million write request units. */
  dynamodbPerMillionWrites: 0.625,
  /** S3 Standard PUT, per 1,000 requests (Firehose's object writes). */
  s3PutPer1000: 0.005,
  /** S3 Standard storage, per GB-month (the first month of what a run stored, gzip). */
  s3StoragePerGBMonth: 0.023,
} as const;

const GB = 1024 ** 3;

export interface RunFigures {
  versions: number;
  events: number;
  /** Data bytes Firehose received, and what it bills (each record rounded up to 5 KB). */
  bytes: number;
  billedBytes: number;
  calls: number;
  /** Lambda duration of the run (the collector's wall time) and its configured memory. */
  wallSeconds: number;
  lambdaMemoryMB: number;
  checkpointWrites: number;
  /** Write request units per checkpoint write (item size in KB, rounded up). */
  writeUnitsPerWrite: number;
  /** S3 objects Firehose writes for this data: one per buffer (64 MiB) and per partition at least. */
  objects: number;
  /** Gzip bytes stored. */
  storedBytes: number;
}

export interface CostBreakdown {
  firehose_ingest: number;
  dynamic_partitioning: number;
  lambda: number;
  dynamodb: number;
  s3_put: number;
  s3_storage_month: number;
  total: number;
}

/** Dollars for one run's figures. */
export function runCost(f: RunFigures): CostBreakdown {
  const firehose_ingest = (f.billedBytes / GB) * PRICES.firehoseIngestPerGB;
  const dynamic_partitioning =
    (f.bytes / GB) * PRICES.dynamicPartitioningPerGB +
    (f.objects / 1000) * PRICES.dynamicPartitioningPer1000Objects;
  const lambda = f.wallSeconds * (f.lambdaMemoryMB / 1024) * PRICES.lambdaPerGBSecond;
  const dynamodb = ((f.checkpointWrites * f.writeUnitsPerWrite) / 1e6) * PRICES.dynamodbPerMillionWrites;
  const s3_put = (f.objects / 1000) * PRICES.s3PutPer1000;
  const s3_storage_month = (f.storedBytes / GB) * PRICES.s3StoragePerGBMonth;
  const total = firehose_ingest + dynamic_partitioning + lambda + dynamodb + s3_put + s3_storage_month;
  return { firehose_ingest, dynamic_partitioning, lambda, dynamodb, s3_put, s3_storage_month, total };
}

/** The same costs per million incident versions and per million events (a run delivers both). */
export function perMillion(c: CostBreakdown, units: number): CostBreakdown {
  const k = 1e6 / units;
  const out = {} as CostBreakdown;
  for (const [key, v] of Object.entries(c)) out[key as keyof CostBreakdown] = Number((v * k).toFixed(4));
  return out;
}
