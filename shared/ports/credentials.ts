/** OAuth2 client credentials of a Symantec client application. Never log, never put in an error. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Where credentials come from: Secrets Manager in Lambda, env/file locally. */
export interface CredentialsSource {
  /** A short description for error messages ("Secrets Manager secret arn:...", "env SES_CLIENT_ID"). */
  readonly description: string;
  get(): Promise<ClientCredentials>;
}

/** Issues bearer tokens for API calls. */
export interface TokenSource {
  /** A valid access token, cached until shortly before expiry. */
  getToken(signal?: AbortSignal): Promise<string>;
  /** Drop the cached token (after a 401) so the next getToken() fetches a fresh one. */
  invalidate(): void;
}
