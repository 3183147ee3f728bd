import { PlexTvError, isRetryable } from './errors';
import type { AccountUser } from './sign-in';

/**
 * What is known of an account's sign-in:
 * - `unchecked`: nothing yet (being checked, or plex.tv could not be asked);
 * - `no-token`: the account has none;
 * - `signed-in`: plex.tv took the token, and it is the Home administrator's;
 * - `not-admin`: plex.tv took the token, but it is another Home member's;
 * - `signed-out`: plex.tv refused the token (UNAUTHORIZED).
 */
export type TokenState = 'unchecked' | 'no-token' | 'signed-in' | 'not-admin' | 'signed-out';

export type TokenListener = (state: TokenState, user: AccountUser | undefined) => void;

export interface TokenHealthOptions {
  /** Asks plex.tv who the token belongs to (GET /api/v2/user); none when nothing can be asked. */
  whoAmI?: () => Promise<AccountUser>;
  /** Uses the token once (GET /api/v2/ping), so that plex.tv sees it in use. */
  ping?: () => Promise<unknown>;
  /**
   * Whether the account has a token at all. Without `whoAmI` the state stays `no-token` when
   * it has none, `unchecked` when it has one that cannot be used (settings that make no client).
   */
  hasToken?: boolean;
}

/** How often the token is used while nothing else uses it. */
export const PING_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Checks closer together than this share one answer: the editor may ask as often as it likes. */
export const CHECK_INTERVAL_MS = 10_000;
/** After a check that got no answer (network, outage), the next comes after these, then hourly. */
export const CHECK_RETRY_MS = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000, 60 * 60_000] as const;

/**
 * The health of one account's sign-in, for the nodes that use it to show. It checks once at
 * start who the token belongs to, again later when plex.tv could not be reached (a network
 * failure, a timeout, an outage, a rate limit), and uses the
 * token once a day; every answer to a request made with the token updates it (UNAUTHORIZED:
 * signed out; a success after that: signed in again). Timers never keep the process alive and
 * stop on close. Listeners hear every change of state.
 */
export class TokenHealth {
  readonly #whoAmI?: () => Promise<AccountUser>;
  readonly #ping?: () => Promise<unknown>;
  readonly #listeners = new Set<TokenListener>();
  #state: TokenState;
  #user?: AccountUser;
  #lastCheck?: { at: number; outcome: Promise<AccountUser> };
  #failedChecks = 0;
  #retryTimer?: NodeJS.Timeout;
  #pingTimer?: NodeJS.Timeout;
  #closed = false;

  constructor(options: TokenHealthOptions = {}) {
    this.#whoAmI = options.whoAmI;
    this.#ping = options.ping;
    this.#state = options.whoAmI || options.hasToken ? 'unchecked' : 'no-token';
  }

  get state(): TokenState {
    return this.#state;
  }

  /** Who the token belongs to, once a check has said so. */
  get user(): AccountUser | undefined {
    return this.#user;
  }

  /** Calls `listener` now with the current state, then on every change; returns the unsubscribe. */
  subscribe(listener: TokenListener): () => void {
    this.#listeners.add(listener);
    listener(this.#state, this.#user);
    return () => this.#listeners.delete(listener);
  }

  /** The check at start, and the daily keep-alive. */
  start(): void {
    if (!this.#whoAmI || this.#closed) return;
    this.check().catch(() => undefined);
    const ping = this.#ping;
    if (ping) {
      this.#pingTimer = setInterval(() => void ping().catch(() => undefined), PING_INTERVAL_MS);
      this.#pingTimer.unref();
    }
  }

  /**
   * Who the token belongs to, asked of plex.tv; callers within CHECK_INTERVAL_MS of the last
   * request share its answer. The answer sets the state; no answer at all leaves it, and a
   * token never checked is checked again later.
   */
  check(): Promise<AccountUser> {
    const whoAmI = this.#whoAmI;
    if (!whoAmI) {
      return Promise.reject(new PlexTvError('NOT_CONFIGURED', 'The Plex account has no token'));
    }
    const now = Date.now();
    const last = this.#lastCheck;
    if (last && now >= last.at && now - last.at < CHECK_INTERVAL_MS) return last.outcome;
    const outcome = whoAmI().then(
      (user) => {
        this.#checked(user);
        return user;
      },
      (error: unknown) => {
        this.#uncheckable(error);
        throw error;
      },
    );
    outcome.catch(() => undefined);
    this.#lastCheck = { at: now, outcome };
    return outcome;
  }

  /** A request made with the token got a 2xx answer: a sign-in seen refused works again. */
  accepted(): void {
    if (this.#state !== 'signed-out') return;
    this.#set(this.#user ? stateOf(this.#user) : 'unchecked');
  }

  /** A request made with the token was refused as UNAUTHORIZED. */
  refused(): void {
    this.#set('signed-out');
  }

  /** Stops the timers and forgets the listeners; later answers change nothing. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    this.#listeners.clear();
  }

  #checked(user: AccountUser): void {
    this.#failedChecks = 0;
    this.#user = user;
    this.#set(stateOf(user));
  }

  #uncheckable(error: unknown): void {
    if (error instanceof PlexTvError && error.code === 'UNAUTHORIZED') {
      this.refused();
      return;
    }
    // Nothing is known, so nothing changes. A network failure or an outage passes: ask again
    // later. Another answer (a 400 for a missing client id, say) stays until the settings change.
    if (!(error instanceof PlexTvError) || !isRetryable(error)) return;
    if (this.#state !== 'unchecked' || this.#closed || this.#retryTimer) return;
    const delay = CHECK_RETRY_MS[Math.min(this.#failedChecks++, CHECK_RETRY_MS.length - 1)];
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state === 'unchecked') this.check().catch(() => undefined);
    }, delay);
    this.#retryTimer.unref();
  }

  #set(state: TokenState): void {
    if (this.#closed || state === this.#state) return;
    this.#state = state;
    for (const listener of [...this.#listeners]) {
      try {
        listener(state, this.#user);
      } catch {
        // A listener's fault is its own: the others still hear of the change.
      }
    }
  }
}

function stateOf(user: AccountUser): TokenState {
  return user.homeAdmin ? 'signed-in' : 'not-admin';
}
