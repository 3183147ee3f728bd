import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { PlexTvError, type PlexErrorObject } from '../lib/errors';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { followAccountHealth, statusText, type StatusParts } from './node-status';
import type { PlexAccountNode } from './plex-account';

/** What every plex.tv action node has in its configuration. */
export interface PlexActionDef extends NodeDef {
  account: string;
  wires?: string[][];
}

export interface PlexActionResult {
  payload: unknown;
  plex: Record<string, unknown>;
  /** Other msg properties to set on success (e.g. `home`). */
  fields?: Record<string, unknown>;
  status: StatusParts;
  /**
   * The work only partly succeeded: the message leaves on output 2 with this error, and with
   * `plex` set all the same (saying what was done and what was not).
   */
  failure?: PlexTvError;
}

export interface PlexActionContext<P = undefined> {
  client: PlexTvClient;
  signal: AbortSignal;
  /** What `prepare` took from the message. */
  prepared: P;
}

export type PlexActionMessage = NodeMessageInFlow & { plex?: unknown; error?: PlexErrorObject };

/** What `prepare` gives: the message to go on with (the incoming one, or a copy) and what it took. */
export interface Prepared<P> {
  msg: PlexActionMessage;
  prepared: P;
}

export interface PlexActionOptions<P = undefined> {
  RED: NodeAPI;
  node: Node;
  config: PlexActionDef;
  /** The blue status while the request runs. */
  busy: string;
  /**
   * Runs first on every message, before any check, and never throws: it takes secrets off
   * the message whatever happens next. When a secret cannot be taken off the message itself
   * it returns a copy without it, and that copy is what leaves the node.
   */
  prepare?(msg: PlexActionMessage): Prepared<P>;
  /** The node's own work, once the account has a client. */
  perform(msg: PlexActionMessage, context: PlexActionContext<P>): Promise<PlexActionResult>;
}

/**
 * The account's client, or one clear NOT_CONFIGURED error. The text is shared by every node,
 * so it is looked up by its full key (Node-RED prefixes only keys without a namespace).
 */
export function getAccountClient(
  RED: NodeAPI,
  _node: Node,
  accountId: string | undefined,
): PlexTvClient {
  const account = accountId ? (RED.nodes.getNode(accountId) as PlexAccountNode | null) : null;
  if (!account || account.type !== 'plex-account' || typeof account.getClient !== 'function') {
    throw new PlexTvError(
      'NOT_CONFIGURED',
      RED._('node-red-contrib-plex-home/plex-account:common.errors.no-account'),
    );
  }
  return account.getClient();
}

/**
 * Wires the message handling every plex.tv action node shares: one output message
 * (success on output 1, error on output 2) and one done() per input, statuses, and
 * abort of in-flight requests on close, after which nothing is sent. `prepare` runs first
 * on every message, before any other check, so it can take secrets off the msg whatever
 * happens next.
 */
export function handlePlexAction<P = undefined>(options: PlexActionOptions<P>): void {
  const { RED, node, config, busy, prepare, perform } = options;
  const errorOutputWired = (config.wires?.[1]?.length ?? 0) > 0;
  /** Messages being handled, each with the controller that cancels its request on close. */
  const inFlight = new Map<AbortController, Promise<void>>();
  let closing = false;
  const health = followAccountHealth(RED, node, config.account);
  const setStatus = (status: NodeStatus) => {
    health.covered();
    node.status(status);
  };

  async function handle(
    incoming: PlexActionMessage,
    send: (msg: Array<NodeMessage | null>) => void,
    done: (err?: Error) => void,
    controller: AbortController,
  ): Promise<void> {
    let outcome: { result: PlexActionResult } | { error: PlexTvError };
    let client: PlexTvClient | undefined;
    const { msg, prepared } = prepare
      ? prepare(incoming)
      : { msg: incoming, prepared: undefined as P };
    try {
      client = getAccountClient(RED, node, config.account);
      setStatus({ fill: 'blue', shape: 'dot', text: busy });
      outcome = { result: await perform(msg, { client, signal: controller.signal, prepared }) };
    } catch (error) {
      outcome = { error: toPlexTvError(error) };
    }
    if (controller.signal.aborted || closing) {
      done();
      return;
    }
    if ('result' in outcome && outcome.result.failure) {
      msg.plex = outcome.result.plex;
      outcome = { error: outcome.result.failure };
    }
    if ('result' in outcome) {
      msg.payload = outcome.result.payload;
      msg.plex = outcome.result.plex;
      Object.assign(msg, outcome.result.fields);
      setStatus({
        fill: 'green',
        shape: 'dot',
        text: statusText(outcome.result.status, new Date()),
      });
      send([msg, null]);
      done();
      return;
    }
    const error = outcome.error;
    msg.error = error.toJSON();
    // A refused or missing token shows as every node of the account shows it: "sign-in needed".
    if (!health.showSignInNeeded(error.code)) {
      setStatus({ fill: 'red', shape: 'ring', text: statusText({ text: error.code }, new Date()) });
    }
    if (errorOutputWired) {
      send([null, msg]);
      done();
    } else if (msg === incoming) {
      done(error);
    } else {
      // done(err) would report the incoming message, which still holds what prepare took off the copy.
      node.error(error, msg);
      done();
    }
  }

  node.on('input', (msg, send, done) => {
    if (closing) {
      done();
      return;
    }
    const controller = new AbortController();
    const task = handle(msg, send, done, controller)
      .catch((error: unknown) => {
        // Only a fault in Node-RED's own send/done could land here; report it, never rethrow.
        node.error(toPlexTvError(error).message);
      })
      .finally(() => inFlight.delete(controller));
    inFlight.set(controller, task);
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    closing = true;
    health.stop();
    for (const controller of inFlight.keys()) controller.abort();
    void Promise.allSettled(inFlight.values()).then(() => {
      node.status({});
      done();
    });
  });
}

/**
 * Anything thrown while handling a message, as a PlexTvError whose message carries no secret:
 * an unexpected error's own text could hold anything, so only its kind goes out.
 */
function toPlexTvError(error: unknown): PlexTvError {
  if (error instanceof PlexTvError) return error;
  const kind = error instanceof Error && /^\w{1,40}$/.test(error.name) ? error.name : typeof error;
  return new PlexTvError('INTERNAL', `Unexpected error (${kind})`);
}
