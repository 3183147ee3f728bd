import assert from 'node:assert/strict';
import util from 'node:util';
import sinon from 'sinon';
import { ConnectionPool } from '../src/lib/pool';
import {
  readResources,
  usableConnections,
  findServer,
  type ServerResource,
} from '../src/lib/resources';
import { SERVER_TTL_MS, SERVERS_REFRESH_MS } from '../src/lib/media-servers';
import { stopReason, spokenTitle, readSessions } from '../src/lib/sessions';
import { SERVER_TOKEN, PlexServerDouble, closedPort } from './double/plex-server-double';
import type { DoubleResource } from './double/plex-tv-double';
import { rejection, useClientWithDouble } from './support/client';
import { waitFor } from './support/flow';

const answer = (body: string) => ({ status: 200, body, from: 'plex.tv' });

function resource(fields: Partial<DoubleResource> = {}): DoubleResource {
  return {
    name: 'Home Server',
    product: 'Plex Media Server',
    provides: 'server',
    owned: true,
    clientIdentifier: 'machine-1',
    accessToken: SERVER_TOKEN,
    connections: [{ uri: 'https://10-0-0-5.abc.plex.direct:32400', local: true, relay: false }],
    ...fields,
  };
}

async function servers(list: unknown[]): Promise<ServerResource[]> {
  return readResources(answer(JSON.stringify(list)));
}

describe('media servers: the resources list', () => {
  it('keeps servers only, with their own fields, and the access token out of sight', async () => {
    const [server, ...rest] = await servers([
      { ...resource(), ip: '10.0.0.5', extra: { accessToken: 'x' } },
      resource({ name: 'A player', provides: 'client,player' }),
      { ...resource({ name: 'No token' }), accessToken: '' },
    ]);
    assert.equal(rest.length, 0);
    assert.equal(server.name, 'Home Server');
    assert.deepEqual(Object.keys(server).sort(), [
      'clientIdentifier',
      'connections',
      'name',
      'owned',
    ]);
    for (const shown of [
      JSON.stringify(server),
      util.inspect(server, { depth: Infinity, showHidden: true }),
    ]) {
      assert.ok(!shown.includes(SERVER_TOKEN), shown);
    }
  });

  it('reads the XML form too', async () => {
    const xml =
      `<resources><resource name="Home Server" provides="server" owned="1" clientIdentifier="m" accessToken="${SERVER_TOKEN}">` +
      '<connections><connection uri="https://a.plex.direct:32400" local="1" relay="0"/></connections></resource></resources>';
    const [server] = await readResources(answer(xml));
    assert.deepEqual(server.connections, [
      { uri: 'https://a.plex.direct:32400', local: true, relay: false },
    ]);
  });

  for (const [what, body] of [
    ['an object', '{"MediaContainer":{}}'],
    ['HTML', '<html><body>hi</body></html>'],
    ['100,000 devices', JSON.stringify(Array.from({ length: 100_000 }, () => ({})))],
  ] as const) {
    it(`refuses ${what} as BAD_RESPONSE`, async () => {
      const error = await rejection(readResources(answer(body)));
      assert.equal(error.code, 'BAD_RESPONSE');
    });
  }

  it('picks the only owned server, by name ignoring case, or by machine id', async () => {
    const list = await servers([
      resource(),
      resource({ name: "Grandma's", owned: false, clientIdentifier: 'machine-2' }),
    ]);
    assert.equal(findServer(list, '').name, 'Home Server');
    assert.equal(findServer(list, ' home SERVER ').name, 'Home Server');
    assert.equal(findServer(list, 'machine-1').name, 'Home Server');
    const shared = await rejection(Promise.resolve().then(() => findServer(list, "Grandma's")));
    assert.equal(shared.code, 'NOT_FOUND');
    assert.match(shared.message, /"Home Server"/);
  });

  it('AMBIGUOUS_SERVER names the servers: several owned and none named, or two of one name', async () => {
    const two = await servers([
      resource(),
      resource({ name: 'Cabin', clientIdentifier: 'machine-2' }),
    ]);
    const blank = await rejection(Promise.resolve().then(() => findServer(two, '')));
    assert.equal(blank.code, 'AMBIGUOUS_SERVER');
    assert.match(blank.message, /"Home Server", "Cabin"/);
    const twins = await servers([resource(), resource({ clientIdentifier: 'machine-2' })]);
    const named = await rejection(Promise.resolve().then(() => findServer(twins, 'Home Server')));
    assert.equal(named.code, 'AMBIGUOUS_SERVER');
    assert.match(named.message, /machine-1, machine-2/);
    assert.equal(findServer(twins, 'machine-2').clientIdentifier, 'machine-2');
  });

  it('NOT_FOUND when the account owns no server at all', async () => {
    const error = await rejection(
      Promise.resolve().then(async () => findServer(await servers([]), '')),
    );
    assert.equal(error.code, 'NOT_FOUND');
  });

  it('orders connections local, remote, relay; https or loopback http only', async () => {
    const [server] = await servers([
      resource({
        connections: [
          { uri: 'https://relay.plex.direct:8443', local: false, relay: true },
          { uri: 'http://192.168.1.10:32400', local: true, relay: false },
          { uri: 'https://remote.plex.direct:32400', local: false, relay: false },
          { uri: 'https://local.plex.direct:32400', local: true, relay: false },
          { uri: 'http://127.0.0.1:32400', local: true, relay: false },
          { uri: 'https://user:pass@x.plex.direct:32400', local: true, relay: false },
          { uri: 'https://x.plex.direct:32400/?X-Plex-Token=1', local: true, relay: false },
          { uri: 'ftp://x', local: true, relay: false },
          { uri: 'not a url', local: true, relay: false },
        ],
      }),
    ]);
    assert.deepEqual(
      usableConnections(server).map((c) => c.uri),
      [
        'https://local.plex.direct:32400',
        'http://127.0.0.1:32400',
        'https://remote.plex.direct:32400',
        'https://relay.plex.direct:8443',
      ],
    );
  });

  it('a server with only plain http to other machines is NOT_CONFIGURED, saying how to fix it', async () => {
    const [server] = await servers([
      resource({ connections: [{ uri: 'http://10.0.0.5:32400', local: true, relay: false }] }),
    ]);
    const error = await rejection(Promise.resolve().then(() => usableConnections(server)));
    assert.equal(error.code, 'NOT_CONFIGURED');
    assert.match(error.message, /Secure connections/);
  });
});

