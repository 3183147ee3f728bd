import { PlexTvError } from './errors';
import { findHomeUser } from './home-users';
import type { PlexHome, PlexUser } from './plex-user';
import { untilAborted } from './retry';
import type { UserRef } from './user-id';

export interface HomeUsersResult {
  home: PlexHome;
  users: PlexUser[];
  statusCode: number;
}

/** How long a Home users list answers name look-ups before it is fetched again. */
export const HOME_USERS_TTL_MS = 60_000;
/** The shortest time between two upstream fetches that a refresh may ask for. */
export const HOME_USERS_REFRESH_MS = 10_000;

/**
 * The Home users list of one account, kept for name look-ups: fetched at most once a minute,
 * and concurrent callers share one request. A failed fetch is forgotten, so the next caller
 * asks again.
 */
export class HomeUsersCache {
  readonly #fetch: (signal: AbortSignal | undefined) => Promise<HomeUsersResult>;
  readonly #now: () => number;
  #entry?: { fetchedAt: number; list: Promise<HomeUsersResult> };

  constructor(
    fetch: (signal: AbortSignal | undefined) => Promise<HomeUsersResult>,
    now: () => number,
  ) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /** A list fetched now, whatever is cached; the answer becomes the cached list. */
  async fresh(signal?: AbortSignal): Promise<HomeUsersResult> {
    const result = await this.#fetch(signal);
    this.#entry = { fetchedAt: this.#now(), list: Promise.resolve(result) };
    return result;
  }

  /** The cached list, fetched when older than a minute. `signal` stops the caller's own wait only. */
  cached(signal?: AbortSignal): Promise<HomeUsersResult> {
    return untilAborted(this.#shared(), signal);
  }

  /** A fresh list for someone who asked for one, but no more than one fetch per HOME_USERS_REFRESH_MS. */
  refresh(signal?: AbortSignal): Promise<HomeUsersResult> {
    const cached = this.#entry;
    const age = cached ? this.#now() - cached.fetchedAt : Infinity;
    if (!(cached && age >= 0 && age < HOME_USERS_REFRESH_MS)) this.#entry = undefined;
    return this.cached(signal);
  }

  /** The id a reference means; a name is looked up in the cached list. */
  async userId(ref: UserRef, signal?: AbortSignal): Promise<number> {
    if ('id' in ref) return ref.id;
    const { users } = await this.cached(signal);
    return findHomeUser(users, ref.name).id;
  }

  /**
   * As userId, for the PIN endpoints, which only take managed users: a name that means the
   * administrator or another member who is not managed is NOT_MANAGED. An id is passed on as
   * it is, and plex.tv decides.
   */
  async managedUserId(ref: UserRef, signal?: AbortSignal): Promise<number> {
    if ('id' in ref) return ref.id;
    const { users } = await this.cached(signal);
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

  clear(): void {
    this.#entry = undefined;
  }

  #shared(): Promise<HomeUsersResult> {
    const now = this.#now();
    const cached = this.#entry;
    if (cached && now >= cached.fetchedAt && now - cached.fetchedAt < HOME_USERS_TTL_MS) {
      return cached.list;
    }
    // Not tied to one caller's signal: other messages may be waiting for the same list.
    const entry = { fetchedAt: now, list: this.#fetch(undefined) };
    this.#entry = entry;
    entry.list.catch(() => {
      if (this.#entry === entry) this.#entry = undefined;
    });
    return entry.list;
  }
}
