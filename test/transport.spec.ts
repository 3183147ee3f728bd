import assert from 'node:assert/strict';
import { isLoopbackHost, isPlexTvHost, tokenHost } from '../src/lib/base-url';
import { ConnectionPool } from '../src/lib/pool';
import { Transport, type TransportOptions } from '../src/lib/transport';
import { DOUBLE_TOKEN, PlexTvDouble } from './double/plex-tv-double';
import { CLIENT_ID, rejection } from './support/client';

describe('Transport: what the next endpoints need', () => {
  let double: PlexTvDouble;
  let server: PlexTvDouble;
  let pool: ConnectionPool;
  const SERVER_TOKEN = 'server-access-token-5e1f';

  const plexTv = (options: Partial<TransportOptions> = {}) =>
    new Transport({
      baseUrl: double.url,
      name: 'plex.tv',
      token: DOUBLE_TOKEN,
      identity: { clientIdentifier: CLIENT_ID, product: 'Node-RED', deviceName: 'Attic Pi' },
      timeout: 1000,
      retries: 0,
      maxResponseBytes: 1024 * 1024,
      pool,
      ...options,
    });

  beforeEach(async () => {
    double = new PlexTvDouble();
    server = new PlexTvDouble({ token: SERVER_TOKEN });
    await Promise.all([double.start(), server.start()]);
    pool = new ConnectionPool(4);
  });
  afterEach(async () => {
    pool.close();
    await Promise.all([double.stop(), server.stop()]);
  });

  it('a sign-in call sends no token and asks for JSON', async () => {
    double.inject({
      kind: 'status',
      status: 201,
      contentType: 'application/json',
      body: '{"id":7}',
      only: /^\/api\/v2\/pins$/,
    });
    const answer = await plexTv().request({
      method: 'POST',
      path: '/api/v2/pins',
      params: { strong: 'true' },
      token: null,
      accept: 'json',
    });
    assert.deepEqual(answer, { status: 201, body: '{"id":7}', from: 'plex.tv' });
    const [request] = double.requests;
    assert.equal(request.url, '/api/v2/pins?strong=true');
    assert.equal(request.headers['x-plex-token'], undefined);
    assert.equal(request.headers.accept, 'application/json');
    assert.equal(request.headers['x-plex-client-identifier'], CLIENT_ID);
  });

  it("a call with another token sends that one, and takes it out of the server's message", async () => {
    const typed = 'typed-token-0a1b2c';
    double.inject({
      kind: 'status',
      status: 401,
      body: `{"errors":[{"code":1001,"message":"Token ${typed} is not valid"}]}`,
      only: /^\/api\/v2\/user$/,
    });
    const error = await rejection(
      plexTv().request({ method: 'GET', path: '/api/v2/user', token: typed, accept: 'json' }),
    );
    assert.equal(double.requests[0].headers['x-plex-token'], typed);
    assert.equal(error.message, 'plex.tv answered 401: Token [redacted] is not valid');
  });

  it('each request sends its own token and Accept, whichever request came before', async () => {
    const transport = plexTv();
    const calls: Array<[token: string | null | undefined, accept: 'xml' | 'json' | undefined]> = [
      [undefined, undefined],
      ['typed-token-0a1b2c', 'json'],
      [undefined, 'json'],
      [null, undefined],
      [undefined, 'xml'],
    ];
    for (const [token, accept] of calls) {
      double.inject({ kind: 'status', status: 200, body: '<ok/>', only: /^\/api\/v2\/user$/ });
      await transport.request({ method: 'GET', path: '/api/v2/user', token, accept });
    }
    assert.deepEqual(
      double.requests.map((r) => [r.headers['x-plex-token'], r.headers.accept]),
      [
        [DOUBLE_TOKEN, 'application/xml'],
        ['typed-token-0a1b2c', 'application/json'],
        [DOUBLE_TOKEN, 'application/json'],
        [undefined, 'application/xml'],
        [DOUBLE_TOKEN, 'application/xml'],
      ],
    );
    assert.ok(double.requests.every((r) => r.headers['x-plex-device-name'] === 'Attic Pi'));
  });

  it("a media server: its own URL and token, the account's pool, errors in its name", async () => {
    const account = plexTv({ timeout: 150 });
    const media = account.to({
      baseUrl: server.url,
      name: 'Living Room server',
      token: SERVER_TOKEN,
    });
    assert.equal((await media.request({ method: 'GET', path: '/api/v2/home/users' })).status, 200);
    assert.equal(server.requests[0].headers['x-plex-token'], SERVER_TOKEN);
    assert.equal(server.requests[0].headers['x-plex-device-name'], 'Attic Pi');
    server.inject({ kind: 'status', status: 500 });
    const failed = await rejection(media.request({ method: 'GET', path: '/status/sessions' }));
    assert.equal(failed.message, 'Living Room server answered 500 (SERVER_ERROR)');
    server.inject({ kind: 'hang' });
    const slow = media.request({ method: 'GET', path: '/status/sessions' });
    assert.equal(pool.running, 1, 'the account pool carries it');
    assert.equal(
      (await rejection(slow)).message,
      'Living Room server did not answer within 150 ms',
    );
    const tokenless = account.to({ baseUrl: server.url, name: 'Attic server' });
    await rejection(tokenless.request({ method: 'GET', path: '/identity' }));
    assert.equal(server.requests.at(-1)?.headers['x-plex-token'], undefined);
    assert.ok(server.requests.every((r) => r.headers['x-plex-token'] !== DOUBLE_TOKEN));
    assert.throws(() => account.to({ baseUrl: 'http://192.168.1.20:32400', name: 'NAS' }), {
      code: 'NOT_CONFIGURED',
      message:
        'The NAS base URL must start with https:// (http:// only for this machine: 127.0.0.1, ::1, localhost)',
    });
  });

  it('names where the token goes, for a warning about hosts that are not plex.tv', () => {
    assert.equal(tokenHost('https://plex.example.com:8443/x'), 'plex.example.com:8443');
    assert.equal(isPlexTvHost('https://plex.tv'), true);
    assert.equal(isPlexTvHost('https://clients.plex.tv/'), true);
    assert.equal(isPlexTvHost('https://plex.tv.example.com'), false);
    assert.equal(isPlexTvHost('http://127.0.0.1:9'), false);
    for (const host of ['localhost', '127.0.0.1', '127.255.0.9', '[::1]', 'LOCALHOST'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['128.0.0.1', '[::2]', 'localhost.example', '1.127.0.0.1', '127.0.0'])
      assert.equal(isLoopbackHost(host), false, host);
  });
});
