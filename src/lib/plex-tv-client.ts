import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ConcurrencyLimiter } from './limiter';
import { PlexTvError, codeForStatus, isRetryable } from './errors';
import { findHomeUser } from './home-users';
import { parseHome, parseUser, type PlexHome, type PlexUser } from './plex-user';
import { isRecord } from './records';
import { parseErrorBody, parseJson, parseXml, type XmlElement } from './response';
import { parsePin, type UserRef } from './user-id';

export interface PlexTvClientOptions {
  /** The account's token: sent as the X-Plex-Token header and nowhere else. */
  token: string;
  /** One fixed UUID per installation (plex.tv lists each new one as a new device). */
  clientIdentifier: string;
  product?: string;
  baseUrl?: string;
  /** Milliseconds per attempt, from sending the request to the last byte of the answer. */
  timeout?: number;
  /** Extra attempts after 429, 5xx, a timeout or a network error. */
  retries?: number;
  maxConcurrent?: number;
  /** Answers larger than this are refused rather than read into memory. */
  maxResponseBytes?: number;
  /** The clock of the Home users cache (milliseconds); Date.now by default. */
  now?: () => number;
}

export interface CallOptions {
  /** Aborting it cancels the request, or its wait for a free slot or a retry. */
  signal?: AbortSignal;
}

export interface UserResult {
  user: PlexUser;
  statusCode: number;
}

export interface HomeUsersResult {
  home: PlexHome;
  users: PlexUser[];
  statusCode: number;
}

/** How long a Home users list answers name look-ups before it is fetched again. */
export const HOME_USERS_TTL_MS = 60_000;
/** The shortest time between two upstream fetches that a refresh may ask for. */
export const HOME_USERS_REFRESH_MS = 10_000;

export const DEFAULTS = {
  baseUrl: 'https://plex.tv',
  product: 'Node-RED',
  timeout: 10_000,
  retries: 2,
  maxConcurrent: 4,
  maxResponseBytes: 1024 * 1024,
} as const;

const FIRST_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Milliseconds to wait before retry number `retry` (0-based): the server's wish, or 1 s, 2 s, 4 s…, capped. */
export function retryDelay(retry: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_DELAY_MS);
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** retry, MAX_RETRY_DELAY_MS);
}

/** Reads Retry-After as seconds or as an HTTP date. */
export function parseRetryAfter(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - now, 0);
}

/**
 * A plex.tv client for Plex Home user management. One per account: it owns the
 * keep-alive connection pool and the limit on requests in flight.
 */
export class PlexTvClient {
  readonly baseUrl: string;
  readonly timeout: number;
  readonly retries: number;
  private readonly http: AxiosInstance;
  private readonly limiter: ConcurrencyLimiter;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly now: () => number;
  // The token and every PIN sent live only in these truly private fields, so inspecting or
  // serialising the client shows none of them, and redact() scrubs them all.
  readonly #headers: Readonly<Record<string, string>>;
  readonly #secrets: Set<string>;
  private homeUsers?: { fetchedAt: number; list: Promise<HomeUsersResult> };

  constructor(options: PlexTvClientOptions) {
    const baseUrl = normaliseBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.baseUrl = baseUrl;
    this.timeout = positive(options.timeout, DEFAULTS.timeout);
    this.retries = Math.max(0, Math.floor(options.retries ?? DEFAULTS.retries));
    const maxConcurrent = positive(options.maxConcurrent, DEFAULTS.maxConcurrent);
    this.limiter = new ConcurrencyLimiter(maxConcurrent);
    const agentOptions = { keepAlive: true, maxSockets: maxConcurrent, maxFreeSockets: maxConcurrent };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
    const token = options.token;
    const headers: Record<string, string> = {
      Accept: 'application/xml',
      'X-Plex-Token': token,
      'X-Plex-Product': options.product || DEFAULTS.product,
    };
    if (options.clientIdentifier) headers['X-Plex-Client-Identifier'] = options.clientIdentifier;
    this.#headers = headers;
    // At most the token and 10 000 four-digit PINs.
    this.#secrets = new Set([token]);
    this.now = options.now ?? (() => Date.now());
    this.http = axios.create({
      baseURL: baseUrl,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      // A redirect would carry the X-Plex-Token header to whatever host it names.
      maxRedirects: 0,
      maxContentLength: positive(options.maxResponseBytes, DEFAULTS.maxResponseBytes),
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
    });
  }

  get inFlight(): number {
    return this.limiter.running;
  }

  /** POST /api/v2/home/users/restricted/{id}?removePin=1 */
  removeManagedUserPin(userId: number, options: CallOptions = {}): Promise<UserResult> {
    return this.changeManagedUser(userId, { removePin: '1' }, options);
  }

