import { setImmediate } from 'node:timers';

/**
 * How much of an answer this package reads. Node-RED runs every flow on one thread, so a
 * body is parsed in slices between which other work runs, and parsing stops at the first
 * limit a body goes over. plex.tv's largest answers (a Home of 15 users) use a fraction.
 */
export interface Limits {
  /** Nesting of elements (XML) or of objects and arrays (JSON). */
  depth: number;
  /** XML elements, or items of one JSON array. */
  elements: number;
  /** Attributes of one XML element, or keys of one JSON object. */
  attributesPerElement: number;
  /** Attributes (XML) or values (JSON) in the whole body. */
  attributes: number;
  /** Characters parsed before the event loop gets a turn. */
  sliceChars: number;
}

export const LIMITS: Readonly<Limits> = {
  depth: 32,
  elements: 10_000,
  attributesPerElement: 256,
  attributes: 20_000,
  sliceChars: 8 * 1024,
};

/** A body that goes over one of the limits: the answer is refused rather than read on. */
export class BodyLimitError extends Error {
  constructor(what: string) {
    super(`a body ${what}`);
    this.name = 'BodyLimitError';
  }
}

/** Lets the event loop run whatever is waiting (timers, sockets) before going on. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
