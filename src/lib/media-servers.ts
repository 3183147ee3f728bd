import util from 'node:util';
import { PlexTvError } from './errors';
import { parseBody } from './response';
import { isRecord } from './records';
import {
  findServer,
  readResources,
  usableConnections,
  type ServerConnection,
  type ServerResource,
} from './resources';
import { untilAborted } from './retry';
import { MediaServer } from './media-server';
import type { ConnectionPool } from './pool';
import type { Transport } from './transport';
import { fold } from './text';

/** How long a chosen server and connection (and the resources list) serve before they are asked again. */
export const SERVER_TTL_MS = 10 * 60_000;
/** The shortest time between two resources fetches that an editor's refresh may ask for. */
export const SERVERS_REFRESH_MS = 10_000;
const RESOURCES_PATH = '/api/v2/resources';

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/**
 * The account's Plex Media Servers: plex.tv's resources list, and for each Server setting
 * the server it means with the first of its connections that answers, cached for ten
 * minutes per account. A connection failure drops the choice, so the next message finds
 * the server again (it may have moved). Concurrent callers share one discovery. The servers
 * have a pool of their own: one that hangs holds up no request of the account to plex.tv.
 */
export class MediaServers {
  readonly #plexTv: Transport;
  readonly #pool: ConnectionPool;
  readonly #now: () => number;
  #resources?: Cached<ServerResource[]>;
  /** A server was lost since the list was fetched: it serves SERVERS_REFRESH_MS only. */
  #resourcesStale = false;
  readonly #chosen = new Map<string, Cached<MediaServer>>();

  constructor(plexTv: Transport, pool: ConnectionPool, now: () => number) {
    this.#plexTv = plexTv;
    this.#pool = pool;
    this.#now = now;
  }

  /** Requests to the account's media servers in flight. */
  get inFlight(): number {
    return this.#pool.running;
  }

  /** The account's owned servers (for the editor's picker); `refresh` fetches again, at most every 10 s. */
  async owned(
    options: { signal?: AbortSignal; refresh?: boolean } = {},
  ): Promise<ServerResource[]> {
    if (options.refresh && !this.#fresh(this.#resources, SERVERS_REFRESH_MS))
      this.#resources = undefined;
    const servers = await untilAborted(this.#sharedResources(), options.signal);
    return servers.filter((server) => server.owned);
  }

  /** The server a Server setting means ('' for the only owned one), reachable. */
  connect(name: string, options: { signal?: AbortSignal } = {}): Promise<MediaServer> {
    const key = fold(name);
    let entry = this.#chosen.get(key);
    if (!entry || !this.#fresh(entry, SERVER_TTL_MS)) {
      const created: Cached<MediaServer> = {
        at: this.#now(),
        value: this.#discover(name, () => this.#forget(key, created)),
      };
      entry = created;
      this.#chosen.set(key, entry);
      entry.value.catch(() => this.#forget(key, created));
    }
    return untilAborted(entry.value, options.signal);
  }

  close(): void {
    this.#resources = undefined;
    this.#resourcesStale = false;
    this.#chosen.clear();
    this.#pool.close();
  }

  [util.inspect.custom](): string {
    return `MediaServers { chosen: ${this.#chosen.size} }`;
  }

  #fresh(entry: Cached<unknown> | undefined, ttl: number): boolean {
    const age = entry ? this.#now() - entry.at : -1;
    return entry !== undefined && age >= 0 && age < ttl;
  }

  #forget(key: string, entry: Cached<MediaServer>): void {
    if (this.#chosen.get(key) !== entry) return;
    this.#chosen.delete(key);
    // The server may have moved: its connections are asked for afresh too, but not more often
    // than every SERVERS_REFRESH_MS, however many messages a refusing server turns away.
    this.#resourcesStale = true;
  }

  #sharedResources(): Promise<ServerResource[]> {
    const ttl = this.#resourcesStale ? SERVERS_REFRESH_MS : SERVER_TTL_MS;
    if (this.#resources && this.#fresh(this.#resources, ttl)) return this.#resources.value;
    this.#resourcesStale = false;
    const entry: Cached<ServerResource[]> = { at: this.#now(), value: this.#fetchResources() };
    this.#resources = entry;
    entry.value.catch(() => {
      if (this.#resources === entry) this.#resources = undefined;
    });
    return entry.value;
  }

  async #fetchResources(): Promise<ServerResource[]> {
    const answer = await this.#plexTv.request({
      method: 'GET',
      path: RESOURCES_PATH,
      params: { includeHttps: '1', includeRelay: '1' },
      accept: 'json',
    });
    return readResources(answer);
  }

  async #discover(name: string, onConnectionLost: () => void): Promise<MediaServer> {
    const server = findServer(await this.#sharedResources(), name);
    const pool = this.#pool;
    const connection = await chooseConnection(
      this.#plexTv,
      pool,
      server,
      usableConnections(server),
    );
    return new MediaServer(
      server.name,
      server.transport(this.#plexTv, connection, { pool }),
      onConnectionLost,
    );
  }
}

/**
 * The first of `connections` (in their order) whose `/identity` answers, without a token,
 * as this very server (its machine id): all are asked at once, each within the timeout, and
 * a later one wins only once every earlier one has failed.
 */
async function chooseConnection(
  plexTv: Transport,
  pool: ConnectionPool,
  server: ServerResource,
  connections: ServerConnection[],
): Promise<ServerConnection> {
  const controller = new AbortController();
  const probes = connections.map((connection) =>
    probe(
      server.transport(plexTv, connection, { retries: 0, pool }),
      server,
      controller.signal,
    ).then(
      () => undefined,
      (error: unknown) =>
        error instanceof PlexTvError ? error : new PlexTvError('INTERNAL', 'probe'),
    ),
  );
  const failures: string[] = [];
  try {
    for (const [i, connection] of connections.entries()) {
      const failure = await probes[i];
      if (!failure) return connection;
      failures.push(
        `${describe(connection)}: ${failure.code === 'NETWORK' ? failure.message : failure.code}`,
      );
    }
  } finally {
    controller.abort();
  }
  throw new PlexTvError(
    'NETWORK',
    `Could not reach Plex Media Server "${server.name}" on any of its ${connections.length} connections (${failures.join('; ')})`,
  );
}

async function probe(
  transport: Transport,
  server: ServerResource,
  signal: AbortSignal,
): Promise<void> {
  const answer = await transport.request({
    method: 'GET',
    path: '/identity',
    accept: 'json',
    token: null,
    signal,
  });
  let machine: unknown;
  try {
    const { xml, json } = await parseBody(answer.body);
    machine = xml
      ? xml.attributes.machineIdentifier
      : isRecord(json) && isRecord(json.MediaContainer)
        ? json.MediaContainer.machineIdentifier
        : undefined;
  } catch {
    machine = undefined;
  }
  if (machine !== server.clientIdentifier) {
    throw new PlexTvError('BAD_RESPONSE', 'another server, or none, answered there');
  }
}

function describe(connection: ServerConnection): string {
  const kind = connection.relay ? 'relay' : connection.local ? 'local' : 'remote';
  let where: string;
  try {
    where = new URL(connection.uri).host;
  } catch {
    where = '?';
  }
  return `${kind} ${where}`;
}
