import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local stand-in for plex.tv's Plex Home endpoints, over real HTTP on 127.0.0.1.
 * It behaves as ../shared/plex-tv-api.md documents, and can be told to misbehave.
 */

export interface DoubleUser {
  id: number;
  uuid: string;
  title: string;
  username: string;
  email: string;
  friendlyName: string;
  thumb: string;
  hasPassword: boolean;
  restricted: boolean;
  updatedAt: number;
  restrictionProfile: string;
  admin: boolean;
  guest: boolean;
  /** The PIN, when one is set; `protected` is derived from it. */
  pin?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

/** Ways to answer the next requests instead of the documented behaviour. */
export type Fault = FaultKind & {
  /** Only requests whose path matches take this fault; others pass it by. */
  only?: RegExp;
};

type FaultKind =
  | {
      kind: 'status';
      status: number;
      body?: string;
      contentType?: string;
      headers?: Record<string, string>;
    }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'reset-mid-body' }
  | { kind: 'trickle'; intervalMs: number; chunks: number }
  /** A body of `bytes` bytes of comments, then a user; 201 unless told. */
  | { kind: 'huge'; bytes: number; status?: number }
  /** A 103 Early Hints answer first, then the documented one. */
  | { kind: 'informational' }
  /** Bytes written straight to the socket instead of an HTTP answer, then the socket ends. */
  | { kind: 'raw'; data: string };

export interface PlexTvDoubleOptions {
  token?: string;
  users?: DoubleUser[];
  /** Added before every answer, to model the round trip to plex.tv. */
  latencyMs?: number;
  /** Called once per request with a line that never contains the token. */
  log?: (line: string) => void;
  /** Answer users as some plex.tv answers do: with an `authToken` and a hashed `pin`. */
  secretAttributes?: boolean;
}

export const DOUBLE_TOKEN = 'double-token-7f3a9c1e5b';

export const BODIES = {
  clientIdMissing: errorXml(1000, 'X-Plex-Client-Identifier is missing', 400),
  unauthorized: errorXml(1001, 'User could not be authenticated', 401),
  notFound: errorXml(1002, 'The requested resource or endpoint could not be found', 404),
  pleaseSignIn: '<errors><error>Please sign in.</error></errors>',
  incorrectPin: '<Response code="401" status="Incorrect PIN"/>',
  rateLimitedJson: '{"errors":[{"code":1003,"message":"API rate limit exceeded","status":429}]}',
  managedNotAllowed: errorXml(1009, 'Managed users are not allowed', 403),
  pinFormat: errorXml(1038, 'PIN must be 4 digits', 400),
  html: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
} as const;

/** The Home around the users, as the list endpoint describes it. */
export const DOUBLE_HOME = {
  id: 1,
  name: 'My Home',
  guestUserID: 9,
  guestUserUUID: '0fb7ab7d1b7b1f5e',
  guestEnabled: false,
  subscription: true,
} as const;

export function seedUsers(): DoubleUser[] {
  return [
    user({
      id: 1,
      title: 'Parent',
      username: 'parent',
      email: 'parent@example.com',
      admin: true,
      restricted: false,
      hasPassword: true,
      pin: '9876',
    }),
    user({
      id: 12345678,
      title: 'Kids',
      friendlyName: 'Older Kid',
      restrictionProfile: 'older_kid',
      pin: '1234',
    }),
    user({ id: 23456789, title: 'Teen', friendlyName: 'Teen', restrictionProfile: 'teen' }),
  ];
}

