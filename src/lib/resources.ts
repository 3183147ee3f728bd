import util from 'node:util';
import { badResponse, readBody } from './answers';
import { isAllowedBaseUrl } from './base-url';
import { PlexTvError } from './errors';
import { isArray, isRecord, toBoolean } from './records';
import type { XmlElement } from './response';
import type { ConnectionPool } from './pool';
import type { Answer, Transport } from './transport';
import { fold, lineOfText } from './text';

/** One way to reach a media server, as plex.tv lists it. */
export interface ServerConnection {
  uri: string;
  /** On the server's own network. */
  local: boolean;
  /** Through Plex's relay (slow, capped bandwidth): the last resort. */
  relay: boolean;
}

/** Connections tried per server at most: plex.tv lists a handful; a longer list is cut. */
const MAX_CONNECTIONS = 8;
/** Server names as messages and msg.plex show them: without control characters, at most this long. */
const MAX_NAME = 100;

/**
 * A Plex Media Server of the account, as plex.tv's resources list describes it. Its access
 * token is a secret like the account's: it stays in a #private field and leaves only as the
 * X-Plex-Token header of a transport to one of this server's own connections.
 */
export class ServerResource {
  readonly name: string;
  readonly clientIdentifier: string;
  readonly owned: boolean;
  readonly connections: readonly ServerConnection[];
  readonly #accessToken: string;

  constructor(
    fields: Pick<ServerResource, 'name' | 'clientIdentifier' | 'owned' | 'connections'>,
    accessToken: string,
  ) {
    this.name = fields.name;
    this.clientIdentifier = fields.clientIdentifier;
    this.owned = fields.owned;
    this.connections = fields.connections;
    this.#accessToken = accessToken;
  }

  /**
   * A transport to `connection`, which must be one of this server's own: its token goes to
   * no address that plex.tv did not list for it.
   */
  transport(
    plexTv: Transport,
    connection: ServerConnection,
    options: { retries?: number; pool?: ConnectionPool } = {},
  ): Transport {
    if (!this.connections.includes(connection)) {
      throw new PlexTvError('INTERNAL', 'A connection that is not the server’s own');
    }
    return plexTv.to({
      baseUrl: connection.uri,
      name: `Plex Media Server "${this.name}"`,
      token: this.#accessToken,
      retries: options.retries,
      outagePages: false,
      pool: options.pool,
    });
  }

  [util.inspect.custom](): string {
    return `ServerResource { name: ${JSON.stringify(this.name)} }`;
  }

  toJSON(): { name: string; clientIdentifier: string } {
    return { name: this.name, clientIdentifier: this.clientIdentifier };
  }
}

/**
 * The media servers of a resources list (plex.tv's JSON array, or its XML `resource`
 * elements): devices whose `provides` includes `server`, with an access token and a
 * machine id. Fields are read one by one, so nothing else of an answer is kept.
 */
export async function readResources(answer: Answer): Promise<ServerResource[]> {
  const { xml, json } = await readBody(answer);
  let devices: Array<{ fields: Record<string, unknown>; connections: unknown[] }> | undefined;
  if (isArray(json)) {
    devices = (json as unknown[]).filter(isRecord).map((device) => ({
      fields: device,
      connections: isArray(device.connections) ? (device.connections as unknown[]) : [],
    }));
  } else if (xml && xml.children.every((child) => isDevice(child))) {
    devices = xml.children.map((device) => ({
      fields: device.attributes,
      connections: connectionElements(device).map((c) => c.attributes),
    }));
  }
  if (!devices) throw badResponse(answer, 'without a readable resources list');
  return devices.flatMap(({ fields, connections }) => {
    const provides = typeof fields.provides === 'string' ? fields.provides.split(',') : [];
    const token = fields.accessToken;
    const id = fields.clientIdentifier;
    if (!provides.map((p) => p.trim()).includes('server')) return [];
    if (typeof token !== 'string' || token === '' || typeof id !== 'string' || id === '') return [];
    const server = {
      name: displayName(fields.name),
      clientIdentifier: id,
      owned: flag(fields.owned),
      connections: connections.filter(isRecord).flatMap(readConnection),
    };
    return [new ServerResource(server, token)];
  });
}

