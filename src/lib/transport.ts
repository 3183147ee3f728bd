import type { Readable } from 'node:stream';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { normaliseBaseUrl, tokenHost } from './base-url';
import { PlexTvError, codeForStatus, isInvalidTokenAnswer, isRetryable } from './errors';
import { readCapped } from './http-body';
import { identityHeaders, type Identity } from './identity';
import { NETWORK_CODES, errorCode, isTlsFailure } from './network-errors';
import type { ConnectionPool } from './pool';
import { parseErrorBody } from './response';
import { aborted, parseRetryAfter, retryDelay, sleep } from './retry';

/** Error answers are read this far, enough for any error text plex.tv or a proxy sends. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** One request: where, how, and which token (the transport's by default). */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  params?: Readonly<Record<string, string>>;
  /** `json` asks for JSON (plex.tv answers JSON only to exactly `application/json`). */
  accept?: 'xml' | 'json';
  /** Undefined: the transport's token; null: no token (sign-in); a string: that token instead. */
  token?: string | null;
  /** Other secrets this request carries (a PIN): scrubbed, with its token, from a server message. */
  secrets?: readonly string[];
  /** Aborting it cancels the request, or its wait for a free slot or a retry. */
  signal?: AbortSignal;
}

/** A 2xx answer, its body read (up to the transport's cap) but not parsed. */
export interface Answer {
  status: number;
  body: string;
  /** The far end's name, for messages about the answer. */
  from: string;
}

export interface TransportOptions {
  baseUrl: string;
  /** How messages name the far end: `plex.tv`, or a media server's name. */
  name: string;
  token?: string;
  identity: Identity;
  /** Milliseconds per attempt, from sending the request to the last byte of the answer. */
  timeout: number;
  /** Extra attempts after 429, 5xx (an outage 404 included), a timeout or a network error. */
  retries: number;
  /** 2xx answers larger than this are refused rather than read into memory. */
  maxResponseBytes: number;
  pool: ConnectionPool;
  /**
   * A 404 without plex.tv's own error body is an outage page of plex.tv's front layer (the
   * default); a media server's 404 is a plain not found (false).
   */
  outagePages?: boolean;
}

type Accept = 'xml' | 'json';
type HeaderValues = Readonly<Record<string, string>>;

/**
 * A request's headers: who is calling, which kind of answer, and the token if there is one.
 * Frozen, since one object serves every request with the transport's own token.
 */
function requestHeaders(
  identity: HeaderValues,
  accept: Accept,
  token: string | null | undefined,
): HeaderValues {
  return Object.freeze({
    ...identity,
    Accept: accept === 'json' ? 'application/json' : 'application/xml',
    ...(token ? { 'X-Plex-Token': token } : {}),
  });
}

/**
 * Told, after the last attempt of each request made with a transport's own token, whether the
 * far end took the token: true for a 2xx answer, false for UNAUTHORIZED.
 */
type TokenObserver = (accepted: boolean) => void;

/**
 * Requests to one far end (plex.tv, or a Plex Media Server) with its token: the identity
 * headers, the timeout per attempt, retries with back-off, cancelling, reading the body up
 * to a cap, and mapping every failure to a PlexTvError that carries no secret.
 */
export class Transport {
  readonly baseUrl: string;
  readonly name: string;
  readonly timeout: number;
  readonly retries: number;
  readonly #options: TransportOptions;
  readonly #identity: HeaderValues;
  /** The headers of a request with the transport's own token, built once for each kind of answer. */
  readonly #headers: Readonly<Record<Accept, HeaderValues>>;
  /** Not passed on by `to()`: a media server's refusal says nothing about the plex.tv sign-in. */
  readonly #tokenObserver?: TokenObserver;

