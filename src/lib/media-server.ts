import util from 'node:util';
import { PlexTvError } from './errors';
import { readSessions, type PlexSession } from './sessions';
import { lineOfText } from './text';
import type { RequestSpec, Transport } from './transport';

export interface StopOutcome {
  stopped: PlexSession[];
  failed: Array<{ session: PlexSession; error: PlexTvError }>;
}

/** Streams one message stops at most: a person watches on a few screens, not on hundreds. */
const MAX_STOPS = 20;

/** Failures after which stopping the next stream of the same message is not tried. */
const GIVE_UP = new Set(['FORBIDDEN', 'UNAUTHORIZED', 'NETWORK', 'TIMEOUT']);

/**
 * One Plex Media Server, reached over the connection discovery chose, with its own token.
 * A request that cannot reach it (NETWORK, TIMEOUT) makes the account forget the choice.
 */
export class MediaServer {
  readonly name: string;
  readonly #transport: Transport;
  readonly #onConnectionLost: () => void;

  constructor(name: string, transport: Transport, onConnectionLost: () => void) {
    this.name = name;
    this.#transport = transport;
    this.#onConnectionLost = onConnectionLost;
  }

  /** GET /status/sessions: who is watching what, now. */
  async sessions(options: { signal?: AbortSignal } = {}): Promise<PlexSession[]> {
    const answer = await this.#request(
      { method: 'GET', path: '/status/sessions', accept: 'json', signal: options.signal },
      // A token the server no longer takes: the account's resources list has its new one.
      ['UNAUTHORIZED'],
    );
    return readSessions(answer);
  }

  /**
   * GET /status/sessions/terminate: stops one stream and shows `reason` on its screen.
   * 'ended' when the server no longer knows the session (404): it stopped meanwhile. A
   * server that refuses (401, 403) is FORBIDDEN: stopping streams needs Plex Pass.
   */
  async terminate(
    sessionId: string,
    reason: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<'stopped' | 'ended'> {
    try {
      await this.#request({
        method: 'GET',
        path: '/status/sessions/terminate',
        params: { sessionId, reason },
        signal: options.signal,
      });
      return 'stopped';
    } catch (error) {
      if (!(error instanceof PlexTvError)) throw error;
      if (error.statusCode === 404) return 'ended';
      if (error.statusCode === 401 || error.statusCode === 403) {
        throw new PlexTvError(
          'FORBIDDEN',
          `${this.#transport.name} refused to stop the stream (${error.statusCode}): stopping streams needs a Plex Pass on the server owner's account`,
          { statusCode: error.statusCode },
        );
      }
      throw error;
    }
  }

  /**
   * Stops `sessions` one after another with `reason`. A session that ended meanwhile counts
   * as stopped; after a refusal or a lost connection the rest are not tried (they fail alike).
   */
  async stopAll(
    sessions: readonly PlexSession[],
    reason: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<StopOutcome> {
    const outcome: StopOutcome = { stopped: [], failed: [] };
    let givenUp: PlexTvError | undefined;
    for (const [i, session] of sessions.entries()) {
      if (givenUp) {
        outcome.failed.push({ session, error: givenUp });
      } else if (i >= MAX_STOPS) {
        const error = new PlexTvError(
          'BAD_RESPONSE',
          `Not tried: one message stops at most ${MAX_STOPS} streams`,
        );
        outcome.failed.push({ session, error });
      } else if (session.sessionId === null) {
        const error = new PlexTvError(
          'BAD_RESPONSE',
          `${this.#transport.name} gave this stream no session id`,
        );
        outcome.failed.push({ session, error });
      } else {
        try {
          await this.terminate(session.sessionId, reason, options);
          outcome.stopped.push(session);
        } catch (error) {
          if (!(error instanceof PlexTvError) || error.code === 'ABORTED') throw error;
          outcome.failed.push({ session, error });
          if (GIVE_UP.has(error.code)) givenUp = error;
        }
      }
    }
    return outcome;
  }

  [util.inspect.custom](): string {
    return `MediaServer { name: ${JSON.stringify(this.name)} }`;
  }

  toJSON(): { name: string } {
    return { name: this.name };
  }

  async #request(spec: RequestSpec, dropOn: string[] = []) {
    try {
      return await this.#transport.request(spec);
    } catch (error) {
      if (error instanceof PlexTvError && ['NETWORK', 'TIMEOUT', ...dropOn].includes(error.code)) {
        this.#onConnectionLost();
        if (error.code === 'NETWORK') {
          throw new PlexTvError('NETWORK', `${error.message} (${this.#transport.name})`, {
            statusCode: error.statusCode,
          });
        }
      }
      throw error;
    }
  }
}

/** How much of a title the error of a stop names. */
const TITLE_IN_MESSAGE = 80;

/**
 * The error of a stop that did not stop everything: the first failure's code, and a message
 * saying how many streams stopped and which did not, and why.
 */
export function stopFailure(outcome: StopOutcome, userId: number, server: string): PlexTvError {
  const total = outcome.stopped.length + outcome.failed.length;
  const [first] = outcome.failed;
  const shown = outcome.failed.slice(0, 3).map(({ session, error }) => {
    // The server's titles, as a log line may carry them: one line each, and short.
    const title = lineOfText(session.title, TITLE_IN_MESSAGE);
    const player = lineOfText(session.player.title, TITLE_IN_MESSAGE);
    const what = title ? `"${title}"` : 'a stream';
    const where = player ? ` on ${player}` : '';
    return `${what}${where} (${error.code}: ${error.message})`;
  });
  const more = outcome.failed.length > 3 ? `; and ${outcome.failed.length - 3} more` : '';
  return new PlexTvError(
    first.error.code,
    `Stopped ${outcome.stopped.length} of ${total} streams of user ${userId} on "${server}"; not stopped: ${shown.join('; ')}${more}`,
    { statusCode: first.error.statusCode, userId },
  );
}
