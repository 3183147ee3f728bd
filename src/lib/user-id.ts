import { PlexTvError } from './errors';

const DIGITS = /^\s*(\d{1,16})\s*$/;

/**
 * Reads a Plex user id from what a flow hands us: a positive safe integer, a string of
 * digits (surrounding blanks ignored) or an object whose `id` is one of those.
 * Anything else is refused before any request is made. The value itself is never echoed
 * in the message: a mis-wired flow could put anything, even a secret, in the payload.
 */
export function parseUserId(value: unknown): number {
  let candidate: unknown = value;
  try {
    if (isPlainRecord(value)) {
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

function toId(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  }
  if (typeof value === 'string') {
    const match = DIGITS.exec(value);
    if (!match) return undefined;
    const id = Number(match[1]);
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }
  return undefined;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    if (!Number.isInteger(value)) return 'a fractional number';
    return value > 0 ? 'a number above 2^53' : 'a number below 1';
  }
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'a string that is not a whole number';
  if (typeof value === 'object') return 'an object with an id that is not a user id';
  return `a value of type ${typeof value}`;
}

function invalid(what: string): PlexTvError {
  return new PlexTvError(
    'INVALID_USER_ID',
    `The user id must be a positive whole number, a string of digits or an object with such an id; got ${what}`,
  );
}
