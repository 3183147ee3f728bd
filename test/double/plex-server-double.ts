import type http from 'node:http';
import net from 'node:net';
import { PlexTvDouble, type DoubleResource } from './plex-tv-double';

/**
 * A local stand-in for a Plex Media Server, over real HTTP on 127.0.0.1: `/identity`,
 * `/status/sessions` (JSON or XML, as asked) and `/status/sessions/terminate`, which ends the
 * session and logs its reason. It shares the plex.tv double's fault injection (`inject`), so it
 * can answer slowly, hang, reset or send hostile bodies; `plexPass: false` refuses to stop
 * streams as a server without Plex Pass does, and `ended` holds sessions still listed that a
 * terminate no longer finds (they stopped meanwhile).
 */

export interface DoubleSession {
  sessionId: string;
  sessionKey: string;
  userId: number;
  userTitle: string;
  type: 'episode' | 'movie' | 'track' | 'photo';
  title: string;
  grandparentTitle?: string;
  parentIndex?: number;
  index?: number;
  year?: number;
  player: { title: string; platform: string; state: string; address: string };
  viewOffset: number;
  duration: number;
}

export interface PlexServerDoubleOptions {
  name?: string;
  machineIdentifier?: string;
  /** The server's own access token, which plex.tv's resources list hands the account. */
  token?: string;
  sessions?: DoubleSession[];
  plexPass?: boolean;
  log?: (line: string) => void;
}

export const SERVER_TOKEN = 'server-token-4d2c8e0a91';
export const SERVER_MACHINE_ID = '5ee0fa3b6c1d4e2f8a9b0c7d6e5f4a3b2c1d0e9f';

export function seedSessions(): DoubleSession[] {
  return [
    {
      sessionId: 'kids-living-room-1',
      sessionKey: '11',
      userId: 12345678,
      userTitle: 'Kids',
      type: 'episode',
      title: 'Sleepytime',
      grandparentTitle: 'Bluey',
      parentIndex: 2,
      index: 3,
      player: {
        title: 'Living Room TV',
        platform: 'Roku',
        state: 'playing',
        address: '192.168.1.20',
      },
      viewOffset: 300_000,
      duration: 420_000,
    },
    {
      sessionId: 'teen-phone-1',
      sessionKey: '12',
      userId: 23456789,
      userTitle: 'Teen',
      type: 'movie',
      title: 'Spirited Away',
      year: 2001,
      player: { title: "Teen's Phone", platform: 'iOS', state: 'playing', address: '192.168.1.31' },
      viewOffset: 3_600_000,
      duration: 7_500_000,
    },
  ];
}

export class PlexServerDouble extends PlexTvDouble {
  readonly name: string;
  readonly machineIdentifier: string;
  readonly sessions = new Map<string, DoubleSession>();
  /** Sessions still listed that a terminate no longer finds: they ended meanwhile (404). */
  readonly ended = new Set<string>();
  plexPass: boolean;
  /** Reasons given to terminate, in order: `sessionId: reason`. */
  readonly stops: Array<{ sessionId: string; reason: string }> = [];
  /** Whether a terminated session leaves the list (a benchmark keeps them to stop them again). */
  endOnTerminate = true;
  private readonly say?: (line: string) => void;

  constructor(options: PlexServerDoubleOptions = {}) {
    super({ token: options.token ?? SERVER_TOKEN, users: [] });
    this.name = options.name ?? 'Home Server';
    this.machineIdentifier = options.machineIdentifier ?? SERVER_MACHINE_ID;
    this.plexPass = options.plexPass ?? true;
    this.say = options.log;
    for (const session of options.sessions ?? seedSessions()) {
      this.sessions.set(session.sessionId, structuredClone(session));
    }
  }

  /**
   * This server as plex.tv lists it: a local connection where nothing listens, this stand-in
   * as its remote connection, and as a relay.
   */
  async resource(): Promise<DoubleResource> {
    return {
      name: this.name,
      product: 'Plex Media Server',
      provides: 'server',
      owned: true,
      clientIdentifier: this.machineIdentifier,
      accessToken: this.token,
      connections: [
        {
          protocol: 'http',
          uri: `http://127.0.0.1:${await closedPort()}`,
          local: true,
          relay: false,
        },
        { protocol: 'http', uri: this.url, local: false, relay: false },
        { protocol: 'http', uri: this.url, local: false, relay: true },
      ],
    };
  }

