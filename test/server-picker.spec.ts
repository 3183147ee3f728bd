import assert from 'node:assert/strict';
import sinon from 'sinon';
import { helper, loadFlow, useNodeRedWithDouble } from './support/flow';
import { useServerDouble } from './support/server';
import { SERVER_TOKEN } from './double/plex-server-double';
import { DOUBLE_TOKEN, PlexTvDouble } from './double/plex-tv-double';
import { SERVER_PICKER_PATH } from '../src/nodes/server-picker';
import { READ, WRITE, modelPermissions } from './support/permissions';

describe('server picker admin endpoint', () => {
  const currentDouble = useNodeRedWithDouble();
  const currentServer = useServerDouble(currentDouble);
  afterEach(() => sinon.restore());

  const post = (body: object, permissions = READ) =>
    helper.request().post(SERVER_PICKER_PATH).set('x-test-permissions', permissions).send(body);

  it("lists the deployed account's own servers to a reader: names and machine ids, no token, no server contacted", async () => {
    modelPermissions();
    const [home] = currentDouble().resources;
    currentDouble().resources.push({
      ...home,
      name: "Grandma's",
      owned: false,
      clientIdentifier: 'g',
    });
    await loadFlow({ double: currentDouble() });
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.deepEqual(response.body, {
      servers: [{ name: 'Home Server', clientIdentifier: currentServer().machineIdentifier }],
    });
    assert.ok(!response.text.includes(SERVER_TOKEN) && !response.text.includes(DOUBLE_TOKEN));
    assert.equal(currentServer().requests.length, 0, 'only plex.tv is asked');
  });

  it('answers from the ten-minute cache; a refresh asks plex.tv at most once per 10 s', async () => {
    sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    modelPermissions();
    await loadFlow({ double: currentDouble() });
    for (const body of [{ id: 'acc' }, { id: 'acc' }, { id: 'acc', refresh: true }]) {
      assert.equal((await post(body)).status, 200);
    }
    const asked = currentDouble().requests.filter((r) => r.path === '/api/v2/resources');
    assert.equal(asked.length, 1);
  });

  it('refuses pending settings from a reader with 403; no host hears of it', async () => {
    modelPermissions();
    const elsewhere = new PlexTvDouble();
    await elsewhere.start();
    try {
      await loadFlow({ double: currentDouble() });
      const body = { id: 'acc', token: 'mine', baseUrl: elsewhere.url, clientIdentifier: 'c' };
      const refused = await post(body);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.message, 'plex-account.errors.servers-need-write');
      assert.equal(elsewhere.connections, 0);
      elsewhere.token = 'mine';
      const allowed = await post(body, WRITE);
      assert.equal(allowed.status, 200, allowed.text);
      assert.deepEqual(allowed.body, { servers: [] });
      assert.equal(elsewhere.requests[0].path, '/api/v2/resources');
    } finally {
      await elsewhere.stop();
    }
  });

  it('a plex.tv refusal comes back as 502 with its code', async () => {
    modelPermissions();
    currentDouble().inject({ kind: 'status', status: 401, body: '' });
    await loadFlow({ double: currentDouble() });
    const response = await post({ id: 'acc' });
    assert.equal(response.status, 502);
    assert.equal(response.body.error.code, 'UNAUTHORIZED');
  });
});
