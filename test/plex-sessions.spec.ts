import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { NodeMessage } from 'node-red';
import { loadFlow, send, useNodeRedWithDouble } from './support/flow';
import { clockAt } from './support/nodes';
import { useServerDouble } from './support/server';
import { SERVER_TOKEN } from './double/plex-server-double';
import { DOUBLE_TOKEN } from './double/plex-tv-double';
import type { PlexErrorObject } from '../src/lib/errors';

type Out = NodeMessage & { error?: PlexErrorObject; plex?: Record<string, unknown> };

describe('plex-sessions node', () => {
  const currentDouble = useNodeRedWithDouble();
  const currentServer = useServerDouble(currentDouble);
  afterEach(() => sinon.restore());

  const sessions = (
    node: Record<string, unknown> = {},
    options: Parameters<typeof loadFlow>[0] = {},
  ) =>
    loadFlow({
      double: currentDouble(),
      type: 'plex-sessions',
      ...options,
      node: { server: '', ...node },
    });

  it("lists everybody's streams for a blank payload, with the server's name and the count", async () => {
    clockAt(20, 0);
    const flow = await sessions({}, { translated: true });
    await send(flow, { payload: '', topic: 'who' });
    assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
    const msg = flow.user[0] as Out;
    assert.equal(msg.topic, 'who');
    assert.deepEqual(msg.plex, { server: 'Home Server', count: 2 });
    assert.deepEqual(msg.payload, [
      {
        sessionId: 'kids-living-room-1',
        sessionKey: '11',
        user: { id: 12345678, title: 'Kids' },
        title: 'Bluey · S2E3 · Sleepytime',
        type: 'episode',
        player: { title: 'Living Room TV', platform: 'Roku', state: 'playing' },
        viewOffsetMs: 300000,
        durationMs: 420000,
      },
      {
        sessionId: 'teen-phone-1',
        sessionKey: '12',
        user: { id: 23456789, title: 'Teen' },
        title: 'Spirited Away (2001)',
        type: 'movie',
        player: { title: "Teen's Phone", platform: 'iOS', state: 'playing' },
        viewOffsetMs: 3600000,
        durationMs: 7500000,
      },
    ]);
    assert.deepEqual(flow.statuses, [
      { fill: 'blue', shape: 'dot', text: 'asking who is watching…' },
      { fill: 'green', shape: 'dot', text: '2 watching · 20:00' },
    ]);
    const said = flow.everythingSaid();
    assert.ok(!said.includes(SERVER_TOKEN) && !said.includes(DOUBLE_TOKEN));
  });

  for (const [what, payload] of [
    ['a name', 'teen'],
    ['an id', 23456789],
    ['a user object', { id: 23456789, title: 'whatever' }],
  ] as const) {
    it(`filters to one Home member given ${what}, matching by User.id`, async () => {
      clockAt(20, 0);
      const flow = await sessions({}, { translated: true });
      await send(flow, { payload });
      const msg = flow.user[0] as Out;
      assert.deepEqual(
        (msg.payload as Array<{ sessionId: string }>).map((s) => s.sessionId),
        ['teen-phone-1'],
      );
      assert.deepEqual(msg.plex, { server: 'Home Server', count: 1 });
      assert.equal((flow.statuses.at(-1) as { text: string }).text, '1 watching · Teen · 20:00');
    });
  }

  it('an administrator or member who is not watching: an empty list, not an error', async () => {
    const flow = await sessions();
    await send(flow, { payload: 'Parent' });
    assert.deepEqual((flow.user[0] as Out).payload, []);
  });

  it('an unknown name is NOT_FOUND before the server is asked', async () => {
    const flow = await sessions();
    await send(flow, { payload: 'Grandma' });
    assert.equal((flow.error[0] as Out).error?.code, 'NOT_FOUND');
    assert.equal(currentServer().requests.length, 0);
  });

  it('reads the XML form when the server answers it anyway', async () => {
    const server = currentServer();
    const flow = await sessions();
    await send(flow, { payload: '' });
    const xml = await fetch(`${server.url}/status/sessions`, {
      headers: { 'X-Plex-Token': SERVER_TOKEN },
    }).then((r) => r.text());
    server.inject({ kind: 'status', status: 200, body: xml, only: /^\/status\/sessions$/ });
    await send(flow, { payload: '' }, 2);
    assert.deepEqual(flow.user[1].payload, flow.user[0].payload);
  });

  it('names the server in its Server setting; one that no server has is NOT_FOUND', async () => {
    const flow = await sessions({ server: 'Cabin' });
    await send(flow, { payload: '' });
    const error = (flow.error[0] as Out).error;
    assert.equal(error?.code, 'NOT_FOUND');
    assert.match(error?.message ?? '', /"Home Server"/);
  });

  it('a server refusing its token is UNAUTHORIZED; plex.tv is asked again, at most every 10 s', async () => {
    const clock = clockAt(20, 0);
    const server = currentServer();
    server.inject(
      { kind: 'status', status: 401, body: 'Unauthorized', only: /^\/status\/sessions$/ },
      3,
    );
    const asked = () =>
      currentDouble().requests.filter((r) => r.path === '/api/v2/resources').length;
    const flow = await sessions();
    await send(flow, { payload: '' });
    assert.equal((flow.error[0] as Out).error?.code, 'UNAUTHORIZED');
    await send(flow, { payload: '' }, 2);
    assert.equal(asked(), 1, 'a list under 10 s old serves');
    clock.tick(10_000);
    await send(flow, { payload: '' }, 3);
    assert.equal(asked(), 2, 'the server token asked for afresh');
    await send(flow, { payload: '' }, 4);
    assert.equal(flow.error.length, 3);
    assert.equal(flow.user.length, 1, 'the server takes it again');
  });
});