  constructor(options: TransportOptions, tokenObserver?: TokenObserver) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl, `The ${options.name} base URL`);
    this.name = options.name;
    this.timeout = options.timeout;
    this.retries = options.retries;
    this.#options = options;
    this.#identity = identityHeaders(options.identity);
    this.#headers = {
      xml: requestHeaders(this.#identity, 'xml', options.token),
      json: requestHeaders(this.#identity, 'json', options.token),
    };
    this.#tokenObserver = tokenObserver;
  }

  /**
   * Another far end (a media server with its own token) with the same identity and limits;
   * `retries`, `outagePages` and `pool` as given, else this transport's.
   */
  to(target: {
    baseUrl: string;
    name: string;
    token?: string;
    retries?: number;
    outagePages?: boolean;
    pool?: ConnectionPool;
  }): Transport {
    const { baseUrl, name, token, retries, outagePages, pool } = target;
    return new Transport({
      ...this.#options,
      baseUrl,
      name,
      token,
      retries: retries ?? this.retries,
      outagePages: outagePages ?? this.#options.outagePages,
      pool: pool ?? this.#options.pool,
    });
  }

  /** The 2xx answer to `spec`, after retries; anything else is a PlexTvError. */
  async request(spec: RequestSpec): Promise<Answer> {
    const told = spec.token === undefined ? this.#tokenObserver : undefined;
    for (let retry = 0; ; retry++) {
      try {
        const answer = await this.#options.pool.run(
          (client) => this.#attempt(client, spec),
          spec.signal,
        );
        told?.(true);
        return answer;
      } catch (error) {
        const { failure, retryable } = this.#failure(error, spec.signal);
        if (!retryable || retry >= this.retries) {
          if (failure.code === 'UNAUTHORIZED') told?.(false);
          throw failure;
        }
        await sleep(retryDelay(retry, failure.retryAfterMs), spec.signal);
      }
    }
  }

  async #attempt(client: AxiosInstance, spec: RequestSpec): Promise<Answer> {
    const signal = spec.signal;
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
      const accept = spec.accept === 'json' ? 'json' : 'xml';
      const token = spec.token === undefined ? this.#options.token : spec.token;
      const response = await client.request<Readable>({
        method: spec.method,
        baseURL: this.baseUrl,
        url: spec.path,
        params: spec.params,
        headers:
          spec.token === undefined
            ? this.#headers[accept]
            : requestHeaders(this.#identity, accept, token),
        signal: controller.signal,
      });
      const status = response.status;
      const ok = status >= 200 && status < 300;
      const cap = ok ? this.#options.maxResponseBytes : ERROR_BODY_BYTES;
      const { text, over } = await readCapped(response.data, cap, controller.signal);
      if (!ok)
        throw await this.#statusError(response, text, [token ?? '', ...(spec.secrets ?? [])]);
      if (over) {
        throw new PlexTvError(
          'BAD_RESPONSE',
          `${this.name} answered with a body larger than this client reads`,
          {
            statusCode: status,
          },
        );
      }
      return { status, body: text, from: this.name };
    } catch (error) {
      if (timedOut && !(error instanceof PlexTvError)) {
        throw new PlexTvError('TIMEOUT', `${this.name} did not answer within ${this.timeout} ms`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async #statusError(
    response: AxiosResponse,
    text: string,
    secrets: string[],
  ): Promise<PlexTvError> {
    const status = response.status;
    const body = await parseErrorBody(text, secrets);
    // During outages plex.tv's front layer answers 404 with an empty or HTML page: no "not found".
    const outage = status === 404 && !body.plexError && this.#options.outagePages !== false;
    const code = outage ? 'SERVER_ERROR' : codeForStatus(status);
    const what = `${this.name} answered ${status}`;
    // A token killed by a password reset: plex.tv's 422 "Invalid token" is a dead token too.
    const dead = isInvalidTokenAnswer(status, body.message);
    return new PlexTvError(
      dead ? 'UNAUTHORIZED' : code,
      body.message ? `${what}: ${body.message}` : `${what} (${code})`,
      {
        statusCode: status,
        plexCode: body.plexCode,
        retryAfterMs:
          status === 429 || status === 503
            ? parseRetryAfter(response.headers['retry-after'])
            : undefined,
      },
    );
  }

  /** Maps anything an attempt can throw to a PlexTvError; axios errors carry the headers, so none is passed on. */
  #failure(
    error: unknown,
    signal: AbortSignal | undefined,
  ): { failure: PlexTvError; retryable: boolean } {
    if (error instanceof PlexTvError) return { failure: error, retryable: isRetryable(error) };
    if (signal?.aborted) return { failure: aborted(), retryable: false };
    const code = errorCode(error);
    if (code === undefined) {
      return {
        failure: new PlexTvError('INTERNAL', `The request to ${this.name} failed unexpectedly`),
        retryable: false,
      };
    }
    const host = tokenHost(this.baseUrl);
    // A certificate that does not verify stays so: no retry, and Node's reason in the message.
    if (isTlsFailure(code)) {
      return {
        failure: new PlexTvError('NETWORK', `Could not talk to ${host} securely (${code})`),
        retryable: false,
      };
    }
    // Refused, reset (also mid-body), unresolvable, unreachable.
    const cause = NETWORK_CODES.has(code) ? code : 'connection lost';
    return {
      failure: new PlexTvError('NETWORK', `Could not talk to ${host} (${cause})`),
      retryable: true,
    };
  }
}
