// Control characters: C0, DEL, C1, and the two line separators JavaScript reads as line breaks.
// eslint-disable-next-line no-control-regex
const CONTROL_RUN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * `text` with every run of control characters made one space: a text from an answer or a
 * flow that goes into a message, a status, a log line or a URL parameter stays one line.
 */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_RUN, ' ');
}

/** Whether `text` holds a control character. */
export function hasControlCharacters(text: string): boolean {
  return withoutControlCharacters(text) !== text;
}
