import { PlexTvError } from './errors';
import { isArray, isRecord, positiveInteger } from './records';
import { hasControlCharacters } from './text';

/**
 * Reads a Plex user id from what a flow hands us: a positive safe integer, a string of
 * digits (surrounding blanks ignored) or an object whose `id` is one of those.
 * Anything else is refused before any request is made. The value itself is never echoed
 * in the message: a mis-wired flow could put anything, even a secret, in the payload.
 */
export function parseUserId(value: unknown): number {
  let candidate: unknown = value;
  try {
    if (isRecord(value)) {
      if (!Object.prototype.hasOwnProperty.call(value, 'id')) {
        throw invalid('an object without an id property');
      }
      candidate = value.id;
    }
  } catch (error) {
    if (error instanceof PlexTvError) throw error;
    throw invalid('an object whose id could not be read');
  }
  const id = toId(candidate);
  if (id === undefined) throw invalid(describe(candidate));
  return id;
}

/** An id: a positive safe integer, or a string of up to 16 digits with blanks around it. */
function toId(value: unknown): number | undefined {
  return positiveInteger(typeof value === 'string' ? value.trim() : value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isArray(value)) return 'an array';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    if (!Number.isInteger(value)) return 'a fractional number';
    return value > 0 ? 'a number above 2^53' : 'a number below 1';
  }
  if (typeof value === 'string')
    return value.trim() === '' ? 'an empty string' : 'a string that is not a whole number';
  if (typeof value === 'object') return 'an object with an id that is not a user id';
  return `a value of type ${typeof value}`;
}

function invalid(what: string): PlexTvError {
  return new PlexTvError(
    'INVALID_USER_ID',
    `A user must be a positive whole number, a string of digits, a name, or an object with an id or a title; got ${what}`,
  );
}

/** Which Home user a flow means: a numeric id, or a name to look up in the Home's users list. */
export type UserRef = { id: number } | { name: string };

/** Plex titles are short; anything longer is a mis-wired value rather than a name. */
const MAX_NAME_LENGTH = 256;
/** Strings that read as a number (signed, fractional, exponent, hex, NaN, Infinity) but are no user id. */
const NUMBER_LIKE = /^([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?0x[0-9a-f]+|[+-]?infinity|nan)$/i;

/**
 * Reads a user reference: everything parseUserId accepts is an id; a string that does not
 * read as a number, or an object with a string `title` and no `id`, is a name. Numbers in the
 * wrong shape ("-1", "1.5", "1e3"), blank strings, control characters and every other type stay
 * INVALID_USER_ID. A name never goes into a URL: only the id it resolves to does.
 */
export function parseUserRef(value: unknown): UserRef {
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text) || NUMBER_LIKE.test(text)) return { id: parseUserId(value) };
    return { name: nameOrThrow(text) };
  }
  if (isRecord(value)) {
    let title: unknown;
    try {
      if (Object.prototype.hasOwnProperty.call(value, 'id')) return { id: parseUserId(value) };
      title = value.title;
    } catch (error) {
      if (error instanceof PlexTvError) throw error;
      throw invalid('an object whose id or title could not be read');
    }
    if (typeof title !== 'string') throw invalid('an object without an id or a title');
    return { name: nameOrThrow(title.trim()) };
  }
  return { id: parseUserId(value) };
}

function nameOrThrow(name: string): string {
  if (name === '') throw invalid('an empty string');
  if (name.length > MAX_NAME_LENGTH)
    throw invalid(`a name longer than ${MAX_NAME_LENGTH} characters`);
  if (hasControlCharacters(name)) throw invalid('a name with control characters');
  return name;
}

/**
 * Reads a managed user's PIN: a string of exactly 4 ASCII digits. Numbers are refused (0042
 * would arrive as 42). Like the token, the value is never echoed.
 */
export function parsePin(value: unknown): string {
  if (typeof value === 'string' && /^[0-9]{4}$/.test(value)) return value;
  let what: string;
  if (value === undefined || value === null || value === '') what = 'nothing';
  else if (typeof value === 'number')
    what = 'a number (send the PIN as a string: numbers lose leading zeros)';
  else if (typeof value === 'string') what = 'a string that is not 4 digits';
  else what = `a value of type ${isArray(value) ? 'array' : typeof value}`;
  throw new PlexTvError(
    'INVALID_PIN',
    `The PIN must be a string of exactly 4 digits (0-9); got ${what}`,
  );
}
