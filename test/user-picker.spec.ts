import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sinon from 'sinon';
import { helper, loadFlow, send, useNodeRedWithDouble, waitFor } from './support/flow';
import { DOUBLE_TOKEN, PlexTvDouble } from './double/plex-tv-double';
import { PlexTvClient } from '../src/lib/plex-tv-client';
import { USER_PICKER_PATH } from '../src/nodes/user-picker';
import { READ, WRITE, modelPermissions } from './support/permissions';

const CLIENT_ID = '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11';
describe('user picker admin endpoint', () => {
  /** Upstream request counts, printed after the suite. */
  const pickerFigures: string[] = [];
  after(() => {
    for (const figure of pickerFigures) console.log(`      user picker: ${figure}`);
  });
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  beforeEach(() => (double = currentDouble()));
  afterEach(() => sinon.restore());

  const post = (body: unknown) =>
    helper
      .request()
      .post(USER_PICKER_PATH)
      .send(body as object);

  it('is guarded by the plex-account.read permission', async () => {
    const needsPermission = modelPermissions();
    await loadFlow({ double });
    assert.ok(needsPermission.calledWith('plex-account.read'));
    const refused = await post({ id: 'acc' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.equal(double.requests.length, 0, 'the handler never ran');
    const allowed = await post({ id: 'acc' }).set('x-test-permissions', READ);
    assert.equal(allowed.status, 200);
  });

  describe('pending settings need plex-account.write', () => {
    /** Another local server: where a reader would like the server to send a request. */
    let elsewhere: PlexTvDouble;
    beforeEach(async () => {
      elsewhere = new PlexTvDouble();
      await elsewhere.start();
    });
    afterEach(() => elsewhere.stop());

    const pending = () => ({
      id: 'acc',
      token: 'a-token-of-my-choosing',
      baseUrl: `${elsewhere.url}/internal/`,
      clientIdentifier: CLIENT_ID,
      product: 'Probe',
    });
    const readerBodies: Array<[string, () => Record<string, unknown>]> = [
      ['a pending token and URL', pending],
      ['a pending URL alone', () => ({ id: 'acc', baseUrl: elsewhere.url })],
      ['a pending client id alone', () => ({ id: 'acc', clientIdentifier: 'x' })],
      [
        'the stored-password stand-in with a URL',
        () => ({ id: 'acc', token: '__PWRD__', baseUrl: elsewhere.url }),
      ],
      ['any other field', () => ({ id: 'acc', proxy: elsewhere.url })],
      ['pending settings for an account that does not exist', () => ({ ...pending(), id: 'nope' })],
    ];
    for (const [what, body] of readerBodies) {
      it(`refuses a reader ${what} with 403, and no host hears of it`, async () => {
        modelPermissions();
        await loadFlow({ double });
        const response = await post(body()).set('x-test-permissions', READ);
        assert.equal(response.status, 403, response.text);
        assert.equal(response.body.error.code, 'FORBIDDEN');
        assert.equal(response.body.error.message, 'plex-account.errors.needs-write');
        assert.equal(response.headers['cache-control'], 'no-store');
        assert.equal(elsewhere.connections, 0, 'the other server saw no connection');
        assert.equal(double.connections, 0, "nor did the deployed account's server");
      });
    }

    it("gives a reader the deployed account's list, refreshed on request", async () => {
      modelPermissions();
      await loadFlow({ double });
      for (const body of [{ id: 'acc' }, { id: 'acc', refresh: true }]) {
        const response = await post(body).set('x-test-permissions', READ);
        assert.equal(response.status, 200, response.text);
        assert.equal(response.body.users.length, 2);
      }
      assert.equal(elsewhere.connections, 0);
    });

    it('lets a writer list with pending settings', async () => {
      modelPermissions();
      await loadFlow({ double, token: null });
      elsewhere.token = 'a-token-of-my-choosing';
      const response = await post({ ...pending(), baseUrl: elsewhere.url }).set(
        'x-test-permissions',
        WRITE,
      );
      assert.equal(response.status, 200, response.text);
      assert.equal(elsewhere.requests.length, 1);
      assert.equal(elsewhere.requests[0].headers['x-plex-product'], 'Probe');
      assert.ok(!response.text.includes('a-token-of-my-choosing'));
    });
  });

  it('does not hold a call the editor gave up on against the account', async () => {
    await loadFlow({ double, account: { timeout: 300 } });
    double.inject({ kind: 'hang' });
    // The admin app on a server of its own, so that this test can hang up mid-request.
    const server = http.createServer(
      (helper as unknown as { _httpAdmin: http.RequestListener })._httpAdmin,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const request = http.request(`http://127.0.0.1:${port}${USER_PICKER_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    const gaveUp = new Promise((resolve) => request.on('error', resolve));
    request.end(JSON.stringify({ id: 'acc' }));
    await waitFor(() => double.inFlight === 1, 'the list request at plex.tv');
    request.destroy();
    await gaveUp;
    // The list request itself runs on for the messages that may share it, until its timeout.
    await waitFor(() => double.inFlight === 0, 'the list request timed out');
    server.close();
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 200, response.text);
    assert.equal(double.requests.length, 2);
  });

  describe('upstream requests', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      // Only Date is faked: the HTTP traffic and Node-RED keep their real timers.
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    });

    const burst = async (count: number, body: Record<string, unknown>) => {
      const answers = await Promise.all(Array.from({ length: count }, () => post(body)));
      for (const answer of answers) assert.equal(answer.status, 200, answer.text);
      return double.requests.filter((r) => r.path === '/api/v2/home/users').length;
    };

    it("400 picker calls are answered from the account's cache: one request to plex.tv", async () => {
      await loadFlow({ double });
      const upstream = await burst(400, { id: 'acc' });
      pickerFigures.push(`400 picker calls: ${upstream} upstream request(s)`);
      assert.equal(upstream, 1);
    });

    it('400 calls asking to refresh cost one request per 10 s', async () => {
      await loadFlow({ double });
      assert.equal(await burst(400, { id: 'acc', refresh: true }), 1);
      clock.tick(9_999);
      assert.equal(await burst(10, { id: 'acc', refresh: true }), 1, 'within 10 s: the cache');
      clock.tick(1);
      assert.equal(await burst(400, { id: 'acc', refresh: true }), 2, '10 s later: one more');
      pickerFigures.push('2 × 400 refresh calls 10 s apart: 2 upstream requests');
    });

    it('a failing account costs plex.tv one request per 10 s, however often the picker asks', async () => {
      await loadFlow({ double, token: 'refused-token' });
      const answers = [];
      for (let i = 0; i < 50; i++) answers.push(await post({ id: 'acc' }));
      answers.push(...(await Promise.all(Array.from({ length: 350 }, () => post({ id: 'acc' })))));
      for (const answer of answers) {
        assert.equal(answer.status, 502);
        assert.equal(answer.body.error.code, 'UNAUTHORIZED');
      }
      assert.equal(double.requests.length, 1);
      clock.tick(10_000);
      await post({ id: 'acc', refresh: true });
      assert.equal(double.requests.length, 2, 'asked again 10 s later');
      pickerFigures.push('400 picker calls while plex.tv refuses the token: 1 upstream request');
    });

    it('shares the cache with the PIN nodes: a name look-up after a picker call asks nothing', async () => {
      const flow = await loadFlow({ double });
      await burst(5, { id: 'acc' });
      await send(flow, { payload: 'Kids' });
      assert.deepEqual(
        double.requests.map((r) => r.method),
        ['GET', 'POST'],
      );
    });
  });

  it("answers a deployed account's managed users: ids, titles and PIN state only", async () => {
    await loadFlow({ double });
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(String(response.headers['content-type']), /application\/json/);
    assert.deepEqual(response.body, {
      users: [
        { id: 12345678, title: 'Kids', protected: true },
        { id: 23456789, title: 'Teen', protected: false },
      ],
    });
    assert.ok(!response.text.includes(DOUBLE_TOKEN));
    assert.equal(double.requests[0].url, '/api/v2/home/users');
  });

  it("uses the editor's pending credentials for an account not deployed yet", async () => {
    await loadFlow({ double, token: null });
    const response = await post({
      id: 'not-deployed-yet',
      token: DOUBLE_TOKEN,
      baseUrl: double.url,
      clientIdentifier: CLIENT_ID,
      product: 'Editor',
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.users.length, 2);
    assert.equal(double.requests[0].headers['x-plex-product'], 'Editor');
    assert.ok(!response.text.includes(DOUBLE_TOKEN));
  });

  it("takes '__PWRD__' (a stored password) as no pending token", async () => {
    await loadFlow({ double });
    const response = await post({ id: 'acc', token: '__PWRD__', baseUrl: 'http://127.0.0.1:1' });
    assert.equal(response.status, 200);
  });

  it('never sends a stored token to a URL the request names: the deployed URL is used', async () => {
    await loadFlow({ double });
    const response = await post({ id: 'acc', baseUrl: 'http://127.0.0.1:1' });
    assert.equal(response.status, 200);
    assert.equal(double.requests.length, 1, 'the request went to the deployed URL');
  });

  const bad: Array<[string, unknown, number, string]> = [
    ['an unknown account id', { id: 'no-such-account' }, 404, 'NOT_CONFIGURED'],
    ['an id of another node type', { id: 'n1' }, 404, 'NOT_CONFIGURED'],
    ['a malformed account id', { id: '../flows' }, 400, 'NOT_CONFIGURED'],
    ['no id', {}, 400, 'NOT_CONFIGURED'],
    ['a non-string id', { id: 42 }, 400, 'NOT_CONFIGURED'],
    ['a body that is an array', [1], 400, 'NOT_CONFIGURED'],
    [
      'a pending token with a bad URL',
      { id: 'x', token: 't', baseUrl: 'ftp://h' },
      400,
      'NOT_CONFIGURED',
    ],
  ];
  for (const [what, body, status, code] of bad) {
    it(`answers ${what} with a clean ${status} JSON error and no request`, async () => {
      await loadFlow({ double });
      const response = await post(body);
      assert.equal(response.status, status);
      assert.equal(response.body.error.code, code);
      assert.equal(typeof response.body.error.message, 'string');
      assert.deepEqual(Object.keys(response.body), ['error']);
      assert.equal(double.requests.length, 0);
    });
  }

  it('answers a deployed account without a token with 400 NOT_CONFIGURED', async () => {
    await loadFlow({ double, token: null });
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'NOT_CONFIGURED');
  });

  it("answers plex.tv's refusal with 502 and its code, the pending token redacted", async () => {
    await loadFlow({ double });
    const token = 'pending-token-4d2c';
    double.inject({
      kind: 'status',
      status: 401,
      body: `<errors><error code="1001" message="token ${token} refused"/></errors>`,
    });
    const response = await post({
      id: 'acc',
      token,
      baseUrl: double.url,
      clientIdentifier: CLIENT_ID,
    });
    assert.equal(response.status, 502);
    assert.equal(response.body.error.code, 'UNAUTHORIZED');
    assert.match(response.body.error.message, /\[redacted\]/);
    assert.ok(!response.text.includes(token));
  });

  it('answers an unexpected failure with 500 INTERNAL and no detail', async () => {
    await loadFlow({ double });
    sinon
      .stub(PlexTvClient.prototype, 'cachedHomeUsers')
      .rejects(new Error(`boom ${DOUBLE_TOKEN}`));
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 500);
    assert.equal(response.body.error.code, 'INTERNAL');
    assert.ok(!response.text.includes(DOUBLE_TOKEN));
  });
});