function isDevice(element: XmlElement): boolean {
  return element.name === 'resource' || element.name === 'Device';
}

function connectionElements(device: XmlElement): XmlElement[] {
  const list = device.children.find((child) => child.name === 'connections');
  return (list ?? device).children.filter(
    (c) => c.name === 'connection' || c.name === 'Connection',
  );
}

function readConnection(fields: Record<string, unknown>): ServerConnection[] {
  const uri = fields.uri;
  if (typeof uri !== 'string' || uri === '' || uri.length > 2048) return [];
  return [{ uri, local: flag(fields.local), relay: flag(fields.relay) }];
}

function flag(value: unknown): boolean {
  return toBoolean(value) === true;
}

/** A name fit for messages, statuses and msg.plex. */
function displayName(value: unknown): string {
  return (typeof value === 'string' && lineOfText(value, MAX_NAME)) || '(unnamed)';
}

/**
 * The owned server a node's Server setting means: blank for the only one, else a name
 * (ignoring case) or a machine id. None is NOT_FOUND; several AMBIGUOUS_SERVER, naming them.
 */
export function findServer(servers: readonly ServerResource[], wanted: string): ServerResource {
  const owned = servers.filter((server) => server.owned);
  const names = (list: readonly ServerResource[]) =>
    list
      .slice(0, 10)
      .map((server) => JSON.stringify(server.name))
      .join(', ') + (list.length > 10 ? ', …' : '');
  const wish = fold(wanted);
  if (wish === '') {
    if (owned.length === 1) return owned[0];
    if (owned.length === 0) throw noOwnedServer(servers.length > 0);
    throw new PlexTvError(
      'AMBIGUOUS_SERVER',
      `This Plex account owns ${owned.length} Plex Media Servers (${names(owned)}): name one in the node's Server setting`,
    );
  }
  const named = owned.filter((server) => fold(server.name) === wish);
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    const ids = named.map((server) => server.clientIdentifier).join(', ');
    throw new PlexTvError(
      'AMBIGUOUS_SERVER',
      `${named.length} owned Plex Media Servers have that name (machine ids ${ids}): give the machine id instead`,
    );
  }
  const byId = owned.find((server) => server.clientIdentifier === wanted.trim());
  if (byId) return byId;
  if (owned.length === 0) throw noOwnedServer(servers.length > 0);
  throw new PlexTvError(
    'NOT_FOUND',
    `No Plex Media Server of this account has that name or machine id; it owns ${names(owned)}`,
  );
}

function noOwnedServer(sharedOnly: boolean): PlexTvError {
  const shared = sharedOnly
    ? ' (servers shared with it are not its own: only their owner can stop streams)'
    : '';
  return new PlexTvError('NOT_FOUND', `This Plex account owns no Plex Media Server${shared}`);
}

/**
 * The connections its token may be sent over, in the order to try them: local ones first,
 * then remote ones, then relays, at most MAX_CONNECTIONS. Only https, or plain http to this
 * machine: over plain http to another host the token would cross the network readable.
 * None usable is NOT_CONFIGURED (or NETWORK when plex.tv lists none at all), saying why.
 */
export function usableConnections(server: ServerResource): ServerConnection[] {
  const rank = (c: ServerConnection) => (c.relay ? 2 : c.local ? 0 : 1);
  const usable = server.connections.filter(isSecure);
  if (usable.length > 0) {
    return [...usable].sort((a, b) => rank(a) - rank(b)).slice(0, MAX_CONNECTIONS);
  }
  const what = `Plex Media Server "${server.name}"`;
  if (server.connections.length === 0) {
    throw new PlexTvError(
      'NETWORK',
      `plex.tv lists no connection for ${what}: is it running and signed in?`,
    );
  }
  throw new PlexTvError(
    'NOT_CONFIGURED',
    `${what} offers no secure connection, only plain http to another machine, over which its token would be readable: ` +
      'set "Secure connections" to Preferred or Required in the server\'s Network settings',
  );
}

/** A connection the server's token may travel over: the plex.tv URL's rules. */
function isSecure(connection: ServerConnection): boolean {
  return isAllowedBaseUrl(connection.uri);
}
