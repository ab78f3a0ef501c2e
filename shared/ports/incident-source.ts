/**
 * A raw incident record as returned by `POST /v1/incidents`, validated loosely at the edge: the known
 * fields have the documented types, unknown fields are kept as they came.
 */
export type RawIncident = Record<string, unknown> & {
  incident_uid: string;
  time?: number | string;
  modified?: string;
  events?: unknown[];
};

/** An item of a page that failed validation: kept with the reason so it can be quarantined. */
export interface InvalidItem {
  /** Position in the page's `incidents` array. */
  index: number;
  /** Human readable reason naming the field, e.g. "incident_uid: expected string, received number". */
  reason: string;
  /** The item exactly as received. */
  raw: unknown;
}

export interface IncidentQuery {
  /** Inclusive window start. */
  startDate: Date;
  /** Window end. */
  endDate: Date;
  /** Page size (API `limit`), 1..2000. */
  limit: number;
  /** API `include_events`. */
  includeEvents: boolean;
  /** Optional Lucene query, e.g. `state_id: [0 TO 3]`. */
  query?: string;
  /** Offset to start at (API `next`), for resuming mid-window. Default 0. */
  offset?: number;
}

export interface IncidentPage {
  /** The offset this page was requested with. */
  offset: number;
  /** The offset of the next page, or undefined when this was the last page. */
  next: number | undefined;
  /** The API's `total` for the query. */
  total: number;
  /** Valid items, in API order. */
  incidents: RawIncident[];
  /** Items that failed validation, to quarantine. */
  invalid: InvalidItem[];
  /** HTTP requests spent on this page, retries and token calls included. */
  requests: number;
  /** Retries spent on this page. */
  retries: number;
  /** Set when this page held records although the previous page's `total` said the query was done. */
  beyondTotal?: boolean;
}

/** One incident fetched by id: valid, or kept with the reason it failed validation. */
export interface SingleIncident {
  incident?: RawIncident;
  invalid?: InvalidItem;
  requests: number;
  retries: number;
}

/** How a caller reads `IncidentSource.pages`. */
export interface PageReadOptions {
  signal?: AbortSignal;
  /**
   * Awaited after a page's answer is read and before it is parsed. A caller that asks for the next page
   * early (to overlap the API's latency with its own work) resolves it when it takes the page, so what
   * waits meanwhile is the page's text, not its records: a parsed page is several times its text, and
   * two pages of records alive at once made the collector's peak memory grow with the run's length.
   */
  ready?: () => Promise<void>;
}

/** Streams the incidents of a window page by page with bounded memory. */
export interface IncidentSource {
  pages(query: IncidentQuery, options?: PageReadOptions): AsyncIterable<IncidentPage>;
  /**
   * The current version of one incident (`GET /v1/incidents/{incident_uid}`), or undefined when the API
   * does not know it. Used to catch the closure of incidents that left the open set between re-reads.
   */
  get?(incidentUid: string, options?: { signal?: AbortSignal }): Promise<SingleIncident | undefined>;
}
