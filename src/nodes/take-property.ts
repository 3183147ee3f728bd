import type { NodeAPI, NodeMessage } from 'node-red';

/** What taking a property off a message gave: its value (or that it could not be read) and the message to send on. */
export interface Taken {
  /** The incoming message when the property could be taken off it, else a copy without it. */
  msg: NodeMessage;
  value?: unknown;
  /** The property could not be read (a getter or Proxy that throws, a bad expression). */
  unreadable?: true;
}

type Key = string | number;
type Container = Record<Key, unknown>;

/**
 * Reads the msg property at `path` (`pin`, `secrets.kids`, `a["b"]`) and takes it off the
 * message, whatever shape the message has. In place where it can: the property deleted, or,
 * when it cannot be (a frozen or sealed object, a non-configurable property, a Proxy that
 * refuses), the nearest object on the path replaced by a copy without it, so the message
 * the flow passes on (and Catch and Complete nodes see) no longer holds it while the
 * caller's own objects stay untouched. When not even the message itself can change, the
 * result is a copy of the message without the property. Never throws.
 */
export function takeMessageProperty(RED: NodeAPI, msg: NodeMessage, path: string): Taken {
  let parts: Key[];
  try {
    parts = RED.util.normalisePropertyExpression(path, msg) as Key[];
  } catch {
    // No property can be at a path that does not parse.
    return { msg, unreadable: true };
  }
  let taken: Taken;
  try {
    taken = { msg, value: readPath(msg, parts) };
  } catch {
    taken = { msg, unreadable: true };
  }
  if (takeOff(msg, parts)) return taken;
  return { ...taken, msg: copyWithout(RED, msg, parts) };
}

/** A copy of `msg` without the property at `parts`; an empty message when no copy can be made. */
function copyWithout(RED: NodeAPI, msg: NodeMessage, parts: Key[]): NodeMessage {
  try {
    // cloneMessage shares msg.req and msg.res with the original: takeOff replaces rather than
    // changes every object on the path, so nothing the original holds is altered.
    const copy = RED.util.cloneMessage(msg) as NodeMessage;
    if (takeOff(copy, parts)) return copy;
  } catch {
    // A Proxy or getter that throws while being cloned.
  }
  return {} as NodeMessage;
}

/** The value at `parts`, undefined where a parent is missing; throws where reading throws. */
function readPath(root: unknown, parts: Key[]): unknown {
  let value = root;
  for (const part of parts) {
    if (!isObject(value)) return undefined;
    value = value[part];
  }
  return value;
}

/** Whether the property at `parts` reads as undefined (a read that throws is not gone). */
function gone(root: unknown, parts: Key[]): boolean {
  try {
    return readPath(root, parts) === undefined;
  } catch {
    return false;
  }
}

/**
 * Takes the property at `parts` off `root` in place, from the deepest object up: deleted from
 * its own object, or an object on the path replaced, in its parent, by a copy without it.
 * Whether the property is gone afterwards.
 */
function takeOff(root: Container, parts: Key[]): boolean {
  const chain: Container[] = [root];
  try {
    for (const part of parts.slice(0, -1)) {
      const next = chain[chain.length - 1][part];
      if (!isObject(next)) return gone(root, parts);
      chain.push(next);
    }
  } catch {
    return false;
  }
  const last = parts[parts.length - 1];
  let replacement: Container | undefined;
  for (let depth = chain.length - 1; depth >= 0; depth--) {
    const target = chain[depth];
    const key = depth === chain.length - 1 ? last : parts[depth];
    try {
      if (replacement === undefined) Reflect.deleteProperty(target, key);
      else replace(target, key, replacement);
      if (gone(root, parts)) return true;
      replacement = detachedCopy(target, key, replacement);
    } catch {
      return false;
    }
  }
  return false;
}

/** Sets `target[key]` without running a setter (defineProperty); false when refused. */
function replace(target: Container, key: Key, value: Container): boolean {
  const own = Object.getOwnPropertyDescriptor(target, key);
  return Reflect.defineProperty(
    target,
    key,
    own ? { value } : { value, writable: true, enumerable: true, configurable: true },
  );
}

/** A plain copy of `source`'s own enumerable properties, `key` left out or set to `value`. */
function detachedCopy(source: Container, key: Key, value: Container | undefined): Container {
  const copy = (Array.isArray(source) ? [] : {}) as Container;
  for (const name of Reflect.ownKeys(source)) {
    const descriptor = Object.getOwnPropertyDescriptor(source, name);
    if (!descriptor?.enumerable || name === String(key)) continue;
    Object.defineProperty(copy, name, {
      value: (source as Record<PropertyKey, unknown>)[name],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  if (value !== undefined) replace(copy, key, value);
  return copy;
}

function isObject(value: unknown): value is Container {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
