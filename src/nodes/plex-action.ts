import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { PlexTvError, type PlexErrorObject } from '../lib/errors';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { parseUserRef } from '../lib/user-id';
import type { PlexAccountNode, PlexActionDef } from './types';

export interface PlexActionResult {
  payload: unknown;
  plex: Record<string, unknown>;
  /** Other msg properties to set on success (e.g. `home`). */
  fields?: Record<string, unknown>;
  /** Short text for the green status dot. */
  statusText: string;
}

export interface PlexActionContext<P = undefined> {
  client: PlexTvClient;
  signal: AbortSignal;
  /** What `prepare` took from the message. */
  prepared: P;
}

export interface PlexActionTexts {
  busy: string;
  done: string;
}

export type PlexActionMessage = NodeMessageInFlow & { plex?: unknown; error?: PlexErrorObject };

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
 * RED.util.evaluateNodeProperty, as a promise (JSONata is evaluated asynchronously).
 * A value with a `then` method is refused: resolving with it would wait on it, maybe forever.
 */
export function evaluateProperty(
  RED: NodeAPI,
  node: Node,
  value: string,
  type: string,
  msg: NodeMessage,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type, node, msg, (error, result) => {
      if (error) reject(error);
      else if (isThenable(result)) reject(new Error('a value with a then method'));
      else resolve(result);
    });
  });
}

export interface UserProperty {
  value: string;
  type: string;
  /** The error text when the property cannot be evaluated. */
  unreadable: string;
}

/** The user typed input of a PIN node (`userId`/`userIdType`, `msg.payload` by default). */
export function userProperty(
  RED: NodeAPI,
  config: { userId?: string; userIdType?: string },
  unreadableKey: string,
): UserProperty {
  const value = config.userId ?? 'payload';
  const type = config.userIdType || 'msg';
  return { value, type, unreadable: RED._(unreadableKey, { property: `${type}.${value}` }) };
}

/** The value of the node's user property (a typed input); one that cannot be read is INVALID_USER_ID. */
export async function evaluateUserProperty(
  RED: NodeAPI,
  node: Node,
  property: UserProperty,
  msg: NodeMessage,
): Promise<unknown> {
  try {
    return await evaluateProperty(RED, node, property.value, property.type, msg);
  } catch {
    throw new PlexTvError('INVALID_USER_ID', property.unreadable);
  }
}

/**
 * Reads the node's user property and resolves it to a user id: ids as they are, names
 * through the account's cached Home users list.
 */
export async function readUserId(
  RED: NodeAPI,
  node: Node,
  property: UserProperty,
  msg: NodeMessage,
  { client, signal }: { client: PlexTvClient; signal: AbortSignal },
): Promise<number> {
  const value = await evaluateUserProperty(RED, node, property, msg);
  return client.resolveManagedUserId(parseUserRef(value), { signal });
}

/** Deletes a msg property given as a path (`pin`, `secrets.pin`, `a["b"]`); missing parents are fine. */
export function deleteMessageProperty(RED: NodeAPI, msg: NodeMessage, path: string): void {
  const parts = RED.util.normalisePropertyExpression(path);
  let target: unknown = msg;
  for (const part of parts.slice(0, -1)) {
    if (typeof target !== 'object' || target === null) return;
    target = (target as Record<string | number, unknown>)[part];
  }
  if (typeof target === 'object' && target !== null) {
    delete (target as Record<string | number, unknown>)[parts[parts.length - 1]];
  }
}

function isThenable(value: unknown): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}

/**
 * Wires the message handling every plex.tv action node shares: one output message
 * (success on output 1, error on output 2) and one done() per input, statuses, and
 * abort of in-flight requests on close, after which nothing is sent. `prepare` runs first
 * on every message, before any other check, so it can take secrets off the msg whatever
 * happens next.
 */
export function handlePlexAction<P = undefined>(
  RED: NodeAPI,
  node: Node,
  config: PlexActionDef,
  texts: PlexActionTexts,
  perform: (msg: PlexActionMessage, context: PlexActionContext<P>) => Promise<PlexActionResult>,
  prepare?: (msg: PlexActionMessage) => P,
): void {
  const errorOutputWired = (config.wires?.[1]?.length ?? 0) > 0;
  /** Messages being handled, each with the controller that cancels its request on close. */
  const inFlight = new Map<AbortController, Promise<void>>();
  let closing = false;

  async function handle(
    msg: PlexActionMessage,
    send: (msg: Array<NodeMessage | null>) => void,
    done: (err?: Error) => void,
    controller: AbortController,
  ): Promise<void> {
    let outcome: { result: PlexActionResult } | { error: PlexTvError };
    let client: PlexTvClient | undefined;
    try {
      const prepared = prepare ? prepare(msg) : (undefined as P);
      client = getAccountClient(RED, node, config.account);
      node.status({ fill: 'blue', shape: 'dot', text: texts.busy });
      outcome = { result: await perform(msg, { client, signal: controller.signal, prepared }) };
    } catch (error) {
      outcome = { error: toPlexTvError(error) };
    }
    if (controller.signal.aborted || closing) {
      done();
      return;
    }
    if ('result' in outcome) {
      msg.payload = outcome.result.payload;
      msg.plex = outcome.result.plex;
      Object.assign(msg, outcome.result.fields);
      // Like the debug node: a status is drawn under the node, so a long server text is cut.
      const chars = [...(outcome.result.statusText || texts.done)];
      const text = chars.length > 32 ? `${chars.slice(0, 32).join('')}…` : chars.join('');
      node.status({ fill: 'green', shape: 'dot', text });
      send([msg, null]);
      done();
      return;
    }
    const error = outcome.error;
    msg.error = error.toJSON();
    node.status({ fill: 'red', shape: 'ring', text: error.code });
    if (errorOutputWired) {
      send([null, msg]);
      done();
    } else {
      done(error);
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
