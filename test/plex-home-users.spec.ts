import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { NodeMessage } from 'node-red';
import { loadFlow, send as sendMsg, type LoadedFlow, useNodeRedWithDouble } from './support/flow';
import { clockAt } from './support/nodes';
import { BODIES, DOUBLE_HOME, DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';
import type { PlexErrorObject } from '../src/lib/errors';

type Out = NodeMessage & { error?: PlexErrorObject; plex?: unknown; home?: unknown };

describe('plex-home-users node', () => {
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  beforeEach(() => (double = currentDouble()));
  afterEach(() => sinon.restore());

  const send = (flow: LoadedFlow, msg: Record<string, unknown> = {}) => sendMsg(flow, msg);
  const listUsers = (
    filter = '',
    filterType = 'str',
    options: Parameters<typeof loadFlow>[0] = {},
  ) =>
    loadFlow({
      double,
      type: 'plex-home-users',
      ...options,
      node: { filter, filterType, ...options.node },
    });

  it('lists every user, typed, with the Home on msg.home', async () => {
    clockAt(20, 0);
    const flow = await listUsers('', 'str', { translated: true });
    await send(flow, { topic: 'who' });
    assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
    const msg = flow.user[0] as Out;
    assert.equal(msg.topic, 'who');
    assert.deepEqual(msg.plex, { statusCode: 200 });
    assert.deepEqual(msg.home, DOUBLE_HOME);
    const users = msg.payload as Array<Record<string, unknown>>;
    assert.deepEqual(
      users.map((u) => [u.id, u.title, u.admin, u.restricted, u.protected]),
      [
        [1, 'Parent', true, false, true],
        [12345678, 'Kids', false, true, true],
        [23456789, 'Teen', false, true, false],
      ],
    );
    assert.equal(typeof users[1].updatedAt, 'number');
    assert.equal(double.requests[0].method, 'GET');
    assert.equal(double.requests[0].url, '/api/v2/home/users');
    assert.equal(double.requests[0].headers['x-plex-token'], DOUBLE_TOKEN);
    assert.deepEqual(flow.statuses, [
      { fill: 'blue', shape: 'dot', text: 'listing users…' },
      { fill: 'green', shape: 'dot', text: '3 users · 20:00' },
    ]);
    assert.ok(!JSON.stringify(msg).includes('"pin"'), 'no PIN of the double in the list');
  });

  it('asks plex.tv every time (no cache for an explicit list)', async () => {
    const flow = await listUsers();
    flow.node.receive({} as NodeMessage);
    flow.node.receive({} as NodeMessage);
    await flow.completed(2);
    assert.equal(double.requests.length, 2);
  });

  const found: Array<[string, string, string, Record<string, unknown>, number]> = [
    ['a title', 'Kids', 'str', {}, 12345678],
    ['a title in another case', 'tEEN', 'str', {}, 23456789],
    ['a username', 'parent', 'str', {}, 1],
    ['an id', '23456789', 'num', {}, 23456789],
    ['a msg property', 'who', 'msg', { who: 'kids' }, 12345678],
    ['a user object in a msg property', 'payload', 'msg', { payload: { title: 'Teen' } }, 23456789],
  ];
  for (const [what, filter, filterType, msg, id] of found) {
    it(`sends the one user matching ${what}`, async () => {
      const flow = await listUsers(filter, filterType);
      await send(flow, msg);
      assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
      const out = flow.user[0] as Out;
      assert.equal((out.payload as { id: number }).id, id);
      assert.equal((out.home as { name: string }).name, 'My Home');
    });
  }

  it('shows the matching user and the time in its status', async () => {
    clockAt(20, 0);
    const flow = await listUsers('kids', 'str', { translated: true });
    await send(flow);
    assert.deepEqual(flow.statuses.at(-1), { fill: 'green', shape: 'dot', text: 'Kids · 20:00' });
  });

  it('lists everybody when a msg filter is missing or empty', async () => {
    const flow = await listUsers('who', 'msg');
    await send(flow, { who: '' });
    assert.equal((flow.user[0] as Out & { payload: unknown[] }).payload.length, 3);
  });

  const errors: Array<[string, string, string, Record<string, unknown>, string, number]> = [
    ['no user has the name', 'Grandma', 'str', {}, 'NOT_FOUND', 1],
    ['no user has the id', '999', 'num', {}, 'NOT_FOUND', 1],
    ['the filter is a negative number', 'who', 'msg', { who: -5 }, 'INVALID_USER_ID', 0],
    ['the filter is an array', 'who', 'msg', { who: ['Kids'] }, 'INVALID_USER_ID', 0],
    ['the filter cannot be evaluated', '$error("x")', 'jsonata', {}, 'INVALID_USER_ID', 0],
  ];
  for (const [what, filter, filterType, msg, code, requests] of errors) {
    it(`answers ${code} on output 2 when ${what}`, async () => {
      const flow = await listUsers(filter, filterType);
      await send(flow, { ...msg, payload: 'kept' });
      assert.equal(flow.user.length, 0);
      const out = flow.error[0] as Out;
      assert.equal(out.error?.code, code);
      assert.equal(out.payload, 'kept');
      assert.equal(double.requests.length, requests);
    });
  }

  it('answers AMBIGUOUS_USER when two users share the title', async () => {
    const kids = double.users.get(12345678);
    assert.ok(kids);
    double.users.set(34567890, { ...kids, id: 34567890 });
    const flow = await listUsers('kids');
    await send(flow);
    assert.equal((flow.error[0] as Out).error?.code, 'AMBIGUOUS_USER');
  });

  it('passes plex.tv errors on with their code', async () => {
    double.inject({ kind: 'status', status: 401, body: BODIES.unauthorized });
    const flow = await listUsers();
    await send(flow);
    assert.deepEqual(
      [(flow.error[0] as Out).error?.code, (flow.error[0] as Out).error?.plexCode],
      ['UNAUTHORIZED', 1001],
    );
  });

  it('answers BAD_RESPONSE for a 200 without a users list', async () => {
    double.inject({ kind: 'status', status: 200, body: '<user id="1"/>' });
    const flow = await listUsers();
    await send(flow);
    assert.equal((flow.error[0] as Out).error?.code, 'BAD_RESPONSE');
  });
});
