import assert from 'node:assert/strict';
import { PlexTvDouble } from '../double/plex-tv-double';
import { CLIENT_ID, adminAuth, deployAccount, postAdmin, signIn } from './admin-auth';
import { newToken, startRuntime, type Runtime } from './support';

/**
 * The sign-in and check endpoints in a real Node-RED with `adminAuth` on, anonymous users given
 * `read`: a viewer and an anonymous user may read, and neither may start or poll a sign-in,
 * nor check a token of their choosing. Nothing they send reaches any host.
 */

describe('end to end: sign in with Plex under adminAuth (anonymous: read)', function () {
  this.timeout(120_000);
  const token = newToken();
  /** The deployed account's plex.tv. */
  let double: PlexTvDouble;
  /** Where a reader would like the server to send requests. */
  let elsewhere: PlexTvDouble;
  let runtime: Runtime;
  const as: Record<'admin' | 'other' | 'viewer' | 'anonymous', Record<string, string>> = {
    admin: {},
    other: {},
    viewer: {},
    anonymous: {},
  };
  const said: string[] = [];
  const call = async (caller: keyof typeof as, route: string, body: Record<string, unknown>) => {
    const answer = await postAdmin(runtime.url, route, body, as[caller]);
    said.push(answer.text);
    return answer;
  };

  before(async () => {
    double = new PlexTvDouble({ token });
    elsewhere = new PlexTvDouble({ token: newToken() });
    await Promise.all([double.start(), elsewhere.start()]);
    runtime = await startRuntime('sign-in-permissions', { adminAuth: adminAuth('read') });
    as.admin = await signIn(runtime.url, 'admin');
    as.other = await signIn(runtime.url, 'other');
    as.viewer = await signIn(runtime.url, 'viewer');
    await deployAccount(runtime, as.admin, double, token, { authUrl: `${double.url}/auth` });
  });

  after(async () => {
    await runtime?.stop();
    await Promise.all([double?.stop(), elsewhere?.stop()]);
  });

  const signInBody = () => ({
    clientIdentifier: CLIENT_ID,
    baseUrl: elsewhere.url,
    authUrl: `${elsewhere.url}/auth`,
  });

  for (const reader of ['viewer', 'anonymous'] as const) {
    it(`${reader}: starting or polling a sign-in is 403, and no host hears of it`, async () => {
      const started = await call(reader, '/plex-account/sign-in', signInBody());
      assert.equal(started.status, 403, started.text);
      assert.equal((started.body.error as { code?: string }).code, 'FORBIDDEN');
      assert.equal(started.cacheControl, 'no-store');
      const polled = await call(reader, '/plex-account/sign-in/poll', {
        pinId: 7000001,
        clientIdentifier: CLIENT_ID,
        baseUrl: elsewhere.url,
      });
      assert.equal(polled.status, 403, polled.text);
      assert.equal(polled.cacheControl, 'no-store');
      assert.equal(elsewhere.connections, 0);
      assert.equal(double.requests.length, 0);
    });

    it(`${reader}: checking a token of their choosing is 403; the deployed account's is theirs`, async () => {
      const pending = await call(reader, '/plex-account/check', {
        id: 'acc',
        token: newToken(),
        baseUrl: elsewhere.url,
        clientIdentifier: CLIENT_ID,
      });
      assert.equal(pending.status, 403, pending.text);
      assert.equal(elsewhere.connections, 0);
      const deployed = await call(reader, '/plex-account/check', { id: 'acc' });
      assert.equal(deployed.status, 200, deployed.text);
      assert.equal(deployed.cacheControl, 'no-store');
      assert.deepEqual(deployed.body.user, {
        id: 1,
        uuid: '0000000000000001',
        username: 'parent',
        title: 'Parent',
        homeAdmin: true,
      });
    });
  }

  it('admin: signs in through the same routes; another admin cannot poll that PIN', async () => {
    const started = await call('admin', '/plex-account/sign-in', {
      clientIdentifier: CLIENT_ID,
      baseUrl: double.url,
      authUrl: `${double.url}/auth`,
    });
    assert.equal(started.status, 200, started.text);
    const { pinId, code } = started.body as { pinId: number; code: string };
    double.signIn(code, CLIENT_ID, 1);
    const poll = { pinId, clientIdentifier: CLIENT_ID, baseUrl: double.url };
    const before = double.requests.length;
    const stranger = await call('other', '/plex-account/sign-in/poll', poll);
    assert.equal(stranger.status, 404, stranger.text);
    assert.equal(double.requests.length, before, 'plex.tv heard nothing of it');
    const answer = await call('admin', '/plex-account/sign-in/poll', poll);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.state, 'signed-in');
    assert.equal(answer.body.token, token);
    assert.equal(elsewhere.connections, 0);
  });

  it("a form posted to any route, even with the admin's credentials, is 415; no host hears of it", async () => {
    const before = double.requests.length;
    const routes = [
      '/plex-account/sign-in',
      '/plex-account/sign-in/poll',
      '/plex-account/check',
      '/plex-account/users',
      '/plex-account/servers',
    ];
    const form = new URLSearchParams({
      id: 'acc',
      clientIdentifier: CLIENT_ID,
      token: newToken(),
      baseUrl: elsewhere.url,
      authUrl: `${elsewhere.url}/auth`,
    });
    for (const route of routes) {
      const response = await fetch(`${runtime.url}${route}`, {
        method: 'POST',
        headers: { ...as.admin, Origin: 'https://evil.example' },
        body: form,
      });
      const text = await response.text();
      said.push(text);
      assert.equal(response.status, 415, `${route}: ${text}`);
    }
    // JSON is another matter: Node-RED's admin app lets any origin send it (the README says so),
    // which is why adminAuth, whose token no other site can send, is the guard.
    const preflight = await fetch(`${runtime.url}/plex-account/sign-in`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.equal(elsewhere.connections, 0);
    assert.equal(double.requests.length, before);
  });

  it('no answer to a reader and no log line holds the token', () => {
    const readers = said.filter((text) => !text.includes('"signed-in"'));
    assert.ok(readers.length >= 6);
    for (const text of [...readers, runtime.nodeRed.log()]) assert.ok(!text.includes(token));
  });
});
