// Control characters: C0, DEL, C1, and the two line separators JavaScript reads as line breaks.
// eslint-disable-next-line no-control-regex
const CONTROL_RUN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * `text` with every run of control characters made one space: a text from an answer or a
 * flow that goes into a message, a status, a log line or a URL parameter stays one line.
 */
function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_RUN, ' ');
}

/** Whether `text` holds a control character. */
export function hasControlCharacters(text: string): boolean {
  return withoutControlCharacters(text) !== text;
}

/** Marks and overrides of writing direction: in a log line they can make text read backwards. */
const DIRECTION_MARKS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A text from an answer as a log line, a status or an error message may carry it: one line,
 * no direction overrides, trimmed, at most `max` characters (then an ellipsis). Only the
 * beginning is looked at, so a megabyte of text costs no more than its first lines. The
 * data itself (msg.payload) keeps the text as it came.
 */
export function lineOfText(text: string, max: number): string {
  const line = withoutControlCharacters(text.slice(0, max * 4))
    .replace(DIRECTION_MARKS, '')
    .trim();
  const characters = [...line];
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : line;
}

/** A name as look-ups compare it: trimmed, composed the same way, and without case. */
export function fold(name: string): string {
  return name.trim().normalize('NFC').toLocaleLowerCase('en-US');
}
