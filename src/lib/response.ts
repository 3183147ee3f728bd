import { Parser } from 'xml2js';
import { isRecord } from './records';

/** One XML element: its name, its attributes and its child elements, in order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** What an error body told us, in whichever of plex.tv's shapes it came. */
export interface PlexErrorBody {
  plexCode?: number;
  message?: string;
}

const MAX_SERVER_MESSAGE = 200;
/** plex.tv's answers nest a few levels; deeper elements are dropped rather than recursed into. */
const MAX_DEPTH = 32;

/**
 * Parses an XML document into a small element tree, or undefined when it is not XML.
 * sax (under xml2js) never fetches external entities nor expands DTD-declared ones.
 */
export function parseXml(body: string): XmlElement | undefined {
  const text = body.trim();
  if (!text.startsWith('<')) return undefined;
  const parser = new Parser({
    explicitChildren: true,
    preserveChildrenOrder: true,
    explicitRoot: true,
    charsAsChildren: false,
    includeWhiteChars: false,
    async: false,
    strict: true,
  });
  let result: unknown;
  let failed = false;
  try {
    parser.parseString(text, (error: Error | null, parsed: unknown) => {
      if (error) failed = true;
      else result = parsed;
    });
  } catch {
    failed = true;
  }
  if (failed || !isRecord(result)) return undefined;
  const [rootName] = Object.keys(result);
  if (rootName === undefined) return undefined;
  return toElement(rootName, result[rootName]);
}

function toElement(name: string, node: unknown, depth = 0): XmlElement {
  const element: XmlElement = { name, attributes: {}, children: [], text: '' };
  if (typeof node === 'string') {
    element.text = node;
    return element;
  }
  if (!isRecord(node)) return element;
  if (isRecord(node.$)) {
    for (const [key, value] of Object.entries(node.$)) {
      if (typeof value === 'string') element.attributes[key] = value;
    }
  }
  if (typeof node._ === 'string') element.text = node._;
  if (Array.isArray(node.$$) && depth < MAX_DEPTH) {
    for (const child of node.$$) {
      if (isRecord(child) && typeof child['#name'] === 'string') {
        element.children.push(toElement(child['#name'], child, depth + 1));
      }
    }
  }
  return element;
}

/** Parses a JSON document, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  const text = body.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads plex.tv's error bodies: `<errors><error code message/></errors>`,
 * `<errors><error>text</error></errors>`, `<Response code status/>` and
 * `{"errors":[{code, message}]}`. Anything else (HTML from a proxy, garbage) gives {}.
 */
export function parseErrorBody(body: string): PlexErrorBody {
  const xml = parseXml(body);
  if (xml) {
    if (xml.name === 'errors') {
      const first = xml.children.find((child) => child.name === 'error');
      if (first) return clean(first.attributes.code, first.attributes.message ?? first.text);
    }
    if (xml.name === 'error') return clean(xml.attributes.code, xml.attributes.message ?? xml.text);
    if (xml.name === 'Response') return clean(xml.attributes.code, xml.attributes.status);
    return {};
  }
  const json = parseJson(body);
  if (isRecord(json)) {
    const first = Array.isArray(json.errors) ? (json.errors[0] as unknown) : json.error;
    if (isRecord(first)) return clean(first.code, first.message);
    if (typeof first === 'string') return clean(undefined, first);
  }
  return {};
}

function clean(code: unknown, message: unknown): PlexErrorBody {
  const out: PlexErrorBody = {};
  const plexCode = typeof code === 'number' ? code : Number(code);
  if ((typeof code === 'number' || (typeof code === 'string' && /^\d+$/.test(code))) && Number.isSafeInteger(plexCode)) {
    out.plexCode = plexCode;
  }
  if (typeof message === 'string') {
    // eslint-disable-next-line no-control-regex
    const text = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    if (text) out.message = text.length > MAX_SERVER_MESSAGE ? `${text.slice(0, MAX_SERVER_MESSAGE)}…` : text;
  }
  return out;
}

