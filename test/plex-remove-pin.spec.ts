import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { NodeMessage } from 'node-red';
import { failWith, helper, loadFlow, send, waitFor, useNodeRedWithDouble } from './support/flow';
import { clockAt } from './support/nodes';
import { BODIES, DOUBLE_TOKEN, type PlexTvDouble, type Fault } from './double/plex-tv-double';
import type { PlexErrorObject } from '../src/lib/errors';

const KIDS = 12345678;
type Out = NodeMessage & { error?: PlexErrorObject; plex?: unknown; [key: string]: unknown };

describe('plex-remove-pin node', () => {
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  beforeEach(() => (double = currentDouble()));
  afterEach(() => sinon.restore());

  it('removes the PIN and sends the typed user on output 1, keeping the rest of the msg', async () => {
    clockAt(7, 0);
    const flow = await loadFlow({ double, translated: true });
    await send(flow, { payload: KIDS, topic: 'bedtime', custom: { keep: true } });
    assert.equal(flow.error.length, 0);
    assert.equal(flow.user.length, 1);
    const msg = flow.user[0] as Out;
    assert.equal(msg.topic, 'bedtime');
    assert.deepEqual(msg.custom, { keep: true });
    assert.deepEqual(msg.plex, { userId: KIDS, statusCode: 201 });
    const user = msg.payload as Record<string, unknown>;
    assert.equal(user.id, KIDS);
    assert.equal(user.title, 'Kids');
    assert.equal(user.protected, false);
    assert.equal(user.restricted, true);
    assert.equal(typeof user.updatedAt, 'number');
    assert.equal(double.users.get(KIDS)?.pin, undefined);
    assert.equal(flow.completions.length, 1);
    assert.equal(flow.completions[0].error, undefined);
    assert.deepEqual(flow.statuses, [
      { fill: 'blue', shape: 'dot', text: 'removing PIN…' },
      { fill: 'green', shape: 'dot', text: 'PIN removed · Kids · 07:00' },
    ]);
  });

  describe('user id sources', () => {
    const accepted: Array<[string, unknown]> = [
      ['a number', KIDS],
      ['a digit string', String(KIDS)],
      ['a digit string with blanks', `  ${KIDS} `],
      ['a user object', { id: KIDS, title: 'Kids' }],
      ['a user object with a string id', { id: String(KIDS) }],
    ];
    for (const [what, payload] of accepted) {
      it(`accepts ${what} in msg.payload`, async () => {
        const flow = await loadFlow({ double });
        await send(flow, { payload });
        assert.equal(flow.user.length, 1);
        assert.equal(double.requests[0].path, `/api/v2/home/users/restricted/${KIDS}`);
      });
    }

    // "abc", "12a", "../1" and { title } are names now (see 'users by name'); these stay refused.
    const rejected: Array<[string, unknown]> = [
      ['an empty string', ''],
      ['a blank string', '   '],
      ['-1', -1],
      ['"-1"', '-1'],
      ['0', 0],
      ['1.5', 1.5],
      ['"1.5"', '1.5'],
      ['"1e3"', '1e3'],
      ['NaN', NaN],
      ['an array', [KIDS]],
      ['null', null],
      ['a number above 2^53', 2 ** 53 + 2],
      ['a missing payload', undefined],
      ['an object without id or title', { name: 'Kids' }],
      ['an object with a bad id and a title', { id: 'abc', title: 'Kids' }],
      ['an object with a blank title', { title: ' ' }],
    ];
    for (const [what, payload] of rejected) {
      it(`rejects ${what} with INVALID_USER_ID and no request`, async () => {
        clockAt(23, 59);
        const flow = await loadFlow({ double });
        const msg = await failWith(flow, { payload });
        assert.equal(msg.error?.code, 'INVALID_USER_ID');
        assert.equal(double.requests.length, 0);
        if (payload !== undefined && !Number.isNaN(payload))
          assert.deepEqual(msg.payload, payload, 'payload untouched');
        assert.deepEqual(flow.statuses.at(-1), {
          fill: 'red',
          shape: 'ring',
          text: 'INVALID_USER_ID · 23:59',
        });
      });
    }

    const sources: Array<[string, string, string, Record<string, unknown>]> = [
      ['another msg property', 'kid.id', 'msg', { kid: { id: KIDS } }],
      ['a fixed string', String(KIDS), 'str', {}],
      ['a fixed number', String(KIDS), 'num', {}],
      [
        'a JSONata expression',
        '$number(payload.kids[0])',
        'jsonata',
        { payload: { kids: [String(KIDS)] } },
      ],
      ['an environment variable', 'PLEX_HOME_TEST_USER', 'env', {}],
    ];
    for (const [what, userId, userIdType, msg] of sources) {
      it(`reads the id from ${what}`, async () => {
        process.env.PLEX_HOME_TEST_USER = String(KIDS);
        try {
          const flow = await loadFlow({ double, node: { userId, userIdType } });
          await send(flow, msg);
          assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
          assert.deepEqual((flow.user[0] as Out).plex, { userId: KIDS, statusCode: 201 });
        } finally {
          delete process.env.PLEX_HOME_TEST_USER;
        }
      });
    }

    it('reads the id from flow context', async () => {
      const flow = await loadFlow({ double, node: { userId: 'kid', userIdType: 'flow' } });
      flow.node.context().flow.set('kid', KIDS);
      await send(flow, { payload: 'ignored' });
      assert.equal(flow.user.length, 1);
    });

    it('reports a JSONata expression that fails as INVALID_USER_ID', async () => {
      const flow = await loadFlow({
        double,
        node: { userId: '$error("nope")', userIdType: 'jsonata' },
      });
      const msg = await failWith(flow, { payload: 1 });
      assert.equal(msg.error?.code, 'INVALID_USER_ID');
      assert.equal(
        msg.error?.message,
        'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
      );
    });
  });

  describe('users by name', () => {
    const names: Array<[string, unknown]> = [
      ['a title', 'Kids'],
      ['a title in another case, with blanks', '  kIDS '],
      ['a user object with a title and no id', { title: 'Kids', restricted: true }],
    ];
    for (const [what, payload] of names) {
      it(`resolves ${what} through the Home users list`, async () => {
        const flow = await loadFlow({ double });
        await send(flow, { payload });
        assert.equal(flow.user.length, 1, JSON.stringify(flow.error));
        assert.deepEqual((flow.user[0] as Out).plex, { userId: KIDS, statusCode: 201 });
        assert.deepEqual(
          double.requests.map((r) => `${r.method} ${r.path}`),
          ['GET /api/v2/home/users', `POST /api/v2/home/users/restricted/${KIDS}`],
        );
      });
    }

    // Strings that are neither ids nor known names: looked up, then refused without a PIN request.
    for (const payload of ['abc', '12a', '../1', 'Kidz']) {
      it(`answers NOT_FOUND for "${payload}" after one list request and no PIN request`, async () => {
        const flow = await loadFlow({ double });
        const msg = await failWith(flow, { payload });
        assert.equal(msg.error?.code, 'NOT_FOUND');
        assert.equal(msg.error?.statusCode, undefined, 'not a 404 from plex.tv');
        assert.equal(msg.payload, payload);
        assert.deepEqual(
          double.requests.map((r) => r.method),
          ['GET'],
        );
        assert.ok(!msg.error?.message.includes(payload), 'the name is not echoed');
      });
    }

    /** A Home member who is neither the administrator nor a managed user (restricted: false). */
    const addMember = () => {
      const parent = double.users.get(1);
      assert.ok(parent);
      const member = { ...parent, id: 45678901, title: 'Aunt May', username: 'aunt' };
      double.users.set(member.id, { ...member, admin: false, restricted: false, pin: '2222' });
    };
    const notManaged: Array<[string, string, number]> = [
      ["the administrator's title", 'Parent', 1],
      ["the administrator's username", 'parent', 1],
      ["a member's title who is not managed (restricted: false)", 'aunt may', 45678901],
    ];
    for (const [what, payload, userId] of notManaged) {
      it(`answers NOT_MANAGED with the userId for ${what}, without a PIN request`, async () => {
        addMember();
        const flow = await loadFlow({ double });
        const msg = await failWith(flow, { payload });
        assert.equal(msg.error?.code, 'NOT_MANAGED');
        assert.equal(msg.error?.userId, userId);
        assert.equal(msg.payload, payload);
        assert.deepEqual(
          double.requests.map((r) => `${r.method} ${r.path}`),
          ['GET /api/v2/home/users'],
        );
        assert.equal(double.users.get(1)?.pin, '9876', 'no PIN was touched');
      });
    }

    it("sends the administrator's numeric id as it is: plex.tv decides", async () => {
      const flow = await loadFlow({ double });
      const msg = await failWith(flow, { payload: 1 });
      assert.equal(msg.error?.code, 'NOT_FOUND');
      assert.equal(msg.error?.statusCode, 404);
      assert.deepEqual(
        double.requests.map((r) => `${r.method} ${r.path}`),
        ['POST /api/v2/home/users/restricted/1'],
      );
    });

    it('answers AMBIGUOUS_USER when two users have the title, without a PIN request', async () => {
      const kids = double.users.get(KIDS);
      assert.ok(kids);
      double.users.set(34567890, { ...kids, id: 34567890, title: 'KIDS', pin: '5555' });
      const flow = await loadFlow({ double });
      const msg = await failWith(flow, { payload: 'kids' });
      assert.equal(msg.error?.code, 'AMBIGUOUS_USER');
      assert.match(msg.error?.message ?? '', /12345678, 34567890/);
      assert.deepEqual(
        double.requests.map((r) => r.method),
        ['GET'],
      );
      assert.equal(double.users.get(KIDS)?.pin, '1234', 'no PIN was touched');
    });

    it('reports a failing list request with its own code and no PIN request', async () => {
      double.inject({ kind: 'status', status: 401, body: BODIES.unauthorized });
      const flow = await loadFlow({ double });
      const msg = await failWith(flow, { payload: 'Kids' });
      assert.equal(msg.error?.code, 'UNAUTHORIZED');
      assert.equal(double.requests.length, 1);
    });

    describe('the Home users cache', () => {
      let clock: sinon.SinonFakeTimers;
      beforeEach(() => {
        // Only Date is faked: the HTTP traffic and Node-RED keep their real timers.
        clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      });
      afterEach(() => clock.restore());

      const lists = () => double.requests.filter((r) => r.method === 'GET').length;
      const posts = () => double.requests.filter((r) => r.method === 'POST').length;

      it('fetches the list once for many removals within 60 s, and again after', async () => {
        const flow = await loadFlow({ double });
        for (let i = 0; i < 5; i++) flow.node.receive({ payload: 'Kids' } as NodeMessage);
        await flow.completed(5);
        assert.equal(lists(), 1, 'five concurrent look-ups share one request');
        clock.tick(30_000);
        await send(flow, { payload: 'teen' }, 6);
        clock.tick(29_999);
        await send(flow, { payload: 'Kids' }, 7);
        assert.equal(lists(), 1, 'still cached at 59.999 s');
        clock.tick(1);
        await send(flow, { payload: 'Kids' }, 8);
        assert.equal(lists(), 2, 'fetched again at 60 s');
        assert.equal(posts(), 8);
        assert.equal(flow.user.length, 8);
      });

      it('does not keep a failed list: the next message asks again', async () => {
        double.inject({ kind: 'status', status: 500, body: BODIES.html });
        const flow = await loadFlow({ double });
        await send(flow, { payload: 'Kids' });
        assert.equal((flow.error[0] as Out).error?.code, 'SERVER_ERROR');
        await send(flow, { payload: 'Kids' }, 2);
        assert.equal(flow.user.length, 1);
        assert.equal(lists(), 2);
      });

      it('ids never touch the list', async () => {
        const flow = await loadFlow({ double });
        await send(flow, { payload: KIDS });
        await send(flow, { payload: 'Kids' }, 2);
        assert.equal(lists(), 1);
        assert.equal(posts(), 2);
      });
    });
  });

  describe('errors', () => {
    it('NOT_CONFIGURED when the account has no token', async () => {
      const flow = await loadFlow({ double, token: null });
      const msg = await failWith(flow, { payload: KIDS });
      assert.equal(msg.error?.code, 'NOT_CONFIGURED');
      assert.equal(double.requests.length, 0);
    });

    it('NOT_CONFIGURED when no account is selected', async () => {
      const flow = await loadFlow({ double, node: { account: '' } });
      const msg = await failWith(flow, { payload: KIDS });
      assert.equal(msg.error?.code, 'NOT_CONFIGURED');
    });

    it('NOT_CONFIGURED when the base URL is not http(s)', async () => {
      const flow = await loadFlow({ double, account: { baseUrl: 'ftp://plex.tv' } });
      const msg = await failWith(flow, { payload: KIDS });
      assert.equal(msg.error?.code, 'NOT_CONFIGURED');
    });

    it('BAD_REQUEST 400/1000 when the account has no client id', async () => {
      const flow = await loadFlow({ double, account: { clientIdentifier: '' } });
      const msg = await failWith(flow, { payload: KIDS });
      assert.deepEqual(msg.error, {
        code: 'BAD_REQUEST',
        statusCode: 400,
        plexCode: 1000,
        userId: KIDS,
        message: 'plex.tv answered 400: X-Plex-Client-Identifier is missing',
      });
      assert.equal(msg.payload, KIDS);
    });

    it('UNAUTHORIZED 401/1001 for a wrong token', async () => {
      const flow = await loadFlow({ double, token: 'wrong-token' });
      const msg = await failWith(flow, { payload: KIDS });
      assert.deepEqual(
        [msg.error?.code, msg.error?.statusCode, msg.error?.plexCode],
        ['UNAUTHORIZED', 401, 1001],
      );
    });

    it('NOT_FOUND 404/1002 for an unknown user', async () => {
      const flow = await loadFlow({ double });
      const msg = await failWith(flow, { payload: 999 });
      assert.deepEqual(
        [msg.error?.code, msg.error?.statusCode, msg.error?.plexCode, msg.error?.userId],
        ['NOT_FOUND', 404, 1002, 999],
      );
    });

    const injected: Array<[string, Fault, number | undefined]> = [
      ['FORBIDDEN', { kind: 'status', status: 403, body: BODIES.managedNotAllowed }, 1009],
      ['RATE_LIMITED', { kind: 'status', status: 429, body: BODIES.rateLimitedJson }, 1003],
      [
        'SERVER_ERROR',
        { kind: 'status', status: 502, body: BODIES.html, contentType: 'text/html' },
        undefined,
      ],
      ['HTTP_ERROR', { kind: 'status', status: 409, body: '' }, undefined],
      ['BAD_RESPONSE', { kind: 'status', status: 201, body: '<user title="no id"/>' }, undefined],
    ];
    for (const [code, fault, plexCode] of injected) {
      it(`${code} on output 2`, async () => {
        clockAt(6, 5);
        double.inject(fault);
        const flow = await loadFlow({ double });
        const msg = await failWith(flow, { payload: KIDS, topic: 't' });
        assert.equal(msg.error?.code, code);
        assert.equal(msg.error?.plexCode, plexCode);
        assert.equal(msg.error?.userId, KIDS);
        assert.equal(msg.topic, 't');
        assert.equal(msg.payload, KIDS);
        assert.deepEqual(flow.statuses.at(-1), {
          fill: 'red',
          shape: 'ring',
          text: `${code} · 06:05`,
        });
      });
    }

    it('TIMEOUT when plex.tv does not answer in time', async () => {
      double.inject({ kind: 'hang' });
      const flow = await loadFlow({ double, account: { timeout: 200 } });
      const msg = await failWith(flow, { payload: KIDS });
      assert.equal(msg.error?.code, 'TIMEOUT');
    });

    it('NETWORK when plex.tv cannot be reached', async () => {
      const flow = await loadFlow({ account: { baseUrl: 'http://127.0.0.1:9' } });
      const msg = await failWith(flow, { payload: KIDS });
      assert.equal(msg.error?.code, 'NETWORK');
    });

    it('retries a 429 and then succeeds, still with one output message', async () => {
      double.inject(
        {
          kind: 'status',
          status: 429,
          body: BODIES.rateLimitedJson,
          headers: { 'Retry-After': '0' },
        },
        2,
      );
      const flow = await loadFlow({ double, account: { retries: 2 } });
      await send(flow, { payload: KIDS });
      assert.equal(double.requests.length, 3);
      assert.equal(flow.user.length, 1);
      assert.equal(flow.error.length, 0);
      assert.equal(flow.completions.length, 1);
    });

    it('with no wire on output 2, reports the error through done(err) for Catch nodes', async () => {
      const flow = await loadFlow({ double, token: 'wrong-token', errorWired: false });
      await send(flow, { payload: KIDS });
      assert.equal(flow.user.length + flow.error.length, 0);
      const [completion] = flow.completions;
      assert.equal((completion.error as { code?: string } | undefined)?.code, 'UNAUTHORIZED');
      assert.equal((completion.msg as Out).error?.code, 'UNAUTHORIZED');
    });
  });

  describe('lifecycle', () => {
    it('on close aborts requests in flight, calls every done() and sends nothing after', async () => {
      double.inject({ kind: 'hang' }, Infinity);
      const flow = await loadFlow({ double, account: { timeout: 60_000, maxConcurrent: 4 } });
      for (let i = 0; i < 10; i++) flow.node.receive({ payload: KIDS } as NodeMessage);
      await waitFor(() => double.requests.length === 4, '4 requests at the double');
      const started = Date.now();
      await helper.clearFlows();
      const closeMs = Date.now() - started;
      await flow.completed(10);
      assert.ok(closeMs < 2000, `close took ${closeMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(flow.user.length + flow.error.length, 0);
      assert.equal(flow.completions.length, 10);
      assert.ok(flow.completions.every((c) => c.error === undefined));
      assert.equal(double.requests.length, 4, 'queued messages never reached plex.tv');
    });

    it('answers every message of a burst exactly once, with at most maxConcurrent in flight', async () => {
      double.latencyMs = 2;
      const flow = await loadFlow({ double, account: { maxConcurrent: 3 } });
      const ids = [KIDS, 23456789, 999];
      for (let i = 0; i < 60; i++) flow.node.receive({ payload: ids[i % 3], n: i } as NodeMessage);
      await flow.completed(60);
      assert.equal(flow.user.length, 40);
      assert.equal(flow.error.length, 20);
      const seen = [...flow.user, ...flow.error]
        .map((m) => (m as Out).n as number)
        .sort((a, b) => a - b);
      assert.deepEqual(
        seen,
        Array.from({ length: 60 }, (_, i) => i),
      );
      assert.ok(double.peakInFlight <= 3, `peak ${double.peakInFlight}`);
    });
  });

  it('never lets the token out: outputs, statuses, logs, errors and URLs', async () => {
    const said: string[] = [];
    const run = async (
      options: Parameters<typeof loadFlow>[0],
      payloads: unknown[],
      faults: Fault[] = [],
    ) => {
      for (const fault of faults) double.inject(fault);
      const flow = await loadFlow({ double, ...options });
      for (const payload of payloads) flow.node.receive({ payload } as NodeMessage);
      await flow.completed(payloads.length);
      said.push(flow.everythingSaid());
      await helper.unload();
    };
    await run({}, [KIDS, 23456789, 999, 'abc', null, { id: KIDS }]);
    await run(
      { errorWired: false },
      [999, 'abc', KIDS],
      [
        {
          kind: 'status',
          status: 401,
          body: `<errors><error code="1001" message="token ${DOUBLE_TOKEN} refused"/></errors>`,
        },
      ],
    );
    await run({ token: `${DOUBLE_TOKEN}-wrong` }, [KIDS]);
    await run({ account: { clientIdentifier: '' } }, [KIDS]);
    await run(
      {},
      [KIDS, KIDS, KIDS, KIDS],
      [
        { kind: 'status', status: 500, body: BODIES.html },
        { kind: 'status', status: 429, body: BODIES.rateLimitedJson },
        { kind: 'reset' },
        { kind: 'status', status: 201, body: 'garbage' },
      ],
    );
    await run({ account: { timeout: 100 } }, [KIDS], [{ kind: 'hang' }]);
    await run({ account: { baseUrl: 'http://127.0.0.1:9' } }, [KIDS]);
    const text = said.join('\n');
    assert.ok(text.length > 1000, 'the search covered real output');
    assert.ok(text.includes('UNAUTHORIZED') && text.includes('NETWORK') && text.includes('Kids'));
    assert.ok(!text.includes(DOUBLE_TOKEN), 'the token leaked');
    assert.ok(double.requests.length > 5);
    for (const request of double.requests) assert.ok(!request.url.includes(DOUBLE_TOKEN));
  });
});
