import { createHash, randomBytes } from 'node:crypto';
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

/**
 * Ways to answer the next requests instead of the documented behaviour. The sign-in and
 * token-health endpoints (pins, user, ping) take only faults aimed at them with `only`: an
 * account checks its token when it starts, and that check must not use up a fault meant for
 * the request a test is about.
 */
export type Fault = FaultKind & {
  /** Only requests whose path matches take this fault; others pass it by. */
  only?: RegExp;
};

/** Endpoints that take only the faults aimed at them. */
const ACCOUNT_PATHS = /^\/api\/v2\/(user|ping|pins)(\/|$)/;

/** A sign-in PIN, as the double keeps it. */
export interface DoublePin {
  id: number;
  code: string;
  clientIdentifier: string;
  product: string;
  createdAt: number;
  expiresAt: number;
  /** Set when somebody signs in with the PIN: that member's token. */
  authToken: string | null;
}

/** How a dead token is answered: 401, plex.tv's 422 "Invalid token" after a password reset, or 498 (expired). */
export type TokenDeath = 401 | 422 | 498;

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
  /** The clock of sign-in PINs (milliseconds); Date.now by default. */
  now?: () => number;
}

export const DOUBLE_TOKEN = 'double-token-7f3a9c1e5b';

export const BODIES = {
  clientIdMissing: errorXml(1000, 'X-Plex-Client-Identifier is missing', 400),
  unauthorized: errorXml(1001, 'User could not be authenticated', 401),
  notFound: errorXml(1002, 'The requested resource or endpoint could not be found', 404),
  pleaseSignIn: '<errors><error>Please sign in.</error></errors>',
  invalidToken: '<errors><error>Invalid token</error></errors>',
  tokenExpired: '<errors><error message="Token expired" status="498"/></errors>',
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
  /** Sign-in PINs by id, expired ones included. */
  readonly pins = new Map<number, DoublePin>();
  /** Tokens that are dead, and how plex.tv says so. */
  readonly revoked = new Map<string, TokenDeath>();
  now: () => number;
  private nextPinId = 7_000_001;
  /** Each Home member's own token (the administrator's is `token`). */
  private readonly memberTokens = new Map<number, string>();
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
    this.now = options.now ?? (() => Date.now());
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

  /**
   * Forgets the recorded requests whose path matches `path`, and counts connections afresh
   * (those open stay open, and keep-alive may reuse them); faults stay.
   */
  forgetRequests(path: RegExp): void {
    const kept = this.requests.filter((request) => !path.test(request.path));
    this.requests.splice(0, this.requests.length, ...kept);
    this.connections = 0;
    this.peakConnections = this.sockets.size;
  }

  /** The token signing in as Home member `userId` gives: the administrator's is `token`. */
  tokenOf(userId: number): string {
    if (userId === this.administrator().id) return this.token;
    let token = this.memberTokens.get(userId);
    if (!token) {
      token = `member-token-${userId.toString(36)}-${randomBytes(8).toString('hex')}`;
      this.memberTokens.set(userId, token);
    }
    return token;
  }

  /** From now on requests with `token` are answered as plex.tv answers a dead token. */
  revoke(token: string, answer: TokenDeath = 401): void {
    this.revoked.set(token, answer);
  }

  /**
   * What the sign-in page does when a member's button is clicked: the PIN with this code and
   * client id, if it has not expired, gets that member's token. Returns the PIN, if any.
   */
  signIn(code: string, clientIdentifier: string, userId: number): DoublePin | undefined {
    const pin = [...this.pins.values()].find(
      (p) => p.code === code && p.clientIdentifier === clientIdentifier,
    );
    const member = this.users.get(userId) ?? this.administrator();
    if (!pin || this.now() >= pin.expiresAt || member.id !== userId) return undefined;
    pin.authToken = this.tokenOf(userId);
    return pin;
  }

  /** The Home's administrator: the seed's admin user, or one made up when the Home has none. */
  private administrator(): DoubleUser {
    return (
      [...this.users.values()].find((u) => u.admin) ??
      user({ id: 1, title: 'Administrator', username: 'admin', admin: true, restricted: false })
    );
  }

  /** The Home member a token belongs to, if it is a live one. */
  private memberOf(token: string): DoubleUser | undefined {
    if (token === this.token) return this.administrator();
    for (const [id, own] of this.memberTokens) if (own === token) return this.users.get(id);
    return undefined;
  }

  private nextFault(path: string): Fault | undefined {
    const aimedOnly = ACCOUNT_PATHS.test(path);
    const index = this.faults.findIndex(({ fault }) =>
      fault.only ? fault.only.test(path) : !aimedOnly,
    );
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
    if (url.pathname === '/auth') {
      this.signInPage(req, res);
      return;
    }
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
    const clientIdentifier = req.headers['x-plex-client-identifier'];
    if (!clientIdentifier) return fail(1000, 'X-Plex-Client-Identifier is missing', 400);
    if (url.pathname.startsWith('/api/v2/pins')) {
      return this.answerPins(req, url, query, String(clientIdentifier), reply, fail);
    }
    const token = req.headers['x-plex-token'] ?? url.searchParams.get('X-Plex-Token');
    const death = typeof token === 'string' ? this.revoked.get(token) : undefined;
    if (death === 422) {
      this.log?.(`${req.method} ${url.pathname} -> 422 (invalid token)`);
      return reply(422, BODIES.invalidToken, { errors: [{ message: 'Invalid token' }] });
    }
    if (death === 498) {
      this.log?.(`${req.method} ${url.pathname} -> 498 (token expired)`);
      return reply(498, BODIES.tokenExpired, {
        errors: [{ message: 'Token expired', status: 498 }],
      });
    }
    const member = typeof token === 'string' && !death ? this.memberOf(token) : undefined;
    if (!member) return fail(1001, 'User could not be authenticated', 401);
    if (req.method === 'GET' && url.pathname === '/api/v2/user') {
      this.log?.(`GET ${url.pathname} -> 200 ${member.title}`);
      const fields = { ...accountFields(member), authToken: String(token) };
      return reply(200, `<user ${xmlAttributes(fields)}/>`, fields);
    }
    if (req.method === 'GET' && url.pathname === '/api/v2/ping') {
      this.log?.(`GET ${url.pathname} -> 200 pong`);
      return reply(200, '<pong/>', { pong: true });
    }
    if (!member.admin) return fail(1009, 'Managed users are not allowed', 403);

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

  /** POST /api/v2/pins (no token) makes a PIN; GET /api/v2/pins/{id} tells whether it is signed in. */
  private answerPins(
    req: http.IncomingMessage,
    url: URL,
    query: Record<string, string>,
    clientIdentifier: string,
    reply: (status: number, xml: string, body: unknown) => void,
    fail: (plexCode: number, message: string, status: number) => void,
  ): void {
    const now = this.now();
    if (req.method === 'POST' && url.pathname === '/api/v2/pins') {
      const strong = query.strong === 'true';
      const pin: DoublePin = {
        id: this.nextPinId++,
        code: randomBytes(16)
          .toString('hex')
          .slice(0, strong ? 25 : 4),
        clientIdentifier,
        product: String(req.headers['x-plex-product'] ?? ''),
        createdAt: now,
        expiresAt: now + (strong ? 1800 : 900) * 1000,
        authToken: null,
      };
      this.pins.set(pin.id, pin);
      this.log?.(`POST /api/v2/pins -> 201 (PIN ${pin.id})`);
      const fields = pinFields(pin, now);
      return reply(201, `<pin ${xmlAttributes(fields)}/>`, { ...fields, authToken: null });
    }
    const match = /^\/api\/v2\/pins\/(\d+)$/.exec(url.pathname);
    const pin = match && req.method === 'GET' ? this.pins.get(Number(match[1])) : undefined;
    // A PIN polled with another client id is as unknown as one that never was.
    if (!match || !pin || pin.clientIdentifier !== clientIdentifier || now >= pin.expiresAt) {
      return fail(1020, 'Code not found or expired', 404);
    }
    this.log?.(`GET ${url.pathname} -> 200 ${pin.authToken ? 'signed in' : 'waiting'}`);
    const fields = {
      ...pinFields(pin, now),
      ...(pin.authToken ? { authToken: pin.authToken } : {}),
    };
    return reply(200, `<pin ${xmlAttributes(fields)}/>`, { authToken: null, ...fields });
  }

  /**
   * The stand-in for Plex's sign-in page: GET shows a button per Home member; the page reads
   * the PIN's code and client id from the fragment, as Plex's does. POST signs that member in.
   */
  private signInPage(req: http.IncomingMessage, res: http.ServerResponse): void {
    const page = (status: number, body: string) => {
      res.writeHead(status, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; form-action 'self'",
      });
      res.end(signInHtml(body));
    };
    if (req.method === 'GET') {
      this.log?.('GET /auth -> 200 sign-in page');
      const members = [...this.users.values()].filter((u) => !u.guest);
      return page(200, signInForm(members));
    }
    if (req.method !== 'POST') return page(405, '<p>Method not allowed.</p>');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 4096) req.destroy();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const userId = Number(form.get('user'));
      const pin = this.signIn(form.get('code') ?? '', form.get('clientID') ?? '', userId);
      if (!pin) {
        this.log?.('POST /auth -> 404 unknown or expired code');
        return page(
          404,
          '<p id="outcome">This sign-in code is unknown or has expired. Start again from Node-RED.</p>',
        );
      }
      const title = this.users.get(userId)?.title ?? this.administrator().title;
      this.log?.(`POST /auth -> 200 ${title} signed in (PIN ${pin.id})`);
      return page(
        200,
        `<p id="outcome">Signed in as ${escapeXml(title)}. You can close this window and go back to Node-RED.</p>`,
      );
    });
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