  protected override behave(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    query: Record<string, string>,
  ): void {
    const json = req.headers.accept === 'application/json';
    const reply = (body: unknown, xml: string) => {
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/xml' });
      res.end(json ? JSON.stringify(body) : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    const fail = (status: number, title: string) => {
      this.say?.(`${req.method} ${url.pathname} -> ${status}`);
      res.writeHead(status, { 'Content-Type': 'text/html' });
      res.end(
        `<html><head><title>${title}</title></head><body><h1>${status} ${title}</h1></body></html>`,
      );
    };
    if (url.pathname === '/identity') {
      const container = {
        size: 0,
        claimed: true,
        machineIdentifier: this.machineIdentifier,
        version: '1.41.0',
      };
      return reply({ MediaContainer: container }, `<MediaContainer ${attributes(container)}/>`);
    }
    if (req.headers['x-plex-token'] !== this.token) return fail(401, 'Unauthorized');
    if (req.method === 'GET' && url.pathname === '/status/sessions') {
      const list = [...this.sessions.values()];
      this.say?.(`GET /status/sessions -> 200 (${list.length} playing)`);
      return reply(
        { MediaContainer: { size: list.length, Metadata: list.map(sessionJson) } },
        `<MediaContainer size="${list.length}">${list.map(sessionXml).join('')}</MediaContainer>`,
      );
    }
    if (req.method === 'GET' && url.pathname === '/status/sessions/terminate') {
      if (!this.plexPass) return fail(401, 'Unauthorized');
      const session = this.sessions.get(query.sessionId ?? '');
      if (!session || this.ended.has(session.sessionId)) {
        this.sessions.delete(query.sessionId ?? '');
        return fail(404, 'Not Found');
      }
      if (this.endOnTerminate) this.sessions.delete(session.sessionId);
      const reason = query.reason ?? '';
      this.stops.push({ sessionId: session.sessionId, reason });
      this.say?.(
        `stopped the stream of ${session.userTitle} on ${session.player.title} with the message "${reason}"`,
      );
      res.writeHead(200);
      res.end();
      return;
    }
    fail(404, 'Not Found');
  }
}

function sessionJson(s: DoubleSession): Record<string, unknown> {
  return {
    ...mediaFields(s),
    User: {
      id: String(s.userId),
      title: s.userTitle,
      thumb: `https://plex.tv/users/${s.userId}/avatar`,
    },
    Player: { ...s.player, machineIdentifier: `${s.sessionId}-player` },
    Session: { id: s.sessionId, bandwidth: 4000, location: 'lan' },
  };
}

function sessionXml(s: DoubleSession): string {
  const element = { photo: 'Photo', track: 'Track' }[s.type as string] ?? 'Video';
  const user = {
    id: s.userId,
    title: s.userTitle,
    thumb: `https://plex.tv/users/${s.userId}/avatar`,
  };
  const player = { ...s.player, machineIdentifier: `${s.sessionId}-player` };
  const session = { id: s.sessionId, bandwidth: 4000, location: 'lan' };
  return (
    `<${element} ${attributes(mediaFields(s))}><Media id="1"><Part id="1" key="/library/parts/1/file.mkv"/></Media>` +
    `<User ${attributes(user)}/><Player ${attributes(player)}/><Session ${attributes(session)}/></${element}>`
  );
}

function mediaFields(s: DoubleSession): Record<string, string | number> {
  const fields: Record<string, string | number | undefined> = {
    sessionKey: s.sessionKey,
    type: s.type,
    title: s.title,
    grandparentTitle: s.grandparentTitle,
    parentIndex: s.parentIndex,
    index: s.index,
    year: s.year,
    viewOffset: s.viewOffset,
    duration: s.duration,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number
  >;
}

function attributes(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(
      ([key, value]) =>
        `${key}="${String(value).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)}"`,
    )
    .join(' ');
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
