import assert from 'node:assert/strict';
import sinon from 'sinon';
import { helper, loadFlow, useNodeRedWithDouble } from './support/flow';
import { DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';
import { PlexTvClient } from '../src/lib/plex-tv-client';
import { USER_PICKER_PATH } from '../src/nodes/user-picker';

type Middleware = (
  req: { headers: Record<string, string> },
  res: unknown,
  next: () => void,
) => void;
interface NodeApi {
  auth: { needsPermission(permission: string): Middleware };
}
const registry = (helper as unknown as { _registryUtil: { createNodeApi(node: unknown): NodeApi } })
  ._registryUtil;

const CLIENT_ID = '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11';

describe('user picker admin endpoint', () => {
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
    // Node-RED's own check, modelled: it lets a request through only with the permission.
    const needsPermission = sinon.spy((permission: string): Middleware => (req, res, next) => {
      if (req.headers['x-test-permissions'] === permission) return next();
      (res as { status(code: number): { json(b: unknown): void } })
        .status(401)
        .json({ error: 'unauthorized' });
    });
    const original = registry.createNodeApi.bind(registry);
    sinon.stub(registry, 'createNodeApi').callsFake((node: unknown) => {
      const red = original(node);
      red.auth = { needsPermission };
      return red;
    });
    await loadFlow({ double });
    assert.ok(needsPermission.calledWith('plex-account.read'));
    const refused = await post({ id: 'acc' });
    assert.equal(refused.status, 401);
    assert.equal(double.requests.length, 0, 'the handler never ran');
    const allowed = await post({ id: 'acc' }).set('x-test-permissions', 'plex-account.read');
    assert.equal(allowed.status, 200);
  });

  it("answers a deployed account's managed users: ids, titles and PIN state only", async () => {
    await loadFlow({ double });
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 200);
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
    sinon.stub(PlexTvClient.prototype, 'listHomeUsers').rejects(new Error(`boom ${DOUBLE_TOKEN}`));
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 500);
    assert.equal(response.body.error.code, 'INTERNAL');
    assert.ok(!response.text.includes(DOUBLE_TOKEN));
  });
});
