import assert from 'node:assert/strict';
import util from 'node:util';
import sinon from 'sinon';
import type { NodeMessage } from 'node-red';
import {
  failWith,
  helper,
  loadFlow,
  send,
  useNodeRedWithDouble,
  waitFor,
  withoutMessageIds,
} from './support/flow';
import { clockAt } from './support/nodes';
import { BODIES, DOUBLE_TOKEN, PlexTvDouble, type Fault } from './double/plex-tv-double';
import type { PlexErrorObject } from '../src/lib/errors';

const KIDS = 12345678;
const TEEN = 23456789;
type Out = NodeMessage & { error?: PlexErrorObject; plex?: unknown; [key: string]: unknown };

describe('plex-set-pin node', () => {
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  beforeEach(() => (double = currentDouble()));
  afterEach(() => sinon.restore());

  const setPin = (options: Parameters<typeof loadFlow>[0] = {}) =>
    loadFlow({ double, type: 'plex-set-pin', ...options });
  const fromNode = (pin: string | undefined, options: Parameters<typeof loadFlow>[0] = {}) =>
    setPin({
      ...options,
      node: { pinSource: 'node', ...options.node },
      nodeCredentials: pin === undefined ? undefined : { pin },
    });
  const fromMsg = (pinProperty = 'pin', options: Parameters<typeof loadFlow>[0] = {}) =>
    setPin({ ...options, node: { pinSource: 'msg', pinProperty, ...options.node } });

  it("sets the node's PIN and sends the typed user on output 1, keeping the rest of the msg", async () => {
    clockAt(20, 0);
    const flow = await fromNode('2468', { translated: true });
    await send(flow, { payload: TEEN, topic: 'bedtime' });
    assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
    const msg = flow.user[0] as Out;
    assert.equal(msg.topic, 'bedtime');
    assert.deepEqual(msg.plex, { userId: TEEN, statusCode: 201 });
    const user = msg.payload as Record<string, unknown>;
    assert.equal(user.id, TEEN);
    assert.equal(user.protected, true);
    assert.equal(double.users.get(TEEN)?.pin, '2468');
    const [request] = double.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, `/api/v2/home/users/restricted/${TEEN}?pin=2468`);
    assert.equal(request.headers['x-plex-token'], DOUBLE_TOKEN);
    assert.deepEqual(flow.statuses, [
      { fill: 'blue', shape: 'dot', text: 'setting PIN…' },
      { fill: 'green', shape: 'dot', text: 'PIN set · Teen · 20:00' },
    ]);
  });

  it('is the default PIN source', async () => {
    const flow = await setPin({ nodeCredentials: { pin: '1111' } });
    await send(flow, { payload: KIDS, pin: '9999' });
    assert.equal(double.users.get(KIDS)?.pin, '1111');
    assert.equal((flow.user[0] as Out).pin, '9999', 'a msg.pin is none of its business then');
  });

  describe('PIN from the node', () => {
    for (const pin of ['0000', '0042', '9999']) {
      it(`accepts "${pin}"`, async () => {
        const flow = await fromNode(pin);
        await send(flow, { payload: KIDS });
        assert.equal(flow.user.length, 1);
        assert.equal(double.users.get(KIDS)?.pin, pin);
      });
    }

    const rejected: Array<[string, string | undefined]> = [
      ['no PIN', undefined],
      ['an empty PIN', ''],
      ['three digits', '123'],
      ['five digits', '12345'],
      ['letters', 'abcd'],
      ['blanks around digits', ' 123'],
    ];
    for (const [what, pin] of rejected) {
      it(`refuses ${what} with INVALID_PIN and no request`, async () => {
        clockAt(9, 30);
        const flow = await fromNode(pin);
        const msg = await failWith(flow, { payload: KIDS });
        assert.equal(msg.error?.code, 'INVALID_PIN');
        assert.equal(double.requests.length, 0);
        assert.equal(msg.payload, KIDS);
        assert.deepEqual(flow.statuses.at(-1), {
          fill: 'red',
          shape: 'ring',
          text: 'INVALID_PIN · 09:30',
        });
      });
    }
  });

  describe('PIN from the msg', () => {
    it('takes msg.pin, deletes it, and sends the msg on without it', async () => {
      const flow = await fromMsg();
      await send(flow, { payload: KIDS, pin: '4321', topic: 't' });
      assert.equal(double.users.get(KIDS)?.pin, '4321');
      const msg = flow.user[0] as Out;
      assert.ok(!('pin' in msg), 'msg.pin is gone');
      assert.equal(msg.topic, 't');
    });

    it('reads and deletes a nested property, keeping its parent', async () => {
      const flow = await fromMsg('secrets.kids');
      await send(flow, { payload: 'Kids', secrets: { kids: '0007', other: 1 } });
      assert.equal(double.users.get(KIDS)?.pin, '0007');
      assert.deepEqual((flow.user[0] as Out).secrets, { other: 1 });
    });

    it('reads a property written with a msg. prefix, and deletes it', async () => {
      const flow = await fromMsg('msg.secrets.kids');
      await send(flow, { payload: KIDS, secrets: { kids: '0123' } });
      assert.equal(double.users.get(KIDS)?.pin, '0123');
      assert.deepEqual((flow.user[0] as Out).secrets, {});
    });

    it('uses msg.pin when the property is left blank', async () => {
      const flow = await fromMsg('  ');
      await send(flow, { payload: KIDS, pin: '5678' });
      assert.equal(double.users.get(KIDS)?.pin, '5678');
    });

    const rejected: Array<[string, unknown]> = [
      ['a number', 1234],
      ['three digits', '123'],
      ['five digits', '12345'],
      ['an empty string', ''],
      ['a missing PIN', undefined],
      ['null', null],
      ['an array', ['1234']],
      ['an object', { pin: '1234' }],
      ['fullwidth digits', '１２３４'],
      ['a trailing newline', '1234\n'],
    ];
    for (const [what, pin] of rejected) {
      it(`refuses ${what} with INVALID_PIN, no request, and the property deleted`, async () => {
        const flow = await fromMsg();
        const msg = await failWith(flow, { payload: KIDS, pin });
        assert.equal(msg.error?.code, 'INVALID_PIN');
        assert.equal(double.requests.length, 0);
        assert.ok(!('pin' in msg));
      });
    }

    it('refuses a property expression it cannot read with INVALID_PIN', async () => {
      const flow = await fromMsg('a[');
      const msg = await failWith(flow, { payload: KIDS, a: ['1234'] });
      assert.equal(msg.error?.code, 'INVALID_PIN');
      assert.equal(msg.error?.message, 'plex-set-pin.errors.unreadable-pin');
      assert.equal(double.requests.length, 0);
    });

    const failures: Array<
      [string, Record<string, unknown>, Parameters<typeof loadFlow>[0], string]
    > = [
      ['a bad user id', { payload: -1 }, {}, 'INVALID_USER_ID'],
      ['an unknown name', { payload: 'Nobody' }, {}, 'NOT_FOUND'],
      ['an unknown id', { payload: 999 }, {}, 'NOT_FOUND'],
      ['a missing account', { payload: KIDS }, { node: { account: '' } }, 'NOT_CONFIGURED'],
      ['a wrong token', { payload: KIDS }, { token: 'wrong' }, 'UNAUTHORIZED'],
    ];
    for (const [what, input, options, code] of failures) {
      it(`deletes the PIN from the msg on output 2 too (${what})`, async () => {
        const flow = await fromMsg('pin', options);
        const msg = await failWith(flow, { ...input, pin: '2580' });
        assert.equal(msg.error?.code, code);
        assert.ok(!('pin' in msg));
      });
    }

    it('deletes the PIN before done(err) when output 2 has no wire', async () => {
      const flow = await fromMsg('pin', { token: 'wrong', errorWired: false });
      await send(flow, { payload: KIDS, pin: '2580' });
      const [completion] = flow.completions;
      assert.equal((completion.error as { code?: string } | undefined)?.code, 'UNAUTHORIZED');
      assert.ok(!('pin' in completion.msg));
    });

    describe('a msg PIN the message will not let go of', () => {
      const PIN = '1357';
      /** Every message that left the node, whichever way: outputs, done(err), node.error. */
      const leftTheNode = (flow: Awaited<ReturnType<typeof setPin>>) => [
        ...flow.user,
        ...flow.error,
        ...flow.completions.filter((c) => c.error).map((c) => c.msg),
        ...(flow.node as unknown as { error: sinon.SinonSpy }).error.args.map((args) => args[1]),
      ];
      /** Whether `msg` shows the PIN: serialised, inspected, or read at its path (inherited too). */
      const holdsPin = (msg: unknown, path: string) =>
        withoutMessageIds(JSON.stringify(msg ?? null)).includes(PIN) ||
        withoutMessageIds(util.inspect(msg, { depth: 8, showHidden: true })).includes(PIN) ||
        path
          .split('.')
          .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], msg) === PIN;
      /** A message with the PIN in the given shape, asking for the Kids user. */
      const message = (make: () => Record<string, unknown>) => {
        const msg = make();
        return Object.isFrozen(msg) ? msg : Object.assign(msg, { payload: KIDS });
      };

      const shapes: Array<[string, string, () => Record<string, unknown>]> = [
        ['in a frozen object', 'secrets.kids', () => ({ secrets: Object.freeze({ kids: PIN }) })],
        [
          'in a frozen object in a frozen object',
          'a.b.pin',
          () => ({ a: Object.freeze({ b: Object.freeze({ pin: PIN, other: 1 }) }) }),
        ],
        ['in a sealed object', 'secrets.kids', () => ({ secrets: Object.seal({ kids: PIN }) })],
        [
          'as a non-configurable property of the msg',
          'pin',
          () => Object.defineProperty({}, 'pin', { value: PIN, enumerable: true }),
        ],
        [
          'as a non-configurable getter',
          'secrets.kids',
          () => ({
            secrets: Object.defineProperty({}, 'kids', { get: () => PIN, enumerable: true }),
          }),
        ],
        [
          'behind a Proxy that refuses to delete',
          'secrets.kids',
          () => ({ secrets: new Proxy({ kids: PIN }, { deleteProperty: () => false }) }),
        ],
        [
          'inherited from a prototype',
          'secrets.kids',
          () => ({ secrets: Object.create({ kids: PIN }) as object }),
        ],
        [
          'in a frozen msg',
          'pin',
          () => Object.freeze({ pin: PIN, payload: KIDS, topic: 'frozen' }),
        ],
        [
          'under msg.req, frozen',
          'req.query.pin',
          () => ({ req: { query: Object.freeze({ pin: PIN }) } }),
        ],
      ];

      for (const [what, pinProperty, make] of shapes) {
        it(`uses a PIN ${what} and sends no message that holds it`, async () => {
          const flow = await fromMsg(pinProperty);
          const msg = message(make);
          const before = util.inspect(msg, { depth: 8, showHidden: true });
          await send(flow, msg);
          assert.equal(flow.user.length, 1, JSON.stringify(flow.error[0]?.error));
          assert.equal(double.users.get(KIDS)?.pin, PIN, 'the PIN was read and set');
          assert.deepEqual((flow.user[0] as Out).plex, { userId: KIDS, statusCode: 201 });
          for (const out of leftTheNode(flow)) {
            assert.ok(!holdsPin(out, pinProperty), 'a message holds the PIN');
          }
          // The objects the caller made are theirs: frozen ones stay as they were.
          if (Object.isFrozen(msg)) {
            assert.equal(util.inspect(msg, { depth: 8, showHidden: true }), before);
          }
        });

        for (const errorWired of [true, false]) {
          it(`keeps a PIN ${what} out of a failure (output 2 ${errorWired ? 'wired' : 'not wired'})`, async () => {
            const flow = await fromMsg(pinProperty, { token: 'wrong', errorWired });
            await send(flow, message(make));
            const outcome = errorWired
              ? flow.error[0]
              : ((flow.node as unknown as { error: sinon.SinonSpy }).error.args.at(-1)?.[1] as Out);
            assert.ok(outcome, 'the failure was reported with a message');
            assert.equal((outcome as Out).error?.code, 'UNAUTHORIZED');
            const left = leftTheNode(flow);
            assert.ok(left.length >= 1);
            for (const out of left) {
              assert.ok(!holdsPin(out, pinProperty), 'a message holds the PIN');
            }
          });
        }
      }

      /** A flow where a Catch and a Complete node watch the set-PIN node, output 2 unwired. */
      const watched = async (pinProperty: string, token?: string) => {
        const flow = await fromMsg(pinProperty, {
          errorWired: false,
          token,
          extraNodes: [
            { id: 'on-error', type: 'catch', scope: ['n1'], uncaught: false, wires: [['caught']] },
            { id: 'on-complete', type: 'complete', scope: ['n1'], wires: [['completed']] },
            { id: 'caught', type: 'helper' },
            { id: 'completed', type: 'helper' },
          ],
        });
        const seen: Record<'caught' | 'completed', NodeMessage[]> = { caught: [], completed: [] };
        for (const id of ['caught', 'completed'] as const) {
          helper.getNode(id).on('input', (msg: NodeMessage) => seen[id].push(msg));
        }
        return { flow, seen };
      };

      it('a Catch node gets a failure without the PIN, even from a frozen msg', async () => {
        for (const [pinProperty, make] of [
          ['secrets.kids', () => ({ payload: KIDS, secrets: Object.freeze({ kids: PIN }) })],
          ['pin', () => Object.freeze({ payload: KIDS, pin: PIN })],
        ] as const) {
          const { flow, seen } = await watched(pinProperty, 'wrong');
          await send(flow, make());
          await waitFor(() => seen.caught.length === 1, 'the Catch node');
          const caught = seen.caught[0] as Out;
          assert.equal((caught.error as { message?: string })?.message?.includes('401'), true);
          assert.ok(!holdsPin(caught, pinProperty), `${pinProperty}: the Catch node got the PIN`);
          await helper.unload();
        }
      });

      it('a Complete node gets the message without the PIN when the object holding it was replaced', async () => {
        const { flow, seen } = await watched('secrets.kids');
        await send(flow, { payload: KIDS, secrets: Object.freeze({ kids: PIN, other: 1 }) });
        await waitFor(() => seen.completed.length === 1, 'the Complete node');
        assert.deepEqual((seen.completed[0] as Out).secrets, { other: 1 });
      });

      it('reports the account problem, not the bad PIN, and still takes the PIN off', async () => {
        const flow = await fromMsg('secrets.kids', { node: { account: '' } });
        const msg = await failWith(flow, { payload: KIDS, secrets: Object.freeze({ kids: '12' }) });
        assert.equal(msg.error?.code, 'NOT_CONFIGURED');
        assert.deepEqual(msg.secrets, {});
      });

      it('reports the account problem, not the missing msg PIN', async () => {
        const flow = await fromMsg('pin', { node: { account: '' } });
        assert.equal((await failWith(flow, { payload: KIDS })).error?.code, 'NOT_CONFIGURED');
      });

      it("reports the account problem before the node's own missing PIN", async () => {
        const flow = await fromNode(undefined, { node: { account: '' } });
        assert.equal((await failWith(flow, { payload: KIDS })).error?.code, 'NOT_CONFIGURED');
      });
    });
  });

  describe('users', () => {
    it('sets the PIN of a user given by name', async () => {
      const flow = await fromNode('8080');
      await send(flow, { payload: { title: 'teen' } });
      assert.deepEqual((flow.user[0] as Out).plex, { userId: TEEN, statusCode: 201 });
      assert.deepEqual(
        double.requests.map((r) => r.method),
        ['GET', 'POST'],
      );
    });

    it('answers AMBIGUOUS_USER without sending the PIN', async () => {
      const teen = double.users.get(TEEN);
      assert.ok(teen);
      double.users.set(45678901, { ...teen, id: 45678901 });
      const flow = await fromNode('8080');
      const msg = await failWith(flow, { payload: 'Teen' });
      assert.equal(msg.error?.code, 'AMBIGUOUS_USER');
      assert.ok(double.requests.every((r) => !r.url.includes('8080')));
    });

    for (const [what, pinSource] of [
      ['the node', 'node'],
      ['the msg', 'msg'],
    ]) {
      it(`answers NOT_MANAGED for the administrator's name, PIN from ${what}, without a PIN request`, async () => {
        const flow = await setPin({ node: { pinSource }, nodeCredentials: { pin: '8080' } });
        const msg = await failWith(flow, { payload: 'Parent', pin: '8080' });
        assert.equal(msg.error?.code, 'NOT_MANAGED');
        assert.equal(msg.error?.userId, 1);
        assert.deepEqual(
          double.requests.map((r) => r.method),
          ['GET'],
        );
        assert.equal(double.users.get(1)?.pin, '9876');
        if (pinSource === 'msg') assert.ok(!('pin' in msg), 'the msg PIN is taken off');
      });
    }

    it('answers NOT_MANAGED for a member who is not managed (restricted: false)', async () => {
      const parent = double.users.get(1);
      assert.ok(parent);
      double.users.set(45678901, {
        ...parent,
        id: 45678901,
        title: 'Aunt May',
        username: 'aunt',
        admin: false,
        restricted: false,
      });
      const flow = await fromNode('8080');
      const msg = await failWith(flow, { payload: 'Aunt May' });
      assert.equal(msg.error?.code, 'NOT_MANAGED');
      assert.equal(msg.error?.userId, 45678901);
      assert.ok(double.requests.every((r) => r.method === 'GET'));
    });

    it('reads the user from a fixed string in the node', async () => {
      const flow = await fromNode('8080', { node: { userId: 'Kids', userIdType: 'str' } });
      await send(flow, { payload: 'ignored' });
      assert.equal(double.users.get(KIDS)?.pin, '8080');
    });

    it('reports an unreadable user property as INVALID_USER_ID', async () => {
      const flow = await fromNode('8080', {
        node: { userId: '$error("x")', userIdType: 'jsonata' },
      });
      const msg = await failWith(flow, { payload: KIDS });
      assert.equal(msg.error?.code, 'INVALID_USER_ID');
      assert.equal(
        msg.error?.message,
        'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
      );
    });
  });

  it("reports plex.tv's 1038 as BAD_REQUEST without the PIN", async () => {
    double.inject({
      kind: 'status',
      status: 400,
      body: '<errors><error code="1038" message="PIN 8080 must be 4 digits" status="400"/></errors>',
    });
    const flow = await fromNode('8080');
    const msg = await failWith(flow, { payload: KIDS });
    assert.deepEqual(msg.error, {
      code: 'BAD_REQUEST',
      statusCode: 400,
      plexCode: 1038,
      userId: KIDS,
      message: 'plex.tv answered 400: PIN [redacted] must be 4 digits',
    });
  });

  it('the double itself refuses a PIN that is not 4 digits with 1038', async () => {
    const response = await fetch(`${double.url}/api/v2/home/users/restricted/${KIDS}?pin=12`, {
      method: 'POST',
      headers: { 'X-Plex-Token': DOUBLE_TOKEN, 'X-Plex-Client-Identifier': 'x' },
    });
    assert.equal(response.status, 400);
    assert.equal(BODIES.pinFormat.includes('1038'), true);
    assert.match(await response.text(), /code="1038"/);
  });
});