export class PlexTvDouble {
  token: string;
  latencyMs: number;
  /** Answer users with an `authToken` of their own and, when one is set, a hashed `pin`. */
  secretAttributes: boolean;
  readonly users = new Map<number, DoubleUser>();
  readonly requests: RecordedRequest[] = [];
  /** Requests being answered right now, and the most seen at once. */
  inFlight = 0;
  peakInFlight = 0;
  /** TCP connections accepted: with keep-alive this stays far below the request count. */
  connections = 0;
  /** Body bytes the last 'huge' answer got to write before the client hung up. */
  hugeBytesWritten = 0;
  /** Most TCP connections open at once. */
  peakConnections = 0;
  /** The account's devices that `GET /api/v2/resources` lists (media servers among them). */
  resources: DoubleResource[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly faults: Array<{ fault: Fault; times: number }> = [];
  private readonly log?: (line: string) => void;

  constructor(options: PlexTvDoubleOptions = {}) {
    this.token = options.token ?? DOUBLE_TOKEN;
    this.latencyMs = options.latencyMs ?? 0;
    this.secretAttributes = options.secretAttributes ?? false;
    this.log = options.log;
    for (const u of options.users ?? seedUsers()) this.users.set(u.id, { ...u });
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      this.peakConnections = Math.max(this.peakConnections, this.sockets.size);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the next `times` requests with `fault` (Infinity: until reset). */
  inject(fault: Fault, times = 1): void {
    this.faults.push({ fault, times });
  }

  /** Back to documented behaviour, with counters cleared. */
  reset(): void {
    this.faults.length = 0;
    this.requests.length = 0;
    this.peakInFlight = this.inFlight;
    this.connections = this.sockets.size;
    this.peakConnections = this.sockets.size;
  }

  private nextFault(path: string): Fault | undefined {
    const index = this.faults.findIndex(({ fault }) => !fault.only || fault.only.test(path));
    const entry = this.faults[index];
    if (!entry) return undefined;
    entry.times--;
    if (entry.times <= 0) this.faults.splice(index, 1);
    return entry.fault;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://double');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      path: url.pathname,
      query,
      headers: req.headers,
    });
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    let finished = false;
    const finish = () => {
      if (!finished) {
        finished = true;
        this.inFlight--;
      }
    };
    res.on('finish', finish);
    res.on('close', finish);
    req.resume();
    const fault = this.nextFault(url.pathname);
    const answer = () =>
      fault ? this.misbehave(fault, req, res, url) : this.behave(req, res, url, query);
    if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
    else answer();
  }