describe('media servers: discovery through the account', () => {
  const env = useClientWithDouble();
  let server: PlexServerDouble;
  beforeEach(async () => {
    server = new PlexServerDouble();
    await server.start();
    env.double.resources = [await server.resource()];
  });
  afterEach(() => server.stop());

  const resources = () => env.double.requests.filter((r) => r.path === '/api/v2/resources');

  it('asks plex.tv with the account token for JSON, probes /identity without a token, then uses the server token', async () => {
    const client = env.make();
    const chosen = await client.servers.connect('');
    await chosen.sessions();
    const [asked] = resources();
    assert.equal(asked.headers.accept, 'application/json');
    assert.deepEqual(asked.query, { includeHttps: '1', includeRelay: '1' });
    const identity = server.requests.filter((r) => r.path === '/identity');
    assert.ok(identity.length >= 1);
    for (const r of identity) assert.equal(r.headers['x-plex-token'], undefined);
    const sessions = server.requests.find((r) => r.path === '/status/sessions');
    assert.equal(sessions?.headers['x-plex-token'], SERVER_TOKEN);
    assert.ok(!sessions?.url.includes(SERVER_TOKEN));
    assert.equal(
      sessions?.headers['x-plex-client-identifier'],
      env.double.requests[0].headers['x-plex-client-identifier'],
    );
  });

  it('keeps the choice ten minutes, shares one discovery, and looks again after a connection failure', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const client = env.make();
    await Promise.all(Array.from({ length: 20 }, () => client.servers.connect('')));
    assert.equal(resources().length, 1);
    clock.tick(SERVER_TTL_MS - 1);
    await client.servers.connect('');
    assert.equal(resources().length, 1);
    clock.tick(1);
    const fresh = await client.servers.connect('');
    assert.equal(resources().length, 2);
    clock.tick(SERVERS_REFRESH_MS);
    server.inject({ kind: 'reset', only: /^\/status\/sessions$/ });
    assert.equal((await rejection(fresh.sessions())).code, 'NETWORK');
    await client.servers.connect('');
    assert.equal(resources().length, 3, 'found again after the failure');
  });

  it('a server that refuses every message costs plex.tv one resources request per 10 s', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const client = env.make();
    server.inject(
      { kind: 'status', status: 401, body: '', only: /^\/status\/sessions$/ },
      Infinity,
    );
    for (let i = 0; i < 20; i++) {
      const chosen = await client.servers.connect('');
      assert.equal((await rejection(chosen.sessions())).code, 'UNAUTHORIZED');
    }
    assert.equal(resources().length, 1);
    clock.tick(SERVERS_REFRESH_MS);
    await rejection((await client.servers.connect('')).sessions());
    assert.equal(resources().length, 2, 'and again once 10 s have passed');
  });

  it('skips a connection that answers /identity as another server: no token goes there', async () => {
    const impostor = new PlexServerDouble({ machineIdentifier: 'someone-else', token: 'x' });
    await impostor.start();
    try {
      const listed = await server.resource();
      listed.connections.unshift({ uri: impostor.url, local: true, relay: false });
      env.double.resources = [listed];
      const chosen = await env.make().servers.connect('');
      await chosen.sessions();
      assert.deepEqual(
        impostor.requests.map((r) => [r.path, r.headers['x-plex-token']]),
        [['/identity', undefined]],
      );
    } finally {
      await impostor.stop();
    }
  });

  it('a connection that redirects is not followed, and the next one is used', async () => {
    server.inject(
      {
        kind: 'status',
        status: 302,
        headers: { Location: 'http://127.0.0.1:9/' },
        only: /^\/identity$/,
      },
      1,
    );
    const chosen = await env.make().servers.connect('');
    assert.equal((await chosen.sessions()).length, 2);
  });

  // The plain-http host is one that never resolves (RFC 2606): were it tried, no traffic would leave.
  it('no connection answering is NETWORK, listing each connection tried; plain http elsewhere is never tried', async () => {
    const dead = await closedPort();
    const listed = await server.resource();
    listed.connections = [
      { uri: `http://127.0.0.1:${dead}`, local: true, relay: false },
      { uri: 'http://plex-server.invalid:32400', local: true, relay: false },
    ];
    env.double.resources = [listed];
    const run = sinon.spy(ConnectionPool.prototype, 'run');
    const error = await rejection(env.make().servers.connect(''));
    assert.equal(error.code, 'NETWORK');
    assert.match(error.message, new RegExp(`local 127\\.0\\.0\\.1:${dead}.*ECONNREFUSED`));
    assert.doesNotMatch(error.message, /invalid/);
    // One request to plex.tv, one probe: the plain-http address was never tried.
    assert.equal(run.callCount, 2);
  });

  it('a server that answers /identity, then hangs: TIMEOUT, and the next message finds it again', async () => {
    const client = env.make({ timeout: 300 });
    const chosen = await client.servers.connect('');
    const probes = () => server.requests.filter((r) => r.path === '/identity').length;
    const probedFirst = probes();
    server.inject({ kind: 'hang', only: /^\/status\/sessions$/ });
    assert.equal((await rejection(chosen.sessions())).code, 'TIMEOUT');
    await (await client.servers.connect('')).sessions();
    assert.ok(probes() > probedFirst, 'its connections probed again');
    assert.equal(resources().length, 1, 'from a list under 10 s old');
  });

  it('a server that hangs holds up no request to plex.tv: the servers have places of their own', async () => {
    const client = env.make({ timeout: 60_000, maxConcurrent: 2 });
    const chosen = await client.servers.connect('');
    server.inject({ kind: 'hang', only: /^\/status\/sessions$/ }, Infinity);
    const controller = new AbortController();
    const hung = Array.from({ length: 4 }, () =>
      rejection(chosen.sessions({ signal: controller.signal })),
    );
    const asked = () => server.requests.filter((r) => r.path === '/status/sessions').length;
    await waitFor(() => asked() === 2, 'both of the servers places taken');
    assert.equal(client.inFlight, 2);
    // Shared places would keep this waiting behind the hung requests for their whole minute.
    const { users } = await client.listHomeUsers();
    assert.ok(users.length > 0);
    assert.equal(client.inFlight, 2, 'the server requests hang on');
    assert.equal(asked(), 2, 'the other two wait for a place at the server');
    controller.abort();
    for (const error of await Promise.all(hung)) assert.equal(error.code, 'ABORTED');
  });

  it('the server token never shows: inspecting the client, its servers, the chosen server', async () => {
    const client = env.make();
    const chosen = await client.servers.connect('');
    const seen = [client, client.servers, chosen].map((o) =>
      util.inspect(o, { depth: Infinity, showHidden: true }),
    );
    for (const text of [...seen, JSON.stringify(chosen)])
      assert.ok(!text.includes(SERVER_TOKEN), text);
  });
});

