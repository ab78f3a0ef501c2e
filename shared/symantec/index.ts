export {
  createSymantecClient,
  INCIDENTS_PATH,
  type IncidentsRequestBody,
  incidentsRequestBody,
  MAX_PAGE_SIZE,
  type SymantecClient,
  type SymantecClientOptions,
} from './client.ts';
export { errorBodyMessage, RETRYABLE_KINDS, SymantecApiError } from './errors.ts';
export { backoffDelay, MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry.ts';
export { incidentSchema, incidentsResponseSchema, validateIncidents } from './schemas.ts';
export { apiUrl, OAuthTokenSource, TOKEN_EXPIRY_MARGIN_MS, TOKEN_PATH } from './token-source.ts';
