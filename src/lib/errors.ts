/** Codes a caller can branch on; they are part of the package's public contract. */
export const ERROR_CODES = [
  'INVALID_USER_ID',
  'INVALID_PIN',
  'AMBIGUOUS_USER',
  'AMBIGUOUS_SERVER',
  'NOT_MANAGED',
  'NOT_CONFIGURED',
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'SERVER_ERROR',
  'HTTP_ERROR',
  'TIMEOUT',
  'NETWORK',
  'BAD_RESPONSE',
  'ABORTED',
  'INTERNAL',
] as const;

export type PlexErrorCode = (typeof ERROR_CODES)[number];

export interface PlexErrorDetails {
  statusCode?: number;
  plexCode?: number;
  userId?: number;
  /** Milliseconds the server asked us to wait (Retry-After); never serialised. */
  retryAfterMs?: number;
}

/** The shape put on `msg.error`: plain data, safe to log and to export. */
export interface PlexErrorObject {
  message: string;
  code: PlexErrorCode;
  statusCode?: number;
  plexCode?: number;
  userId?: number;
}

/** The one error type of the package. Messages never contain a secret. */
export class PlexTvError extends Error {
  readonly code: PlexErrorCode;
  readonly statusCode?: number;
  readonly plexCode?: number;
  readonly userId?: number;
  readonly retryAfterMs?: number;

  constructor(code: PlexErrorCode, message: string, details: PlexErrorDetails = {}) {
    super(message);
    this.name = 'PlexTvError';
    this.code = code;
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
    if (details.plexCode !== undefined) this.plexCode = details.plexCode;
    if (details.userId !== undefined) this.userId = details.userId;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }

  /** A copy of this error for another user id (the id is known to the caller, not to the HTTP layer). */
  withUserId(userId: number): PlexTvError {
    return new PlexTvError(this.code, this.message, { ...this.details(), userId });
  }

  toJSON(): PlexErrorObject {
    return { message: this.message, code: this.code, ...this.details() };
  }

  private details(): Omit<PlexErrorObject, 'message' | 'code'> {
    const out: Omit<PlexErrorObject, 'message' | 'code'> = {};
    if (this.statusCode !== undefined) out.statusCode = this.statusCode;
    if (this.plexCode !== undefined) out.plexCode = this.plexCode;
    if (this.userId !== undefined) out.userId = this.userId;
    return out;
  }
}

/** The code for a non-2xx HTTP status; 498 is Plex's "token expired". */
export function codeForStatus(status: number): PlexErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
    case 498:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 && status <= 599 ? 'SERVER_ERROR' : 'HTTP_ERROR';
  }
}

/** Failures worth another attempt: the request is idempotent and the cause may pass. */
export function isRetryable(error: PlexTvError): boolean {
  return ['RATE_LIMITED', 'SERVER_ERROR', 'NETWORK', 'TIMEOUT'].includes(error.code);
}

/**
 * Whether an answer says the token is dead although its status is not 401 or 498: plex.tv has
 * answered a token killed by a password reset with 422 "Invalid token".
 */
export function isInvalidTokenAnswer(status: number, serverMessage: string | undefined): boolean {
  return status === 422 && /\binvalid token\b/i.test(serverMessage ?? '');
}