describe('media servers: sessions', () => {
  it('reads JSON and XML alike, titles as a person says them', async () => {
    const server = new PlexServerDouble();
    await server.start();
    try {
      const bodies: string[] = [];
      for (const accept of ['application/json', 'application/xml']) {
        const res = await fetch(`${server.url}/status/sessions`, {
          headers: { 'X-Plex-Token': SERVER_TOKEN, Accept: accept },
        });
        bodies.push(await res.text());
      }
      const [json, xml] = await Promise.all(bodies.map((b) => readSessions(answer(b))));
      assert.deepEqual(json, xml);
      assert.deepEqual(
        json.map((s) => [s.sessionId, s.user.id, s.title, s.player.title]),
        [
          ['kids-living-room-1', 12345678, 'Bluey · S2E3 · Sleepytime', 'Living Room TV'],
          ['teen-phone-1', 23456789, 'Spirited Away (2001)', "Teen's Phone"],
        ],
      );
      assert.ok(!JSON.stringify(json).includes('192.168'), 'no player address');
    } finally {
      await server.stop();
    }
  });

  it('an empty container is nobody watching; anything else is BAD_RESPONSE', async () => {
    assert.deepEqual(await readSessions(answer('{"MediaContainer":{"size":0}}')), []);
    assert.deepEqual(await readSessions(answer('<MediaContainer size="0"/>')), []);
    for (const body of ['{}', '[]', '{"MediaContainer":{"Metadata":{}}}', '<html/>']) {
      assert.equal((await rejection(readSessions(answer(body)))).code, 'BAD_RESPONSE', body);
    }
  });

  it('titles: episodes, tracks, movies, others', () => {
    assert.equal(
      spokenTitle({
        type: 'episode',
        grandparentTitle: 'Bluey',
        parentIndex: '2',
        index: 3,
        title: 'Sleepytime',
      }),
      'Bluey · S2E3 · Sleepytime',
    );
    assert.equal(
      spokenTitle({ type: 'episode', grandparentTitle: 'Bluey', title: 'Sleepytime' }),
      'Bluey · Sleepytime',
    );
    assert.equal(
      spokenTitle({ type: 'track', grandparentTitle: 'Artist', title: 'Song' }),
      'Artist · Song',
    );
    assert.equal(spokenTitle({ type: 'movie', title: 'Frozen', year: '2013' }), 'Frozen (2013)');
    assert.equal(spokenTitle({ type: 'clip', title: 'Trailer' }), 'Trailer');
  });

  it('reasons: control characters out, bounded, text only, else the default', () => {
    assert.equal(stopReason('  Bed\u0000time\r\n now\u2028 ', 'd'), 'Bed time now');
    const long = stopReason('x'.repeat(1024 * 1024), 'd');
    assert.equal([...long].length, 200);
    assert.ok(long.endsWith('…'));
    assert.equal(stopReason(42, 'd'), '42');
    for (const value of [undefined, null, '', ' \t', {}, ['a'], () => 'a'])
      assert.equal(stopReason(value, 'd'), 'd');
  });
});
