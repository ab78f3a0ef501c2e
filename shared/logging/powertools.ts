import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger, MetricName, Metrics, MetricUnit as PortUnit } from '../ports/logger.ts';
import { redactor as defaultRedactor, type Redactor } from './redact.ts';

/** Logger port over Powertools' Logger; every message and field passes the redactor first. */
export class PowertoolsLoggerAdapter implements Logger {
  constructor(
    private readonly logger: PowertoolsLogger,
    private readonly redactor: Redactor = defaultRedactor,
  ) {}
  private fields(fields?: Record<string, unknown>): Record<string, unknown> {
    return fields ? this.redactor.redactValue(fields) : {};
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    this.logger.debug(this.redactor.redact(message), this.fields(fields));
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.logger.info(this.redactor.redact(message), this.fields(fields));
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.logger.warn(this.redactor.redact(message), this.fields(fields));
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.logger.error(this.redactor.redact(message), this.fields(fields));
  }
}

const UNITS: Record<PortUnit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
  Bytes: MetricUnit.Bytes,
};

/**
 * Metrics port over Powertools' Metrics (CloudWatch EMF). Counts are summed per run and published once
 * by the handler's middleware, so a run with 200 pages still emits one data point per metric.
 */
export class PowertoolsMetricsAdapter implements Metrics {
  private readonly totals = new Map<MetricName, { value: number; unit: PortUnit }>();
  constructor(private readonly metrics: PowertoolsMetrics) {}
  add(name: MetricName, value: number, unit: PortUnit = 'Count'): void {
    const prev = this.totals.get(name);
    this.totals.set(name, { value: (prev?.value ?? 0) + value, unit });
  }
  /** Hand the run's totals to Powertools; its middleware flushes them at the end of the invocation. */
  flushInto(): void {
    for (const [name, { value, unit }] of this.totals) this.metrics.addMetric(name, UNITS[unit], value);
    this.totals.clear();
  }
}
