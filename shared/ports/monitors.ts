import type { OutputDocument } from './document.ts';

/** What the collector needs from the detection rules (shared/monitors implements it). */
export interface AlertLike {
  id: string;
  rule: string;
  /** The alert as a document (dataset `alert`), written to the sink beside the data. */
  doc: OutputDocument;
}

/** The outcome of one evaluation: the new alerts, and the commit of the state that fired them. */
export interface Evaluation<A extends AlertLike = AlertLike> {
  alerts: A[];
  /**
   * Record the alerts as fired (and the rules' memory of this batch). Call it only after the alert
   * documents were written and published: an evaluation never committed leaves the state as it was, so
   * the same batch fires the same alerts again (same ids) when it is re-delivered.
   */
  commit(): Promise<void>;
}

/**
 * What the rules read of one batch, taken document by document as the documents are made, so a caller
 * that encodes each document into the sink at once need not keep the documents (`Delivery.begin`).
 */
export interface MonitorInput {
  add(doc: OutputDocument): void;
}

export interface MonitorEvaluator {
  /**
   * Evaluate the rules over a delivered batch (its documents, or the input this evaluator made with
   * `input()` and the batch's documents were added to); returns the new (deduplicated) alerts and
   * their commit. Both forms of the same documents give the same evaluation.
   */
  evaluate(batch: OutputDocument[] | MonitorInput): Promise<Evaluation>;
  /** A fresh input for one batch (evaluators that can take documents one by one). */
  input?(): MonitorInput;
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