describe('the PIN and the token never leave by another road', () => {
  const currentDouble = useNodeRedWithDouble();
  const NODE_PIN = '8642';
  const MSG_PIN = '9753';

  it('outputs, statuses, logs, errors and the double log hold neither', async () => {
    const doubleLog: string[] = [];
    // A double of its own, to read its log lines.
    const double = new PlexTvDouble({ log: (line) => doubleLog.push(line) });
    await double.start();
    await currentDouble().stop();
    const said: string[] = [];
    const run = async (
      options: Parameters<typeof loadFlow>[0],
      msgs: Array<Record<string, unknown>>,
      faults: Fault[] = [],
    ) => {
      for (const fault of faults) double.inject(fault);
      const flow = await loadFlow({ double, type: 'plex-set-pin', ...options });
      for (const msg of msgs) flow.node.receive(msg as NodeMessage);
      await flow.completed(msgs.length);
      said.push(flow.everythingSaid());
      await helper.unload();
    };
    try {
      const byNode = { nodeCredentials: { pin: NODE_PIN } };
      const byMsg = { node: { pinSource: 'msg', pinProperty: 'pin' } };
      await run(byNode, [
        { payload: KIDS },
        { payload: 'Kids' },
        { payload: 999 },
        { payload: 'x' },
      ]);
      await run(byMsg, [
        { payload: TEEN, pin: MSG_PIN },
        { payload: 'Teen', pin: MSG_PIN },
        { payload: -1, pin: MSG_PIN },
        { payload: 999, pin: MSG_PIN },
      ]);
      // plex.tv echoing, in the answer to the set-PIN request, the PIN it was sent, and the token.
      const echo = (pin: string): Fault => ({
        only: /restricted/,
        kind: 'status',
        status: 400,
        body: `<errors><error code="1038" message="PIN ${pin} token ${DOUBLE_TOKEN}"/></errors>`,
      });
      await run(
        { ...byNode, errorWired: false },
        [{ payload: KIDS }, { payload: 'abc' }],
        [echo(NODE_PIN)],
      );
      await run(byMsg, [{ payload: KIDS, pin: MSG_PIN }], [echo(MSG_PIN)]);
      await run({ ...byNode, token: 'wrong-token' }, [{ payload: KIDS }]);
      await run(
        byMsg,
        [
          { payload: KIDS, pin: MSG_PIN },
          { payload: KIDS, pin: MSG_PIN },
          { payload: KIDS, pin: MSG_PIN },
        ],
        [
          { kind: 'status', status: 500, body: BODIES.html },
          { kind: 'reset' },
          { kind: 'status', status: 201, body: 'garbage' },
        ],
      );
      await run({ ...byNode, account: { timeout: 100 } }, [{ payload: KIDS }], [{ kind: 'hang' }]);
      await run({ ...byNode, account: { baseUrl: 'http://127.0.0.1:9' } }, [{ payload: KIDS }]);

      // Random message ids (`_msgid` on messages, `msgid` in metric log entries) and log
      // timestamps could hold any 4 digits by chance.
      const text = said
        .join('\n')
        .replace(/_?msgid['"]?:\s*['"][0-9a-f]+['"]/g, '')
        .replace(/timestamp['"]?:\s*\d+/g, '');
      assert.ok(text.length > 1000, 'the search covered real output');
      for (const expected of [
        'INVALID_USER_ID',
        'BAD_REQUEST',
        'UNAUTHORIZED',
        'NETWORK',
        'TIMEOUT',
        'Kids',
      ])
        assert.ok(text.includes(expected), `the flows said ${expected}`);
      for (const secret of [NODE_PIN, MSG_PIN, DOUBLE_TOKEN]) {
        assert.ok(
          !text.includes(secret),
          `${secret} leaked into outputs, statuses, logs or errors`,
        );
        assert.ok(!doubleLog.join('\n').includes(secret), `${secret} is in the double's log`);
      }
      assert.ok(doubleLog.some((line) => line.includes('pin=****')));
      // The one road: the PIN only as the pin parameter of the set-PIN request.
      const withPin = double.requests.filter((r) => /8642|9753/.test(r.url));
      assert.ok(withPin.length >= 4, 'the PINs were sent');
      for (const request of double.requests) {
        assert.ok(!request.url.includes(DOUBLE_TOKEN));
        if (withPin.includes(request)) {
          assert.equal(request.method, 'POST');
          assert.match(request.url, /^\/api\/v2\/home\/users\/restricted\/\d+\?pin=(8642|9753)$/);
        }
      }
    } finally {
      await double.stop();
    }
  });
});
