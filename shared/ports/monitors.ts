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
  /**
   * Persist any state not yet saved. The collector calls it when a run ends without error; after an
   * error it does not, so alerts of undelivered pages fire again next run (at least once, same ids).
   */
  flush?(): Promise<void>;
}

export interface AlertSink {
  publish(alerts: AlertLike[]): Promise<void>;
  readonly description: string;
}
