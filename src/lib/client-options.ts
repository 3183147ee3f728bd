import { PlexTvError } from './errors';
import { IDENTITY_DEFAULTS, isHeaderToken } from './identity';
import type { TransportOptions } from './transport';

export interface PlexTvClientOptions {
  /** The account's token: sent as the X-Plex-Token header and nowhere else. */
  token: string;
  /** One fixed UUID per installation (plex.tv lists each new one as a new device). */
  clientIdentifier: string;
  product?: string;
  /** The name plex.tv lists this installation under among the account's devices. */
  deviceName?: string;
  baseUrl?: string;
  /** Milliseconds per attempt, from sending the request to the last byte of the answer. */
  timeout?: number;
  /** Extra attempts after 429, 5xx (an outage 404 included), a timeout or a network error. */
  retries?: number;
  maxConcurrent?: number;
  /** Answers larger than this are refused rather than read into memory. */
  maxResponseBytes?: number;
  /** The clock of the Home users cache and of sign-in PINs (milliseconds); Date.now by default. */
  now?: () => number;
  /** Told whether plex.tv took the token, after each request made with it (see Transport). */
  onTokenAnswer?: (accepted: boolean) => void;
}

export const DEFAULTS = {
  baseUrl: 'https://plex.tv',
  ...IDENTITY_DEFAULTS,
  timeout: 10_000,
  retries: 2,
  maxConcurrent: 4,
  maxResponseBytes: 1024 * 1024,
} as const;

/**
 * The plex.tv transport's settings from a client's options: defaults where none is given or a
 * number is not a positive one. A token or client id a header cannot carry is NOT_CONFIGURED:
 * sent as it is, it would be mangled or dropped on the way, so it is not sent at all.
 */
export function transportSettings(
  options: PlexTvClientOptions,
): Omit<TransportOptions, 'pool'> & { maxConcurrent: number } {
  if (options.token && !isHeaderToken(options.token)) {
    throw new PlexTvError(
      'NOT_CONFIGURED',
      'The token has characters no Plex token has (blanks, line breaks or letters beyond ASCII)',
    );
  }
  if (options.clientIdentifier && !isHeaderToken(options.clientIdentifier)) {
    throw new PlexTvError(
      'NOT_CONFIGURED',
      'The client id has characters a header cannot carry (blanks, line breaks or letters beyond ASCII): make a new one',
    );
  }
  return {
    baseUrl: options.baseUrl ?? DEFAULTS.baseUrl,
    name: 'plex.tv',
    token: options.token,
    identity: {
      clientIdentifier: options.clientIdentifier,
      product: options.product || DEFAULTS.product,
      deviceName: options.deviceName || DEFAULTS.deviceName,
    },
    timeout: positive(options.timeout, DEFAULTS.timeout),
    retries: Math.max(0, Math.floor(options.retries ?? DEFAULTS.retries)),
    maxResponseBytes: positive(options.maxResponseBytes, DEFAULTS.maxResponseBytes),
    maxConcurrent: positive(options.maxConcurrent, DEFAULTS.maxConcurrent),
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
