import util from 'node:util';
import { PlexTvError } from './errors';
import { HomeUsersCache, type HomeUsersResult } from './home-users-cache';
import { transportSettings, type PlexTvClientOptions } from './client-options';
import { readHomeUsers, readUser } from './answers';
import {
  readAccountUser,
  readNewPin,
  readPinCheck,
  type AccountUser,
  type PinCheck,
  type SignInPin,
} from './sign-in';
import type { PlexUser } from './plex-user';
import { MediaServers } from './media-servers';
import { ConnectionPool } from './pool';
import { Transport } from './transport';
import { parsePin, type UserRef } from './user-id';

export { DEFAULTS, type PlexTvClientOptions } from './client-options';
export { headerText, isClientIdentifier } from './identity';
export { HOME_USERS_REFRESH_MS, HOME_USERS_TTL_MS, type HomeUsersResult } from './home-users-cache';
export { positiveInteger } from './records';
export { DEFAULT_AUTH_URL, signInPageUrl, type AccountUser, type SignInPin } from './sign-in';
export { TokenHealth, type TokenState } from './token-health';
export { isPlexTvHost, normaliseBaseUrl, tokenHost } from './base-url';
export { parseRetryAfter, retryDelay } from './retry';
export { stopFailure } from './media-server';
export { stopReason } from './sessions';

export interface CallOptions {
  /** Aborting it cancels the request, or its wait for a free slot or a retry. */
  signal?: AbortSignal;
}

export interface UserResult {
  user: PlexUser;
  statusCode: number;
}

/**
 * A plex.tv client for Plex Home user management: the Plex operations and the Home users
 * cache, over a Transport. One per account: its pool holds the keep-alive connections and
 * the limit on requests in flight. The token lives in the transport's #private fields only.
 */
export class PlexTvClient {
  readonly baseUrl: string;
  readonly timeout: number;
  readonly retries: number;
  readonly #pool: ConnectionPool;
  readonly #maxConcurrent: number;
  readonly #plexTv: Transport;
  readonly #now: () => number;
  readonly #homeUsers: HomeUsersCache;
  #servers?: MediaServers;

  constructor(options: PlexTvClientOptions) {
    const { maxConcurrent, ...settings } = transportSettings(options);
    this.#maxConcurrent = maxConcurrent;
    this.#pool = new ConnectionPool(maxConcurrent);
    this.#plexTv = new Transport({ ...settings, pool: this.#pool }, options.onTokenAnswer);
    this.baseUrl = this.#plexTv.baseUrl;
    this.timeout = this.#plexTv.timeout;
    this.retries = this.#plexTv.retries;
    this.#now = options.now ?? (() => Date.now());
    this.#homeUsers = new HomeUsersCache((signal) => this.#fetchHomeUsers(signal), this.#now);
  }

  /** Requests in flight, to plex.tv and to the account's media servers. */
  get inFlight(): number {
    return this.#pool.running + (this.#servers?.inFlight ?? 0);
  }

  /** The account's Plex Media Servers, found through plex.tv and cached per account. */
  get servers(): MediaServers {
    this.#servers ??= new MediaServers(
      this.#plexTv,
      new ConnectionPool(this.#maxConcurrent),
      this.#now,
    );
    return this.#servers;
  }

  /** POST /api/v2/home/users/restricted/{id}?removePin=1 */
  removeManagedUserPin(userId: number, options: CallOptions = {}): Promise<UserResult> {
    return this.#changeManagedUser(userId, { removePin: '1' }, [], options);
  }

  /** POST /api/v2/home/users/restricted/{id}?pin=NNNN; a PIN that is not 4 digits is refused unsent. */
  async setManagedUserPin(
    userId: number,
    pin: string,
    options: CallOptions = {},
  ): Promise<UserResult> {
    const valid = parsePin(pin);
    return this.#changeManagedUser(userId, { pin: valid }, [valid], options);
  }

  /** GET /api/v2/home/users, always fresh; the answer also refreshes the name look-up cache. */
  listHomeUsers(options: CallOptions = {}): Promise<HomeUsersResult> {
    return this.#homeUsers.fresh(options.signal);
  }

