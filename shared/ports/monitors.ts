import type { OutputDocument } from './document.ts';

/** What the collector needs from the detection rules (shared/monitors implements it). */
export interface AlertLike {
  id: string;
  rule: string;
  /** The alert as a document (dataset `alert`), written to the sink beside the data. */
  doc: OutputDocument;
}

export interface MonitorEvaluator {
  /** Evaluate the rules over a delivered batch; returns the new (deduplicated) alerts. */
  evaluate(docs: OutputDocument[]): Promise<AlertLike[]>;
}

export interface AlertSink {
  publish(alerts: AlertLike[]): Promise<void>;
  readonly description: string;
}
