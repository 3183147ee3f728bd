import sax from 'sax';
import { BodyLimitError, LIMITS, nextTurn, type Limits } from './limits';

/** sax's limit on one name, value or comment (its MAX_BUFFER_LENGTH, not in its types). */
const SAX_MAX_BUFFER = (sax as { MAX_BUFFER_LENGTH?: number }).MAX_BUFFER_LENGTH ?? 64 * 1024;
/** What sax's buffers hold, in words. */
const SAX_BUFFERS: Record<string, string> = {
  comment: 'comment',
  attribValue: 'attribute value',
  attribName: 'attribute name',
  tagName: 'element name',
  doctype: 'DOCTYPE',
  sgmlDecl: 'declaration',
  procInstName: 'processing instruction',
  procInstBody: 'processing instruction',
  entity: 'entity reference',
};

/** One XML element: its name, its attributes and its child elements, in order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parses an XML document into a small element tree, or undefined when it is not XML.
 * Depth, element and attribute counts are checked as sax reports them, so a hostile body
 * stops at the first element over a limit (BodyLimitError); a long body is fed to sax in
 * slices with a turn of the event loop between them. sax itself refuses one name, value or
 * comment longer than sax.MAX_BUFFER_LENGTH (64 K characters; longer text it passes on in
 * pieces): built a character at a time, such a string costs the garbage collector dearly.
 * sax never fetches external entities nor expands DTD-declared ones: a reference to one is
 * an error, so no document.
 */
export async function parseXml(
  body: string,
  limits: Limits = LIMITS,
): Promise<XmlElement | undefined> {
  const text = body.trim();
  if (!text.startsWith('<')) return undefined;
  const tree = new TreeBuilder(limits);
  // Position tracking is what makes sax check the length of what it is reading.
  const parser = sax.parser(true, { position: true });
  parser.onopentagstart = (tag) => tree.open(tag.name);
  parser.onattribute = (attribute) => tree.attribute(attribute.name, attribute.value);
  parser.ontext = (chunk) => tree.text(chunk);
  parser.oncdata = (chunk) => tree.text(chunk);
  parser.onclosetag = () => tree.close();
  parser.onerror = (error) => {
    throw error;
  };
  try {
    for (let at = 0; at < text.length; at += limits.sliceChars) {
      if (at > 0) await nextTurn();
      parser.write(text.slice(at, at + limits.sliceChars));
    }
    parser.close();
  } catch (error) {
    if (error instanceof BodyLimitError) throw error;
    const tooLong = /^Max buffer length exceeded: (\w+)/.exec((error as Error).message);
    if (tooLong) {
      const what = SAX_BUFFERS[tooLong[1]] ?? 'name or value';
      throw new BodyLimitError(`with more than ${SAX_MAX_BUFFER} characters in one ${what}`);
    }
    return undefined;
  }
  return tree.root;
}

/** Builds the element tree from sax's events, counting as it goes. */
class TreeBuilder {
  root?: XmlElement;
  private readonly open_: XmlElement[] = [];
  private elements = 0;
  private attributes = 0;
  private attributesHere = 0;

  constructor(private readonly limits: Limits) {}

  open(name: string): void {
    if (this.open_.length >= this.limits.depth)
      throw new BodyLimitError(`deeper than ${this.limits.depth} levels`);
    if (++this.elements > this.limits.elements) {
      throw new BodyLimitError(`with more than ${this.limits.elements} elements`);
    }
    const element: XmlElement = { name, attributes: {}, children: [], text: '' };
    const parent = this.open_[this.open_.length - 1];
    if (parent) parent.children.push(element);
    else this.root = element;
    this.open_.push(element);
    this.attributesHere = 0;
  }

  attribute(name: string, value: string): void {
    if (++this.attributesHere > this.limits.attributesPerElement) {
      throw new BodyLimitError(
        `with more than ${this.limits.attributesPerElement} attributes on one element`,
      );
    }
    if (++this.attributes > this.limits.attributes) {
      throw new BodyLimitError(`with more than ${this.limits.attributes} attributes`);
    }
    const attributes = this.open_[this.open_.length - 1].attributes;
    // A name the object already answers to (__proto__, constructor, a repeated attribute) is
    // defined as an own key, never stored through a setter such as the prototype's. Every other
    // name is a plain store: a descriptor for each would add half of what sax takes to parse.
    if (name in attributes) {
      Object.defineProperty(attributes, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      attributes[name] = value;
    }
  }

  text(chunk: string): void {
    const element = this.open_[this.open_.length - 1];
    if (element) element.text += chunk;
  }

  close(): void {
    const element = this.open_.pop();
    if (element && element.text.trim() === '') element.text = '';
  }
}
