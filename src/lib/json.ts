import { BodyLimitError, LIMITS, nextTurn, type Limits } from './limits';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Parses a JSON document, or undefined when it is not JSON. JSON.parse cannot be stopped
 * or sliced, so its input is measured first, in slices: nesting, keys per object, items per
 * array and values in all, each within the limits, or BodyLimitError.
 */
export async function parseJson(body: string, limits: Limits = LIMITS): Promise<unknown> {
  const text = body.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  await measureJson(text, limits);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Walks the text's brackets and commas (strings skipped) and throws at the first limit passed. */
async function measureJson(text: string, limits: Limits): Promise<void> {
  /** For each open object or array: its opening character and the commas seen in it. */
  const open: Array<{ kind: number; commas: number }> = [];
  let values = 0;
  let inString = false;
  for (let at = 0; at < text.length;) {
    if (at > 0) await nextTurn();
    const end = Math.min(at + limits.sliceChars, text.length);
    for (; at < end; at++) {
      const c = text.charCodeAt(at);
      if (inString) {
        if (c === BACKSLASH) at++;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (open.length >= limits.depth)
          throw new BodyLimitError(`deeper than ${limits.depth} levels`);
        open.push({ kind: c, commas: 0 });
        values++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        open.pop();
      } else if (c === COMMA && open.length > 0) {
        const current = open[open.length - 1];
        const [max, what] =
          current.kind === OPEN_OBJECT
            ? [limits.attributesPerElement, 'keys in one object']
            : [limits.elements, 'items in one array'];
        if (++current.commas >= max) throw new BodyLimitError(`with more than ${max} ${what}`);
        if (++values > limits.attributes)
          throw new BodyLimitError(`with more than ${limits.attributes} values`);
      }
    }
  }
}