  private misbehave(
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): void {
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, {
          'Content-Type': fault.contentType ?? 'application/xml',
          ...fault.headers,
        });
        res.end(fault.body ?? '');
        return;
      case 'delay':
        setTimeout(
          () => this.behave(req, res, url, Object.fromEntries(url.searchParams)),
          fault.ms,
        );
        return;
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'reset-mid-body': {
        res.writeHead(201, { 'Content-Type': 'application/xml', 'Content-Length': '500' });
        res.write('<user id="12345678" title="Ki');
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      case 'trickle': {
        res.writeHead(201, { 'Content-Type': 'application/xml' });
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed || sent >= fault.chunks) {
            clearInterval(timer);
            if (!res.destroyed) res.end('<user id="12345678"/>');
            return;
          }
          sent++;
          res.write(' ');
        }, fault.intervalMs);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'huge': {
        res.writeHead(fault.status ?? 201, { 'Content-Type': 'application/xml' });
        const chunk = `<!--${'x'.repeat(64 * 1024 - 7)}-->`;
        let left = fault.bytes;
        this.hugeBytesWritten = 0;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            left -= chunk.length;
            this.hugeBytesWritten += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end('<user id="1"/>');
        };
        pump();
        return;
      }
      case 'informational':
        res.writeEarlyHints({ link: '</avatar>; rel=preload; as=image' });
        this.behave(req, res, url, Object.fromEntries(url.searchParams));
        return;
      case 'raw':
        req.socket.end(fault.data);
        return;
    }
  }

  protected behave(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    query: Record<string, string>,
  ): void {
    const json = req.headers.accept === 'application/json';
    const reply = (status: number, xml: string, body: unknown) => {
      res.writeHead(status, {
        'Content-Type': json ? 'application/json' : 'application/xml; charset=utf-8',
      });
      res.end(json ? JSON.stringify(body) : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    const fail = (plexCode: number, message: string, status: number) => {
      this.log?.(`${req.method} ${url.pathname} -> ${status} (${plexCode})`);
      reply(status, errorXml(plexCode, message, status), {
        errors: [{ code: plexCode, message, status }],
      });
    };
    if (!req.headers['x-plex-client-identifier'])
      return fail(1000, 'X-Plex-Client-Identifier is missing', 400);
    const token = req.headers['x-plex-token'] ?? url.searchParams.get('X-Plex-Token');
    if (token !== this.token) return fail(1001, 'User could not be authenticated', 401);

    const restricted = /^\/api\/v2\/home\/users\/restricted\/(\d+)$/.exec(url.pathname);
    if (req.method === 'POST' && restricted) {
      const target = this.users.get(Number(restricted[1]));
      if (!target || !target.restricted) {
        return fail(1002, 'The requested resource or endpoint could not be found', 404);
      }
      if (query.removePin === '1') {
        delete target.pin;
      } else if (query.pin !== undefined) {
        if (!/^\d{4}$/.test(query.pin)) return fail(1038, 'PIN must be 4 digits', 400);
        target.pin = query.pin;
      } else {
        return fail(1004, 'removePin or pin is required', 400);
      }
      target.updatedAt++;
      this.log?.(
        `${req.method} ${url.pathname}?${query.removePin ? 'removePin=1' : 'pin=****'} -> 201 ${target.title}`,
      );
      return reply(201, this.userXml(target), this.userFields(target));
    }
    if (req.method === 'GET' && url.pathname === '/api/v2/home/users') {
      this.log?.(`GET ${url.pathname} -> 200 (${this.users.size} users)`);
      const users = [...this.users.values()];
      const xml = `<home ${xmlAttributes(DOUBLE_HOME)}><users>${users.map((u) => this.userXml(u)).join('')}</users></home>`;
      return reply(200, xml, { ...DOUBLE_HOME, users: users.map((u) => this.userFields(u)) });
    }
    if (req.method === 'GET' && url.pathname === '/api/v2/resources') {
      this.log?.(`GET ${url.pathname} -> 200 (${this.resources.length} devices)`);
      return reply(200, resourcesXml(this.resources), this.resources);
    }
    return fail(1002, 'The requested resource or endpoint could not be found', 404);
  }

  private userFields(u: DoubleUser): Record<string, string | number | boolean> {
    const fields = userFields(u);
    if (!this.secretAttributes) return fields;
    const secrets: Record<string, string> = { authToken: userToken(u) };
    if (u.pin !== undefined) secrets.pin = hashPin(u.pin);
    return { ...fields, ...secrets };
  }

  private userXml(u: DoubleUser): string {
    return `<user ${xmlAttributes(this.userFields(u))}/>`;
  }
}

/** A device of the account as plex.tv's resources list has it. */
export interface DoubleResource {
  name: string;
  product: string;
  provides: string;
  owned: boolean;
  clientIdentifier: string;
  accessToken: string;
  connections: Array<{ uri: string; local: boolean; relay: boolean; protocol?: string }>;
}

function resourcesXml(resources: DoubleResource[]): string {
  const items = resources.map(({ connections, ...fields }) => {
    const list = connections
      .map((c) => `<connection ${xmlAttributes({ protocol: c.protocol ?? '', ...c })}/>`)
      .join('');
    return `<resource ${xmlAttributes(fields)}><connections>${list}</connections></resource>`;
  });
  return `<resources size="${resources.length}">${items.join('')}</resources>`;
}

/** The token a user's switch answer carries (distinct per user, and never the account's). */
export function userToken(u: Pick<DoubleUser, 'id'>): string {
  return `user-token-${u.id.toString(36)}-c0ffee`;
}

/** A PIN as plex.tv lists it: hashed, yet as secret as the PIN (four digits are quick to try). */
export function hashPin(pin: string): string {
  return createHash('sha256').update(pin).digest('hex');
}

function user(fields: Partial<DoubleUser> & { id: number; title: string }): DoubleUser {
  const uuid = fields.id.toString(16).padStart(16, '0');
  return {
    uuid,
    username: '',
    email: '',
    friendlyName: '',
    thumb: `https://plex.tv/users/${uuid}/avatar?c=1722343001`,
    hasPassword: false,
    restricted: true,
    updatedAt: 1722343001,
    restrictionProfile: '',
    admin: false,
    guest: false,
    ...fields,
  };
}

function userFields(u: DoubleUser): Record<string, string | number | boolean> {
  return {
    id: u.id,
    uuid: u.uuid,
    title: u.title,
    username: u.username,
    email: u.email,
    friendlyName: u.friendlyName,
    thumb: u.thumb,
    hasPassword: u.hasPassword,
    restricted: u.restricted,
    updatedAt: u.updatedAt,
    restrictionProfile: u.restrictionProfile,
    admin: u.admin,
    guest: u.guest,
    protected: u.pin !== undefined,
  };
}

function xmlAttributes(fields: Record<string, string | number | boolean>): string {
  return Object.entries(fields)
    .map(
      ([key, value]) =>
        `${key}="${escapeXml(typeof value === 'boolean' ? (value ? '1' : '0') : String(value))}"`,
    )
    .join(' ');
}

export function errorXml(code: number, message: string, status: number): string {
  return `<errors><error code="${code}" message="${escapeXml(message)}" status="${status}"/></errors>`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
