import { toBoolean } from './records';

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

/** The Plex Home itself (the `home` element around the users list), with its attributes typed. */
export interface PlexHome {
  id?: number | null;
  name?: string;
  guestUserID?: number | null;
  guestUserUUID?: string;
  guestEnabled?: boolean | null;
  subscription?: boolean | null;
  [attribute: string]: string | number | boolean | null | undefined;
}

type Attributes = Record<string, string | number | boolean | null | undefined>;

const USER_NUMBERS = new Set(['id', 'updatedAt']);
const USER_BOOLEANS = new Set(['hasPassword', 'restricted', 'admin', 'guest', 'protected']);
const HOME_NUMBERS = new Set(['id', 'guestUserID']);
const HOME_BOOLEANS = new Set(['guestEnabled', 'subscription']);
/** Keys that would touch an object's prototype, or shadow one of its methods, if copied onto it. */
const isUnsafeKey = (key: string): boolean => key === 'prototype' || key in Object.prototype;
/**
 * Attributes that carry a secret, dropped by name whatever their value: plex.tv's switch
 * answers and some listings carry `authToken` (or `authenticationToken`, `accessToken`) and
 * a hashed `pin`.
 */
export const isSecretName = (key: string): boolean => /(token|pin)$/i.test(key);

/**
 * Types the attributes of a `user` element (XML attributes are strings; the JSON form
 * already has numbers and booleans). Returns undefined when there is no usable id. Every
 * other value passes through as it came; secret-bearing attributes are left out.
 */
export function parseUser(attributes: Record<string, unknown>): PlexUser | undefined {
  const id = toNumber(attributes.id);
  if (id === null || !Number.isSafeInteger(id) || id <= 0) return undefined;
  return { ...typeAttributes(attributes, USER_NUMBERS, USER_BOOLEANS), id };
}

/** Types the attributes of the `home` element; nested values (the users) are left out. */
export function parseHome(attributes: Record<string, unknown>): PlexHome {
  return typeAttributes(attributes, HOME_NUMBERS, HOME_BOOLEANS);
}

function typeAttributes(
  attributes: Record<string, unknown>,
  numbers: Set<string>,
  booleans: Set<string>,
): Attributes {
  const out: Attributes = {};
  for (const key of Object.keys(attributes)) {
    if (isUnsafeKey(key) || isSecretName(key)) continue;
    const raw = attributes[key];
    if (numbers.has(key)) out[key] = toNumber(raw);
    else if (booleans.has(key)) out[key] = toBoolean(raw);
    else if (typeof raw === 'string') out[key] = raw;
    else if (typeof raw === 'number' || typeof raw === 'boolean') out[key] = String(raw);
  }
  return out;
}

function toNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  return null;
}
