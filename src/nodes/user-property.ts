import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { PlexTvError } from '../lib/errors';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { parseUserRef } from '../lib/user-id';

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

/** The two settings of a typed input `K`: its value, and `<K>Type` (msg, flow, str, jsonata…). */
export type TypedInputSetting<K extends string> = Record<K, string> & Record<`${K}Type`, string>;

/** A node's User setting: a typed input (an id or a name), `msg.payload` by default. */
export type UserSetting = TypedInputSetting<'userId'>;

/**
 * The user typed input of a node (`userId`/`userIdType`, `msg.payload` by default); a value
 * that cannot be read fails with the text of `unreadableKey`, the shared one unless given.
 */
export function userProperty(
  RED: NodeAPI,
  config: Partial<UserSetting>,
  unreadableKey = 'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
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

function isThenable(value: unknown): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}
