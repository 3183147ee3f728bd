import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import sinon from 'sinon';
import { helper, translateInHelper, useNodeRedWithDouble, waitFor } from './support/flow';
import { nodeModules } from './support/nodes';
import { DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';
import { PlexServerDouble } from './double/plex-server-double';

interface ExampleNode {
  id: string;
  type: string;
  payload?: string;
  payloadType?: string;
  wires?: string[][];
  [key: string]: unknown;
}

/** Core nodes of the Node-RED under test, for examples that run with their own logic. */
function coreNodes(...files: string[]): unknown[] {
  const nodeRed = path.dirname(process.env.NODE_RED_UNDER_TEST ?? require.resolve('node-red'));
  return files.map((file) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [nodeRed] })),
  );
}

interface RunOptions {
  /** Credentials by node id, besides the account's token. */
  credentials?: Record<string, object>;
  /** Core node types that run as they are, and their modules. */
  keep?: { types: string[]; modules: unknown[] };
  /** Texts as Node-RED gives them (the test helper's RED._ gives keys): what a person reads. */
  translated?: boolean;
}

/**
 * Runs an example flow as shipped: its Plex nodes unchanged but for the account, its other
 * nodes (inject, debug, comment, Home Assistant's) replaced by recording helper nodes, except
 * the core types `keep` names, which run as they are.
 */
async function runExample(
  double: PlexTvDouble,
  file: string,
  { credentials = {}, keep = { types: [], modules: [] }, translated = false }: RunOptions = {},
) {
  const text = fs.readFileSync(path.join(__dirname, '..', 'examples', file), 'utf8');
  const example = JSON.parse(text) as ExampleNode[];
  const flow = [
    { id: 'tab', type: 'tab' },
    {
      id: 'acc',
      type: 'plex-account',
      clientIdentifier: '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11',
      baseUrl: double.url,
      retries: 0,
    },
    ...example
      .filter((node) => node.x !== undefined)
      .map((node) =>
        node.type.startsWith('plex-')
          ? { ...node, z: 'tab', account: 'acc' }
          : keep.types.includes(node.type)
            ? // A kept inject is pressed by the test: its own schedule would press it again.
              { ...node, z: 'tab', ...(node.type === 'inject' ? { repeat: '', crontab: '' } : {}) }
            : { id: node.id, z: 'tab', type: 'helper', wires: node.wires ?? [] },
      ),
  ];
  const modules = [...nodeModules(), ...keep.modules];
  const translation = translated ? translateInHelper() : undefined;
  try {
    await helper.load(modules as Parameters<typeof helper.load>[0], flow, {
      acc: { token: DOUBLE_TOKEN },
      ...credentials,
    });
  } finally {
    translation?.restore();
  }
  const received: Record<string, Array<NodeMessage & { status?: { text?: string } }>> = {};
  for (const node of example.filter((n) => n.type === 'debug')) {
    received[String(node.name)] = [];
    helper
      .getNode(node.id)
      .on('input', (msg: NodeMessage) => received[String(node.name)].push(msg));
  }
  /** What the inject node `name` would send when it fires. */
  const fire = (name: string) => {
    const inject = example.find((n) => n.type === 'inject' && n.name === name);
    assert.ok(inject, `an inject named ${name}`);
    const payload = inject.payloadType === 'str' ? inject.payload : undefined;
    for (const target of inject.wires?.flat() ?? [])
      helper.getNode(target).receive({ payload, topic: inject.topic } as NodeMessage);
  };
  return { example, received, fire };
}