  /** POST /api/v2/home/users/restricted/{id}?pin=NNNN; a PIN that is not 4 digits is refused unsent. */
  async setManagedUserPin(userId: number, pin: string, options: CallOptions = {}): Promise<UserResult> {
    const valid = parsePin(pin);
    this.#secrets.add(valid);
    return this.changeManagedUser(userId, { pin: valid }, options);
  }

  /** GET /api/v2/home/users, always fresh; the answer also refreshes the name look-up cache. */
  async listHomeUsers(options: CallOptions = {}): Promise<HomeUsersResult> {
    const result = await this.fetchHomeUsers(options.signal);
    this.homeUsers = { fetchedAt: this.now(), list: Promise.resolve(result) };
    return result;
  }

  /**
   * The id a reference means. A name is looked up in the Home users list, fetched at most
   * once a minute per client (concurrent look-ups share one request).
   */
  async resolveUserId(ref: UserRef, options: CallOptions = {}): Promise<number> {
    if ('id' in ref) return ref.id;
    const { users } = await this.cachedHomeUsers(options);
    return findHomeUser(users, ref.name).id;
  }

  /**
   * As resolveUserId, for the PIN endpoints, which only take managed users: a name that
   * means the administrator or another member who is not managed is NOT_MANAGED. An id is
   * passed on as it is, and plex.tv decides.
   */
  async resolveManagedUserId(ref: UserRef, options: CallOptions = {}): Promise<number> {
    if ('id' in ref) return ref.id;
    const { users } = await this.cachedHomeUsers(options);
    const user = findHomeUser(users, ref.name);
    if (user.restricted !== true || user.admin === true) {
      throw new PlexTvError(
        'NOT_MANAGED',
        `That name is a Plex Home member who is not a managed user (id ${user.id}); PINs can be set and removed only for managed users`,
        { userId: user.id },
      );
    }
    return user.id;
  }

  /**
   * The Home users list as cached for name look-ups: fetched when older than a minute
   * (concurrent callers share one request). The caller's signal stops its own wait only.
   */
  cachedHomeUsers(options: CallOptions = {}): Promise<HomeUsersResult> {
    return untilAborted(this.sharedHomeUsers(), options.signal);
  }

  /**
   * A fresh Home users list for someone who asked for one (the editor's refresh), but never
   * more than one upstream request per HOME_USERS_REFRESH_MS: sooner, the cached list answers.
   */
  refreshHomeUsers(options: CallOptions = {}): Promise<HomeUsersResult> {
    const cached = this.homeUsers;
    const age = cached ? this.now() - cached.fetchedAt : Infinity;
    if (cached && age >= 0 && age < HOME_USERS_REFRESH_MS) return this.cachedHomeUsers(options);
    this.homeUsers = undefined;
    return this.cachedHomeUsers(options);
  }

