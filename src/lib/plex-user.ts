/** A Plex Home user as plex.tv describes it, with its attributes typed. */
export interface PlexUser {
  id: number;
  uuid?: string;
  title?: string;
  username?: string;
  email?: string;
  friendlyName?: string;
  thumb?: string;
  hasPassword?: boolean | null;
  restricted?: boolean | null;
  updatedAt?: number | null;
  restrictionProfile?: string;
  admin?: boolean | null;
  guest?: boolean | null;
  protected?: boolean | null;
  /** Attributes this package does not know yet are kept, as strings. */
  [attribute: string]: string | number | boolean | null | undefined;
}

const NUMBER_ATTRIBUTES = new Set(['id', 'updatedAt']);
const BOOLEAN_ATTRIBUTES = new Set(['hasPassword', 'restricted', 'admin', 'guest', 'protected']);
/** Keys that would touch an object's prototype if copied onto it. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Types the attributes of a `user` element (XML attributes are strings; the JSON form
 * already has numbers and booleans). Returns undefined when there is no usable id.
 */
export function parseUser(attributes: Record<string, unknown>): PlexUser | undefined {
  const id = toNumber(attributes.id);
  if (id === null || !Number.isSafeInteger(id) || id <= 0) return undefined;
  const user: PlexUser = { id };
  for (const key of Object.keys(attributes)) {
    if (key === 'id' || UNSAFE_KEYS.has(key)) continue;
    const raw = attributes[key];
    if (NUMBER_ATTRIBUTES.has(key)) user[key] = toNumber(raw);
    else if (BOOLEAN_ATTRIBUTES.has(key)) user[key] = toBoolean(raw);
    else if (typeof raw === 'string') user[key] = raw;
    else if (typeof raw === 'number' || typeof raw === 'boolean') user[key] = String(raw);
  }
  return user;
}

function toNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  return null;
}

function toBoolean(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === '1' || raw === 'true') return true;
  if (raw === 0 || raw === '0' || raw === 'false' || raw === '') return false;
  return null;
}