/** What GET /api/v2/user says of a member (its token is added by the caller). */
function accountFields(u: DoubleUser): Record<string, string | number | boolean> {
  return {
    id: u.id,
    uuid: u.uuid,
    username: u.username,
    title: u.title,
    email: u.email,
    thumb: u.thumb,
    homeAdmin: u.admin,
    restricted: u.restricted,
    protected: u.pin !== undefined,
  };
}

function pinFields(pin: DoublePin, now: number): Record<string, string | number | boolean> {
  return {
    id: pin.id,
    code: pin.code,
    product: pin.product,
    trusted: false,
    qr: `https://plex.tv/api/v2/pins/qr/${pin.code}`,
    clientIdentifier: pin.clientIdentifier,
    expiresIn: Math.max(0, Math.round((pin.expiresAt - now) / 1000)),
    createdAt: new Date(pin.createdAt).toISOString(),
    expiresAt: new Date(pin.expiresAt).toISOString(),
  };
}

function signInHtml(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plex sign-in (stand-in)</title>
<style>body{font-family:sans-serif;margin:2em;max-width:32em}button{display:block;margin:.5em 0;padding:.6em 1em;font-size:1em}</style>
</head><body><h1>Sign in to Plex</h1>
<p>This is the local stand-in for Plex's sign-in page. Choose who signs in:</p>
${body}</body></html>`;
}

function signInForm(members: DoubleUser[]): string {
  const buttons = members
    .map(
      (m) =>
        `<button type="submit" name="user" value="${m.id}">Sign in as ${escapeXml(m.title)}</button>`,
    )
    .join('\n');
  // Like Plex's page, it reads the PIN's code and client id from the fragment.
  return `<form method="post" action="/auth">
<input type="hidden" name="code" id="code"><input type="hidden" name="clientID" id="clientID">
${buttons}
</form>
<script>
var query = new URLSearchParams(location.hash.replace(/^#\\??/, ''));
document.getElementById('code').value = query.get('code') || '';
document.getElementById('clientID').value = query.get('clientID') || '';
</script>`;
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