  /** Frees the connection pool; call when the account goes away. */
  close(): void {
    this.homeUsers = undefined;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Replaces any secret of this client found in a text that is about to leave the process. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (secret && out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  private async changeManagedUser(
    userId: number,
    params: Record<string, string>,
    options: CallOptions,
  ): Promise<UserResult> {
    const path = `/api/v2/home/users/restricted/${encodeURIComponent(String(userId))}`;
    try {
      const response = await this.request('POST', path, params, options.signal);
      return { user: this.readUser(response), statusCode: response.status };
    } catch (error) {
      throw error instanceof PlexTvError ? error.withUserId(userId) : error;
    }
  }

  private sharedHomeUsers(): Promise<HomeUsersResult> {
    const now = this.now();
    const cached = this.homeUsers;
    if (cached && now >= cached.fetchedAt && now - cached.fetchedAt < HOME_USERS_TTL_MS) {
      return cached.list;
    }
    // Not tied to one caller's signal: other messages may be waiting for the same list.
    const entry = { fetchedAt: now, list: this.fetchHomeUsers(undefined) };
    this.homeUsers = entry;
    entry.list.catch(() => {
      if (this.homeUsers === entry) this.homeUsers = undefined;
    });
    return entry.list;
  }

  private async fetchHomeUsers(signal: AbortSignal | undefined): Promise<HomeUsersResult> {
    const response = await this.request('GET', '/api/v2/home/users', {}, signal);
    const { xml, json } = readBody(response);
    let home: Record<string, unknown> | undefined;
    let entries: Array<Record<string, unknown>> | undefined;
    if (xml?.name === 'home') {
      home = xml.attributes;
      const list = xml.children.find((child) => child.name === 'users') ?? xml;
      entries = list.children.filter((child) => child.name === 'user').map((child) => child.attributes);
    } else if (isRecord(json) && Array.isArray(json.users)) {
      home = json;
      entries = json.users.filter(isRecord);
    }
    if (!home || !entries) throw badResponse(response, 'a readable Home users list');
    const users = entries
      .map((entry) => parseUser(entry))
      .filter((user): user is PlexUser => user !== undefined)
      .map((user) => this.scrub(user));
    return { home: this.scrub(parseHome(home)), users, statusCode: response.status };
  }

  private readUser(response: AxiosResponse<string>): PlexUser {
    const { xml, json } = readBody(response);
    let attributes: Record<string, unknown> | undefined;
    if (xml?.name === 'user') attributes = xml.attributes;
    else if (isRecord(json)) attributes = isRecord(json.user) ? json.user : json;
    const user = attributes && parseUser(attributes);
    if (!user) throw badResponse(response, 'a readable user');
    return this.scrub(user);
  }

  /** An answer that echoes a secret (an authToken field, a proxy) must not carry it into a msg. */
  private scrub<T extends PlexUser | PlexHome>(record: T): T {
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'string') record[key] = this.redact(value);
    }
    return record;
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<AxiosResponse<string>> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.limiter.run(() => this.attempt(method, path, params, signal), signal);
      } catch (error) {
        const failure = this.toPlexTvError(error, signal);
        if (!isRetryable(failure) || retry >= this.retries) throw failure;
        await sleep(retryDelay(retry, failure.retryAfterMs), signal).catch(() => {
          throw aborted();
        });
      }
    }
  }

  private async attempt(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<AxiosResponse<string>> {
    if (signal?.aborted) throw aborted();
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeout);
    try {
      const response = await this.http.request<string>({
        method,
        url: path,
        params,
        headers: { ...this.#headers },
        signal: controller.signal,
      });
      if (response.status >= 200 && response.status < 300) return response;
      throw this.statusError(response);
    } catch (error) {
      if (timedOut) {
        throw new PlexTvError('TIMEOUT', `plex.tv did not answer within ${this.timeout} ms`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private statusError(response: AxiosResponse<string>): PlexTvError {
    const status = response.status;
    const body = parseErrorBody(bodyText(response));
    const code = codeForStatus(status);
    const what = `plex.tv answered ${status}`;
    const message = this.redact(body.message ? `${what}: ${body.message}` : `${what} (${code})`);
    return new PlexTvError(code, message, {
      statusCode: status,
      plexCode: body.plexCode,
      retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after']) : undefined,
    });
  }

  /** Maps anything a request can throw to a PlexTvError; axios errors carry the headers, so none is passed on. */
  private toPlexTvError(error: unknown, signal: AbortSignal | undefined): PlexTvError {
    if (error instanceof PlexTvError) return error;
    if (signal?.aborted) return aborted();
    if (axios.isAxiosError(error)) {
      const code = error.code ?? '';
      if (/maxContentLength/i.test(error.message)) {
        return new PlexTvError('BAD_RESPONSE', 'plex.tv answered with a body larger than this client reads');
      }
      // Refused, reset (also mid-body: axios says ERR_BAD_RESPONSE then), unresolvable, unreachable.
      const cause = NETWORK_CODES.has(code) ? code : 'connection lost';
      return new PlexTvError('NETWORK', `Could not talk to ${safeHost(this.baseUrl)} (${cause})`);
    }
    return new PlexTvError('INTERNAL', 'The request to plex.tv failed unexpectedly');
  }
}

function bodyText(response: AxiosResponse<string>): string {
  return typeof response.data === 'string' ? response.data : '';
}

/** A 2xx body as an XML element tree, or, when it is not XML, as a JSON value. */
function readBody(response: AxiosResponse<string>): { xml?: XmlElement; json?: unknown } {
  const body = bodyText(response);
  const xml = parseXml(body);
  return xml ? { xml } : { json: parseJson(body) };
}

function badResponse(response: AxiosResponse<string>, what: string): PlexTvError {
  return new PlexTvError('BAD_RESPONSE', `plex.tv answered ${response.status} without ${what}`, {
    statusCode: response.status,
  });
}

/** The promise, or ABORTED as soon as the caller's signal fires (the work itself goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function aborted(): PlexTvError {
  return new PlexTvError('ABORTED', 'The request was cancelled');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function safeHost(baseUrl: string): string {
  return new URL(baseUrl).host;
}

/** Accepts http(s) URLs without credentials, query or fragment; returns it without a trailing slash. */
export function normaliseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new PlexTvError('NOT_CONFIGURED', 'The plex.tv base URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PlexTvError('NOT_CONFIGURED', 'The plex.tv base URL must start with http:// or https://');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new PlexTvError(
      'NOT_CONFIGURED',
      'The plex.tv base URL must not contain a user name, password, query or fragment',
    );
  }
  return url.toString().replace(/\/+$/, '');
}
