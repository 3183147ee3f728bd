import { badResponse, readBody } from './answers';
import { isArray, isRecord } from './records';
import type { XmlElement } from './response';
import type { Answer } from './transport';
import { lineOfText } from './text';

/** Who is watching what, where: one playing (or paused) stream of a media server. */
export interface PlexSession {
  /** `Session.id`: what stopping the stream takes; null when the server gave none. */
  sessionId: string | null;
  sessionKey: string | null;
  /** `User.id` is the Plex account id, the id plex.tv's Home users list gives. */
  user: { id: number | null; title: string };
  /** As a person says it: `Bluey · S2E3 · Sleepytime`, `Frozen (2013)`, `Artist · Song`. */
  title: string;
  type: string;
  player: { title: string; platform: string; state: string };
  viewOffsetMs: number | null;
  durationMs: number | null;
}

/** The elements a sessions list holds its streams in (XML); JSON has them in `Metadata`. */
const ITEMS = new Set(['Video', 'Track', 'Photo', 'Metadata']);

/**
 * The streams of a `/status/sessions` answer: JSON `MediaContainer.Metadata[]`, or XML
 * `Video`/`Track`/`Photo` elements with `User`, `Player` and `Session` children. Only the
 * fields of PlexSession are read: no address, token or media path of an answer goes on.
 */
export async function readSessions(answer: Answer): Promise<PlexSession[]> {
  const { xml, json } = await readBody(answer);
  if (xml?.name === 'MediaContainer') {
    return xml.children.filter((child) => ITEMS.has(child.name)).map(fromElement);
  }
  const container = isRecord(json) ? json.MediaContainer : undefined;
  if (isRecord(container)) {
    const items = container.Metadata;
    if (items === undefined) return [];
    if (isArray(items)) return (items as unknown[]).filter(isRecord).map(fromRecord);
  }
  throw badResponse(answer, 'without a readable sessions list');
}

function fromElement(item: XmlElement): PlexSession {
  const child = (name: string) => item.children.find((c) => c.name === name)?.attributes ?? {};
  return session(item.attributes, child('User'), child('Player'), child('Session'));
}

function fromRecord(item: Record<string, unknown>): PlexSession {
  const part = (name: string) =>
    isRecord(item[name]) ? (item[name] as Record<string, unknown>) : {};
  return session(item, part('User'), part('Player'), part('Session'));
}

type Fields = Record<string, unknown>;

function session(item: Fields, user: Fields, player: Fields, stream: Fields): PlexSession {
  const id = number(user.id);
  return {
    sessionId: text(stream.id) || null,
    sessionKey: text(item.sessionKey) || null,
    user: {
      id: id !== null && Number.isSafeInteger(id) && id > 0 ? id : null,
      title: text(user.title),
    },
    title: spokenTitle(item),
    type: text(item.type),
    player: {
      title: text(player.title),
      platform: text(player.platform),
      state: text(player.state),
    },
    viewOffsetMs: number(item.viewOffset),
    durationMs: number(item.duration),
  };
}

/** The title as a person says it: the show, season and episode, then the episode's title. */
export function spokenTitle(item: Fields): string {
  const title = text(item.title);
  const show = text(item.grandparentTitle);
  switch (text(item.type)) {
    case 'episode': {
      const season = number(item.parentIndex);
      const episode = number(item.index);
      const code =
        season !== null && episode !== null
          ? `S${season}E${episode}`
          : episode !== null
            ? `E${episode}`
            : '';
      return [show, code, title].filter(Boolean).join(' · ');
    }
    case 'track':
      return [show, title].filter(Boolean).join(' · ');
    case 'movie': {
      const year = number(item.year);
      return year !== null && title ? `${title} (${year})` : title;
    }
    default:
      return title;
  }
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

function number(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d{1,16}\s*$/.test(value)) return Number(value);
  return null;
}

/** The longest reason sent to a screen: a sentence or two. */
const MAX_REASON = 200;

/**
 * The reason a stream is stopped, as the viewer's screen shows it: a string (numbers and
 * booleans as text) on one line as lineOfText makes it, runs of blanks made single spaces,
 * cut to MAX_REASON characters. Anything else, or nothing left, is `fallback`: the stream is
 * stopped all the same.
 */
export function stopReason(value: unknown, fallback: string): string {
  let raw: string;
  if (typeof value === 'string') raw = value;
  else if (typeof value === 'number' || typeof value === 'boolean') raw = String(value);
  else return fallback;
  // Only the beginning is looked at: a megabyte of reason costs no more than its first lines.
  // One line first, then runs of blanks made one, then cut with its ellipsis within MAX_REASON.
  const line = lineOfText(raw, MAX_REASON * 4).replace(/\s+/g, ' ');
  return lineOfText(line, MAX_REASON - 1) || fallback;
}
