import type { Answer } from './admin-route';

/** Sign-ins one editor user may have waiting; a newer one makes the runtime forget their oldest. */
export const MAX_WAITING_PER_USER = 4;
/**
 * Sign-ins waiting at once, over all editor users; past this a new one is refused (429) until
 * one ends. Nobody's sign-in is forgotten to make room for somebody else's.
 */
export const MAX_WAITING = 32;

/** Who a sign-in is for, and what it was started with: a poll must match all of it. */
export interface SignInIdentity {
  clientIdentifier: string;
  product: string;
  deviceName: string;
  baseUrl: string;
}

export interface WaitingSignIn extends SignInIdentity {
  /** The editor user who started it ('' for everybody when adminAuth is off). */
  owner: string;
  pinId: number;
  /** This machine's clock, milliseconds. */
  expiresAt: number;
  polledAt?: number;
  /** The poll upstream in flight, which concurrent polls share. */
  polling?: Promise<Answer>;
}

/**
 * The sign-ins the runtime has started and not yet seen end, each kept for the editor user who
 * started it, with the client id and plex.tv URL it was started with: only that user, with
 * those, finds it again.
 */
export class WaitingSignIns {
  readonly #entries = new Map<string, WaitingSignIn>();

  /** Whether one more sign-in of `owner` fits, counting the one of theirs it would replace. */
  hasRoom(owner: string): boolean {
    this.#forgetExpired();
    const replaced = this.#keysOf(owner).length >= MAX_WAITING_PER_USER ? 1 : 0;
    return this.#entries.size - replaced < MAX_WAITING;
  }

  /** Keeps `entry`, forgetting its owner's oldest when they have MAX_WAITING_PER_USER waiting. */
  add(entry: WaitingSignIn): void {
    const theirs = this.#keysOf(entry.owner);
    if (theirs.length >= MAX_WAITING_PER_USER) this.#entries.delete(theirs[0]);
    this.#entries.set(keyOf(entry), entry);
  }

  /** The sign-in a poll names, if `owner` started it with that client id and URL. */
  find(owner: string, clientIdentifier: string, baseUrl: string, pinId: number) {
    return this.#entries.get(keyOf({ owner, clientIdentifier, baseUrl, pinId }));
  }

  forget(entry: WaitingSignIn): void {
    const key = keyOf(entry);
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  /** The keys of `owner`'s waiting sign-ins, oldest first. */
  #keysOf(owner: string): string[] {
    return [...this.#entries].filter(([, entry]) => entry.owner === owner).map(([key]) => key);
  }

  #forgetExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(key);
  }
}

function keyOf(entry: Pick<WaitingSignIn, 'owner' | 'clientIdentifier' | 'baseUrl' | 'pinId'>) {
  return JSON.stringify([entry.owner, entry.clientIdentifier, entry.baseUrl, entry.pinId]);
}
