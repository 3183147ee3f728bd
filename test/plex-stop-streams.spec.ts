import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { NodeMessage } from 'node-red';
import { loadFlow, send, useNodeRedWithDouble } from './support/flow';
import { clockAt } from './support/nodes';
import { useServerDouble } from './support/server';
import { SERVER_TOKEN } from './double/plex-server-double';
import type { PlexErrorObject } from '../src/lib/errors';

type Out = NodeMessage & { error?: PlexErrorObject; plex?: Record<string, unknown> };
const BEDTIME = "It's bedtime. Plex is closed until morning.";

describe('plex-stop-streams node', () => {
  const currentDouble = useNodeRedWithDouble();
  const currentServer = useServerDouble(currentDouble);
  afterEach(() => sinon.restore());

  const stopStreams = (
    node: Record<string, unknown> = {},
    options: Parameters<typeof loadFlow>[0] = {},
  ) =>
    loadFlow({
      double: currentDouble(),
      type: 'plex-stop-streams',
      ...options,
      node: { server: '', reason: BEDTIME, reasonType: 'str', ...node },
    });

  it("stops the user's streams with the reason on screen; others play on", async () => {
    clockAt(20, 0);
    const server = currentServer();
    const flow = await stopStreams({}, { translated: true });
    await send(flow, { payload: 'Kids', topic: 'bedtime' });
    assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
    const msg = flow.user[0] as Out;
    assert.equal(msg.topic, 'bedtime');
    const stopped = msg.payload as Array<{ sessionId: string; title: string }>;
    assert.deepEqual(
      stopped.map((s) => [s.sessionId, s.title]),
      [['kids-living-room-1', 'Bluey · S2E3 · Sleepytime']],
    );
    assert.deepEqual(msg.plex, { userId: 12345678, server: 'Home Server', stopped, failed: [] });
    assert.deepEqual(server.stops, [{ sessionId: 'kids-living-room-1', reason: BEDTIME }]);
    assert.deepEqual([...server.sessions.keys()], ['teen-phone-1']);
    const terminate = server.requests.find((r) => r.path === '/status/sessions/terminate');
    assert.equal(terminate?.headers['x-plex-token'], SERVER_TOKEN);
    assert.ok(!terminate?.url.includes(SERVER_TOKEN));
    assert.deepEqual(flow.statuses.at(-1), {
      fill: 'green',
      shape: 'dot',
      text: 'stopped 1 · Kids · 20:00',
    });
  });

  it('a user who is not watching: success with an empty list', async () => {
    clockAt(7, 5);
    const flow = await stopStreams({}, { translated: true });
    await send(flow, { payload: 1 });
    assert.deepEqual((flow.user[0] as Out).payload, []);
    assert.equal(currentServer().stops.length, 0);
    assert.equal((flow.statuses.at(-1) as { text: string }).text, 'stopped 0 · 1 · 07:05');
  });

  it('stops every stream of the user, each with the reason read from the message', async () => {
    const server = currentServer();
    const kids = server.sessions.get('kids-living-room-1')!;
    server.sessions.set('kids-tablet', {
      ...kids,
      sessionId: 'kids-tablet',
      player: { ...kids.player, title: 'Tablet' },
    });
    const flow = await stopStreams({ reason: 'why', reasonType: 'msg' });
    await send(flow, { payload: 12345678, why: 'Screen time is over for today' });
    assert.equal(((flow.user[0] as Out).payload as unknown[]).length, 2);
    assert.deepEqual(
      server.stops.map((s) => s.reason),
      ['Screen time is over for today', 'Screen time is over for today'],
    );
  });

  for (const [what, why, shown] of [
    [
      'a megabyte with control characters',
      `Go\u0000 to\r\nbed ${'z'.repeat(1024 * 1024)}`,
      /^Go to bed z+…$/,
    ],
    ['missing', undefined, new RegExp(`^${BEDTIME}$`)],
    ['an object', { text: 'no' }, new RegExp(`^${BEDTIME}$`)],
  ] as const) {
    it(`a reason that is ${what} still stops the stream, with a clean, short text`, async () => {
      const server = currentServer();
      const flow = await stopStreams({ reason: 'why', reasonType: 'msg' }, { translated: true });
      await send(flow, { payload: 'Kids', why });
      assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
      const [stop] = server.stops;
      assert.match(stop.reason, shown);
      assert.ok([...stop.reason].length <= 200);
    });
  }

  it('a server without Plex Pass: FORBIDDEN, saying it needs Plex Pass, nothing stopped', async () => {
    const server = currentServer();
    server.plexPass = false;
    const flow = await stopStreams();
    await send(flow, { payload: 'Kids', topic: 't' });
    const msg = flow.error[0] as Out;
    assert.equal(msg.error?.code, 'FORBIDDEN');
    assert.equal(msg.error?.userId, 12345678);
    assert.match(msg.error?.message ?? '', /Plex Pass/);
    assert.equal(msg.payload, 'Kids', 'the payload as it came in');
    const plex = msg.plex as {
      stopped: unknown[];
      failed: Array<{ sessionId: string; error: { code: string } }>;
    };
    assert.deepEqual(plex.stopped, []);
    assert.deepEqual(
      plex.failed.map((f) => [f.sessionId, f.error.code]),
      [['kids-living-room-1', 'FORBIDDEN']],
    );
    assert.equal(server.sessions.size, 2);
  });

  it('a stream that ended meanwhile (404) counts as stopped', async () => {
    const server = currentServer();
    server.ended.add('kids-living-room-1');
    const flow = await stopStreams();
    await send(flow, { payload: 'Kids' });
    assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
    assert.equal(((flow.user[0] as Out).payload as unknown[]).length, 1);
    assert.equal(server.stops.length, 0, 'the server stopped nothing itself');
  });

  it('a partial failure leaves on output 2 saying which stopped and which did not', async () => {
    const server = currentServer();
    const kids = server.sessions.get('kids-living-room-1')!;
    server.sessions.set('kids-tablet', {
      ...kids,
      sessionId: 'kids-tablet',
      player: { ...kids.player, title: 'Tablet' },
    });
    server.inject({ kind: 'status', status: 500, body: 'boom', only: /terminate/ }, 1);
    const flow = await stopStreams();
    await send(flow, { payload: 'Kids' });
    const msg = flow.error[0] as Out;
    assert.equal(msg.error?.code, 'SERVER_ERROR');
    assert.match(
      msg.error?.message ?? '',
      /^Stopped 1 of 2 streams of user 12345678 on "Home Server"; not stopped: "Bluey · S2E3 · Sleepytime" on Living Room TV \(SERVER_ERROR/,
    );
    const plex = msg.plex as {
      stopped: Array<{ sessionId: string }>;
      failed: Array<{ sessionId: string }>;
    };
    assert.deepEqual(
      plex.stopped.map((s) => s.sessionId),
      ['kids-tablet'],
    );
    assert.deepEqual(
      plex.failed.map((s) => s.sessionId),
      ['kids-living-room-1'],
    );
  });

  it('titles from the server reach the error message and the status on one line each, short', async () => {
    clockAt(20, 0);
    const server = currentServer();
    const kids = server.sessions.get('kids-living-room-1')!;
    const forged = '\n27 Nov 20:00:00 - [error] [fake] \u001b[31mforged\u202e';
    server.sessions.set('kids-living-room-1', {
      ...kids,
      title: `Bluey${forged}${'x'.repeat(60_000)}`,
      userTitle: `Kids${forged}`,
      player: { ...kids.player, title: `TV${forged}` },
    });
    server.inject({ kind: 'status', status: 500, body: 'boom', only: /terminate/ }, 1);
    const flow = await stopStreams({}, { errorWired: false, translated: true });
    await send(flow, { payload: 'Kids' });
    const [completion] = flow.completions;
    const message = (completion.error as Error | undefined)?.message ?? '';
    assert.match(
      message,
      /^Stopped 0 of 1 streams of user 12345678 on "Home Server"; not stopped: "Bluey · S2E3 · Bluey 27 Nov 20:00:00 - \[error\] \[fake\] {2}\[31mforgedx+…" on TV 27 Nov/,
    );
    assert.ok(message.length < 400, `${message.length} characters`);
    // Once the server lets it stop, the green status names the user from the server's title.
    await send(flow, { payload: 'Kids' }, 2);
    const status = flow.statuses.at(-1) as { fill?: string; text?: string };
    assert.equal(status.fill, 'green');
    assert.equal(status.text, 'stopped 1 · Kids 27 Nov… · 20:00');
  });

  it('refuses a user reference that is no user before any request', async () => {
    const flow = await stopStreams();
    await send(flow, { payload: '' });
    assert.equal((flow.error[0] as Out).error?.code, 'INVALID_USER_ID');
    assert.equal(currentServer().requests.length + currentDouble().requests.length, 0);
  });

  it('two owned servers and a blank Server setting: AMBIGUOUS_SERVER naming both', async () => {
    const [first] = currentDouble().resources;
    currentDouble().resources.push({ ...first, name: 'Cabin', clientIdentifier: 'cabin-1' });
    const flow = await stopStreams();
    await send(flow, { payload: 'Kids' });
    const error = (flow.error[0] as Out).error;
    assert.equal(error?.code, 'AMBIGUOUS_SERVER');
    assert.match(error?.message ?? '', /"Home Server", "Cabin"/);
    assert.equal(error?.userId, 12345678);
  });
});
