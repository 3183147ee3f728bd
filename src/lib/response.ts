import { parseJson } from './json';
import { BodyLimitError } from './limits';
import { isRecord } from './records';
import { parseXml, type XmlElement } from './xml';
import { lineOfText } from './text';

export type { XmlElement } from './xml';
export { parseXml } from './xml';
export { parseJson } from './json';

/** What an error body told us, in whichever of plex.tv's shapes it came. */
export interface PlexErrorBody {
  plexCode?: number;
  message?: string;
  /** The body is in one of plex.tv's own error forms (XML `<errors>`, JSON `errors`, code 1002). */
  plexError?: true;
}

const MAX_SERVER_MESSAGE = 200;

/**
 * A body as an XML element tree or, when it is not XML, as a JSON value (undefined when it
 * is neither). A body over the parsing limits throws BodyLimitError.
 */
export async function parseBody(body: string): Promise<{ xml?: XmlElement; json?: unknown }> {
  const xml = await parseXml(body);
  return xml ? { xml } : { json: await parseJson(body) };
}

/**
 * Reads plex.tv's error bodies: `<errors><error code message/></errors>`,
 * `<errors><error>text</error></errors>`, `<Response code status/>` and
 * `{"errors":[{code, message}]}`. Anything else (HTML from a proxy, garbage, a body over the
 * parsing limits) gives {}. The request's own secrets (its token, its PIN) are taken out of
 * the message, before it is cut to length so that no piece of one is left.
 */
export async function parseErrorBody(
  body: string,
  secrets: readonly string[] = [],
): Promise<PlexErrorBody> {
  let parsed: { xml?: XmlElement; json?: unknown };
  try {
    parsed = await parseBody(body);
  } catch (error) {
    if (error instanceof BodyLimitError) return {};
    throw error;
  }
  const read = readError(parsed, (code, message) => clean(code, message, secrets));
  if (read.plexCode === 1002) read.plexError = true;
  return read;
}

type Clean = (code: unknown, message: unknown) => PlexErrorBody;

function readError(
  { xml, json }: { xml?: XmlElement; json?: unknown },
  clean: Clean,
): PlexErrorBody {
  if (xml) {
    if (xml.name === 'errors') {
      const first = xml.children.find((child) => child.name === 'error');
      const read = first
        ? clean(first.attributes.code, first.attributes.message ?? first.text)
        : {};
      return { ...read, plexError: true };
    }
    if (xml.name === 'error') return clean(xml.attributes.code, xml.attributes.message ?? xml.text);
    if (xml.name === 'Response') return clean(xml.attributes.code, xml.attributes.status);
    return {};
  }
  if (isRecord(json)) {
    const errors = json.errors;
    const first = Array.isArray(errors) ? (errors[0] as unknown) : json.error;
    const read = isRecord(first)
      ? clean(first.code, first.message)
      : typeof first === 'string'
        ? clean(undefined, first)
        : {};
    return Array.isArray(errors) ? { ...read, plexError: true } : read;
  }
  return {};
}

function clean(code: unknown, message: unknown, secrets: readonly string[]): PlexErrorBody {
  const out: PlexErrorBody = {};
  const plexCode = typeof code === 'number' ? code : Number(code);
  if (
    (typeof code === 'number' || (typeof code === 'string' && /^\d+$/.test(code))) &&
    Number.isSafeInteger(plexCode)
  ) {
    out.plexCode = plexCode;
  }
  if (typeof message === 'string') {
    const text = lineOfText(scrub(message, secrets), MAX_SERVER_MESSAGE);
    if (text) out.message = text;
  }
  return out;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}