  /**
   * The id a reference means. A name is looked up in the Home users list, fetched at most
   * once a minute per client (concurrent look-ups share one request).
   */
  resolveUserId(ref: UserRef, options: CallOptions = {}): Promise<number> {
    return this.#homeUsers.userId(ref, options.signal);
  }

  /** As resolveUserId, but a name that means a member who is not managed is NOT_MANAGED. */
  resolveManagedUserId(ref: UserRef, options: CallOptions = {}): Promise<number> {
    return this.#homeUsers.managedUserId(ref, options.signal);
  }

  /** The Home users list as cached for name look-ups. The caller's signal stops its own wait only. */
  cachedHomeUsers(options: CallOptions = {}): Promise<HomeUsersResult> {
    return this.#homeUsers.cached(options.signal);
  }

  /** A fresh Home users list (the editor's refresh), at most one upstream request per HOME_USERS_REFRESH_MS. */
  refreshHomeUsers(options: CallOptions = {}): Promise<HomeUsersResult> {
    return this.#homeUsers.refresh(options.signal);
  }

  /** POST /api/v2/pins?strong=true, without a token: a PIN to sign in with, tied to this client id. */
  async createSignInPin(options: CallOptions = {}): Promise<SignInPin> {
    const answer = await this.#plexTv.request({
      method: 'POST',
      path: '/api/v2/pins',
      params: { strong: 'true' },
      token: null,
      accept: 'json',
      signal: options.signal,
    });
    return readNewPin(answer, this.#now());
  }

  /**
   * GET /api/v2/pins/{id}, without a token: the token once somebody has signed in with the
   * PIN. A PIN that has expired, or was made for another client id, is NOT_FOUND (plexCode 1020).
   */
  async checkSignInPin(pinId: number, options: CallOptions = {}): Promise<PinCheck> {
    const answer = await this.#plexTv.request({
      method: 'GET',
      path: `/api/v2/pins/${encodeURIComponent(String(pinId))}`,
      token: null,
      accept: 'json',
      signal: options.signal,
    });
    return readPinCheck(answer);
  }

  /** GET /api/v2/user: who this client's token belongs to, or `token`'s (a fresh sign-in's). */
  async currentUser(options: CallOptions & { token?: string } = {}): Promise<AccountUser> {
    const answer = await this.#plexTv.request({
      method: 'GET',
      path: '/api/v2/user',
      token: options.token,
      accept: 'json',
      signal: options.signal,
    });
    return readAccountUser(answer);
  }

  /** GET /api/v2/ping with the token: keeps it in use (long-running apps call it daily). */
  async ping(options: CallOptions = {}): Promise<void> {
    await this.#plexTv.request({ method: 'GET', path: '/api/v2/ping', signal: options.signal });
  }

  /** Frees the connection pool; call when the account goes away. */
  close(): void {
    this.#homeUsers.clear();
    this.#servers?.close();
    this.#pool.close();
  }

  /** What inspecting or serialising the client shows: a summary, never a socket or a header. */
  [util.inspect.custom](): string {
    return `PlexTvClient { baseUrl: '${this.baseUrl}', inFlight: ${this.inFlight} }`;
  }

  toJSON(): { baseUrl: string; inFlight: number } {
    return { baseUrl: this.baseUrl, inFlight: this.inFlight };
  }

  async #changeManagedUser(
    userId: number,
    params: Record<string, string>,
    secrets: string[],
    { signal }: CallOptions,
  ): Promise<UserResult> {
    const path = `/api/v2/home/users/restricted/${encodeURIComponent(String(userId))}`;
    try {
      const answer = await this.#plexTv.request({ method: 'POST', path, params, secrets, signal });
      return { user: await readUser(answer), statusCode: answer.status };
    } catch (error) {
      throw error instanceof PlexTvError ? error.withUserId(userId) : error;
    }
  }

  async #fetchHomeUsers(signal: AbortSignal | undefined): Promise<HomeUsersResult> {
    const answer = await this.#plexTv.request({
      method: 'GET',
      path: '/api/v2/home/users',
      signal,
    });
    return { ...(await readHomeUsers(answer)), statusCode: answer.status };
  }
}