describe('examples run against the double', () => {
  const currentDouble = useNodeRedWithDouble();
  /** The Plex Media Server stand-in, listed in the plex.tv double's resources. */
  let server: PlexServerDouble;
  beforeEach(async () => {
    server = new PlexServerDouble();
    await server.start();
    currentDouble().resources = [await server.resource()];
  });
  afterEach(async () => {
    sinon.restore();
    await server.stop();
  });

  it("bedtime-routine sets the Kids PIN and stops the Kids' stream at 20:00, removes the PIN at 07:00", async () => {
    const double = currentDouble();
    delete double.users.get(12345678)?.pin;
    const example = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'examples', 'bedtime-routine.json'), 'utf8'),
    ) as ExampleNode[];
    const setPinId = example.find((n) => n.type === 'plex-set-pin')?.id;
    assert.ok(setPinId);
    assert.deepEqual(
      example.filter((n) => n.type === 'inject').map((n) => n.crontab),
      ['00 20 * * *', '00 07 * * *'],
    );
    // The flow ships without the PIN (a credential); the user types it into the node.
    const run = await runExample(double, 'bedtime-routine.json', {
      credentials: { [setPinId]: { pin: '2020' } },
    });
    run.fire('20:00 every day');
    await waitFor(() => run.received.done.length === 1, 'the PIN set');
    await waitFor(() => run.received.stopped.length === 1, 'the stream stopped');
    assert.equal(double.users.get(12345678)?.pin, '2020');
    assert.deepEqual(server.stops, [
      { sessionId: 'kids-living-room-1', reason: "It's bedtime. Plex is closed until morning." },
    ]);
    assert.deepEqual(
      [...server.sessions.values()].map((s) => s.userTitle),
      ['Teen'],
      "Teen's stream plays on",
    );
    run.fire('07:00 every day');
    await waitFor(() => run.received.done.length === 2, 'the PIN removed');
    assert.equal(double.users.get(12345678)?.pin, undefined);
    assert.equal(run.received.errors.length, 0);
    // Without a PIN in the node, the error reaches the errors debug node.
    await helper.unload();
    const bare = await runExample(double, 'bedtime-routine.json');
    bare.fire('20:00 every day');
    await waitFor(() => bare.received.errors.length === 1, 'the error');
    await waitFor(() => bare.received.stopped.length === 1, 'the stop, which needs no PIN');
    assert.equal(
      (bare.received.errors[0] as { error?: { code: string } }).error?.code,
      'INVALID_PIN',
    );
    assert.deepEqual(bare.received.stopped[0].payload, [], 'nobody was watching any more');
  });

  it('screen-time stops a child at the limit and sets the PIN, counted minute by minute', async function () {
    this.timeout(60_000);
    const double = currentDouble();
    delete double.users.get(12345678)?.pin;
    // Only Date is faked (the day the minutes count for): Node-RED and the HTTP stand-ins keep
    // their real timers, and each minute the test presses the inject that repeats every minute.
    const clock = sinon.useFakeTimers({ now: new Date(2026, 5, 1, 16, 0, 0), toFake: ['Date'] });
    const example = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'examples', 'screen-time.json'), 'utf8'),
    ) as ExampleNode[];
    const setPinId = example.find((n) => n.type === 'plex-set-pin')?.id;
    assert.ok(setPinId);
    const run = await runExample(double, 'screen-time.json', {
      credentials: { [setPinId]: { pin: '2468' } },
      keep: {
        types: ['inject', 'function'],
        modules: coreNodes('common/20-inject.js', 'function/10-function.js'),
      },
    });
    const listed = () => server.requests.filter((r) => r.path === '/status/sessions').length;
    const counter = example.find((n) => n.type === 'function' && n.name === 'count minutes');
    assert.ok(counter);
    const counted = () =>
      (
        helper.getNode(counter.id).context().flow.get('screenTime') as
          { minutes: Record<string, number> } | undefined
      )?.minutes.Kids ?? 0;
    const every = example.find((n) => n.type === 'inject' && n.name === 'every minute');
    assert.equal(every?.repeat, '60');
    /** Polls on real time (Date is fake here, so waitFor's own deadline would never pass). */
    const until = async (condition: () => boolean, what: string) => {
      const deadline = performance.now() + 10_000;
      while (!condition()) {
        if (performance.now() > deadline)
          assert.fail(`${what}: ${listed()} listed, ${counted()} counted`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const minute = async (n: number) => {
      clock.tick(60_000);
      helper.getNode(String(every?.id)).receive({} as NodeMessage);
      // At the limit, stop streams lists the sessions too, maybe before this looks.
      await until(() => listed() >= n, `the sessions list of minute ${n}`);
      await until(() => counted() === n, `minute ${n} counted`);
    };
    // Teen has no limit; Kids may watch 120 minutes a day.
    for (let n = 1; n < 120; n++) await minute(n);
    assert.equal(server.stops.length, 0, 'not stopped before the limit');
    assert.equal(double.users.get(12345678)?.pin, undefined);
    await minute(120);
    await until(() => run.received.stopped.length === 1, "the Kids' stream stopped");
    await until(() => run.received['PIN set'].length === 1, "the Kids' PIN set");
    assert.deepEqual(server.stops, [
      { sessionId: 'kids-living-room-1', reason: 'Screen time is over for today' },
    ]);
    assert.equal(double.users.get(12345678)?.pin, '2468');
    assert.deepEqual(
      [...server.sessions.values()].map((s) => s.userTitle),
      ['Teen'],
    );
    assert.equal(run.received.errors.length, 0);
  });

  it('home-assistant-bedtime: bedtime on sets the PIN and stops the stream, off removes the PIN', async () => {
    const double = currentDouble();
    delete double.users.get(12345678)?.pin;
    const example = JSON.parse(
      fs.readFileSync(
        path.join(__dirname, '..', 'examples', 'home-assistant-bedtime.json'),
        'utf8',
      ),
    ) as ExampleNode[];
    const state = example.find((n) => n.type === 'server-state-changed');
    const setPinId = example.find((n) => n.type === 'plex-set-pin')?.id;
    assert.ok(state && setPinId);
    assert.deepEqual((state.entities as { entity: string[] }).entity, [
      'input_boolean.kids_bedtime',
    ]);
    const run = await runExample(double, 'home-assistant-bedtime.json', {
      credentials: { [setPinId]: { pin: '1357' } },
    });
    // What the state node sends: "on" on its first output, anything else on its second.
    const [on, off] = state.wires ?? [];
    for (const id of on) helper.getNode(id).receive({ payload: 'on' } as NodeMessage);
    await waitFor(() => run.received.stopped.length === 1, 'the stream stopped');
    await waitFor(() => run.received['PIN set'].length === 1, 'the PIN set');
    assert.equal(double.users.get(12345678)?.pin, '1357');
    assert.equal(server.stops[0]?.reason, "It's bedtime. Plex is closed until morning.");
    for (const id of off) helper.getNode(id).receive({ payload: 'off' } as NodeMessage);
    await waitFor(() => run.received['PIN removed'].length === 1, 'the PIN removed');
    assert.equal(double.users.get(12345678)?.pin, undefined);
    assert.equal(run.received.errors.length, 0);
  });

  it('sign-in-alert tells a person when plex.tv refuses the token, and again per refused message', async () => {
    const double = currentDouble();
    // Node-RED's own status, switch and change nodes run as they are.
    const run = await runExample(double, 'sign-in-alert.json', {
      keep: {
        types: ['status', 'switch', 'change'],
        modules: coreNodes('common/25-status.js', 'function/10-switch.js', 'function/15-change.js'),
      },
      translated: true,
    });
    const told = () => run.received['tell a person'];

    run.fire('list');
    await waitFor(() => run.received.users.length === 1, 'the users');
    double.revoke(DOUBLE_TOKEN, 422);
    run.fire('list');
    await waitFor(() => run.received.error.length === 1, 'the error');
    await waitFor(() => told().length === 1, 'the alert');
    assert.equal(
      told()[0].payload,
      'The Plex nodes need a sign-in: open the plex-account node, click Sign in with Plex, then deploy.',
    );
    assert.match(String(told()[0].status?.text), /^sign-in needed · \d\d:\d\d$/);
    // The routine fails again: the person hears of it again, once.
    run.fire('list');
    await waitFor(() => run.received.error.length === 2, 'the second error');
    await waitFor(() => told().length === 2, 'the second alert');
    // Signed in again: the next list works and tells nobody anything.
    double.revoked.clear();
    run.fire('list');
    await waitFor(() => run.received.users.length === 2, 'the users again');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(told().length, 2);
    assert.ok(!JSON.stringify(run.received).includes(DOUBLE_TOKEN));
  });

  it('find-my-users lists the Home users', async () => {
    const double = currentDouble();
    const run = await runExample(double, 'find-my-users.json');
    run.fire('list');
    await waitFor(() => run.received.users.length === 1, 'the users');
    assert.deepEqual(
      (run.received.users[0].payload as Array<{ title: string }>).map((u) => u.title),
      ['Parent', 'Kids', 'Teen'],
    );
  });
});
