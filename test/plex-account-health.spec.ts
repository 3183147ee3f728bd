import assert from 'node:assert/strict';
import sinon from 'sinon';
import type { NodeMessage } from 'node-red';
import { helper, loadFlow, send, useNodeRedWithDouble } from './support/flow';
import { clockAt } from './support/nodes';
import { DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';
import type { PlexAccountNode } from '../src/nodes/plex-account';
import { CHECK_RETRY_MS, PING_INTERVAL_MS } from '../src/lib/token-health';

/**
 * The account's sign-in health as its nodes show it: the check at start, the status under
 * every node using the account without any message sent, the warning, the flip on an
 * UNAUTHORIZED answer and back, the retry after no answer and the daily keep-alive.
 */

const TEEN = 23456789;
const SIGN_IN_NEEDED = { fill: 'red', shape: 'ring', text: 'sign-in needed · 07:00' };
const NOT_ADMIN = { fill: 'yellow', shape: 'ring', text: 'not Home admin · 07:00' };

/**
 * Every status node `id` has set since the flow was loaded, from the moment it was made. The
 * test helper spies on Node-RED's Node.prototype.status for the whole load.
 */
function statusesOf(id: string): unknown[] | undefined {
  const prototype = Object.getPrototypeOf(helper.getNode('acc')) as {
    status: { getCalls(): Array<{ thisValue: { id?: string }; args: unknown[] }> };
  };
  const calls = prototype.status.getCalls().filter((call) => call.thisValue.id === id);
  return calls.length > 0 ? calls.map((call) => call.args[0]) : undefined;
}

/** A remove-PIN node (n1) and a home-users node (n2), both using the account. */
const twoNodes = {
  extraNodes: [
    {
      id: 'n2',
      type: 'plex-home-users',
      account: 'acc',
      filter: '',
      filterType: 'str',
      wires: [[], []],
    },
  ],
};

describe('plex-account: sign-in health under the nodes', () => {
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  const statuses = { get: statusesOf };
  beforeEach(() => {
    double = currentDouble();
  });
  afterEach(() => sinon.restore());

  const warnings = () =>
    helper
      .log()
      .args.map((args) => args[0] as { level: number; type?: string; msg: unknown })
      .filter((entry) => entry.level === 30 && entry.type === 'plex-account')
      .map((entry) => String(entry.msg));
  const everythingLogged = () => JSON.stringify(helper.log().args);
  const userChecks = () => double.requests.filter((r) => r.path === '/api/v2/user').length;

  const deaths: Array<[string, 401 | 422 | 498]> = [
    ['401', 401],
    ['422 "Invalid token" (a password reset)', 422],
    ['498 (expired)', 498],
  ];
  for (const [how, status] of deaths) {
    it(`a token refused with ${how}: "sign-in needed" under every node at once, one warning`, async () => {
      clockAt(7, 0);
      double.revoke(DOUBLE_TOKEN, status);
      const flow = await loadFlow({ double, translated: true, ...twoNodes });
      assert.deepEqual(statuses.get('n1'), [SIGN_IN_NEEDED]);
      assert.deepEqual(statuses.get('n2'), [SIGN_IN_NEEDED]);
      assert.equal(flow.completions.length, 0, 'no message was sent');
      const refused = warnings().filter((w) => w.includes('refused'));
      assert.deepEqual(refused, [
        "plex.tv refused this Plex account's token (signed out, or the password was reset): open the plex-account node and sign in with Plex again",
      ]);
      assert.ok(!everythingLogged().includes(DOUBLE_TOKEN));
    });
  }

  it('another member\'s token: a yellow ring "not Home admin" and a warning naming who', async () => {
    clockAt(7, 0);
    await loadFlow({ double, translated: true, token: double.tokenOf(TEEN), ...twoNodes });
    assert.deepEqual(statuses.get('n1'), [NOT_ADMIN]);
    assert.deepEqual(statuses.get('n2'), [NOT_ADMIN]);
    assert.ok(
      warnings().includes(
        "This Plex account is signed in as Teen, who is not the Plex Home administrator: the Plex nodes need the administrator's sign-in",
      ),
    );
    assert.ok(!everythingLogged().includes(double.tokenOf(TEEN)));
  });

  it("the administrator's token: signed in, no status, no warning", async () => {
    await loadFlow({ double, translated: true, ...twoNodes });
    const account = helper.getNode('acc') as PlexAccountNode;
    assert.equal(account.health.state, 'signed-in');
    assert.equal(statuses.get('n1'), undefined);
    assert.deepEqual(
      warnings().filter((w) => !w.includes('not to plex.tv')),
      [],
    );
  });

  it('no token: "sign-in needed" at once, nothing asked of plex.tv', async () => {
    clockAt(7, 0);
    await loadFlow({ double, translated: true, token: null, ...twoNodes });
    assert.deepEqual(statuses.get('n1'), [SIGN_IN_NEEDED]);
    assert.equal(double.connections, 0);
  });

  it('no token: a message fails NOT_CONFIGURED and the node still says "sign-in needed"', async () => {
    clockAt(7, 0);
    const flow = await loadFlow({ double, translated: true, token: null, ...twoNodes });
    await send(flow, { payload: 12345678 });
    const [failed] = flow.error as Array<NodeMessage & { error?: { code: string } }>;
    assert.equal(failed.error?.code, 'NOT_CONFIGURED');
    // Shown once at start and kept: no error code over it, no second status for a status node.
    assert.deepEqual(statuses.get('n1'), [SIGN_IN_NEEDED]);
    assert.equal(double.connections, 0);
  });

  const unusable: Array<[string, Parameters<typeof loadFlow>[0]]> = [
    ['a plex.tv URL no client takes', { account: { baseUrl: 'ftp://x' } }],
    ['a token with a line break in it', { token: `${DOUBLE_TOKEN}\nX-Evil: 1` }],
    ['a client id with a line break in it', { account: { clientIdentifier: 'id\r\nX-Evil: 1' } }],
  ];
  for (const [what, options] of unusable) {
    it(`${what}: no health status, nothing sent, NOT_CONFIGURED per message`, async () => {
      const flow = await loadFlow({ double, translated: true, ...options });
      assert.equal(statuses.get('n1'), undefined);
      await send(flow, { payload: 12345678 });
      const [failed] = flow.error as Array<NodeMessage & { error?: { code: string } }>;
      assert.equal(failed.error?.code, 'NOT_CONFIGURED');
      assert.equal(double.connections, 0);
      assert.ok(!flow.everythingSaid().includes('X-Evil'));
    });
  }

  it('an UNAUTHORIZED answer to a message flips every node; the next success clears the status', async () => {
    clockAt(7, 0);
    const flow = await loadFlow({ double, translated: true, ...twoNodes });
    double.revoke(DOUBLE_TOKEN, 422);
    await send(flow, { payload: 12345678 });
    const [failed] = flow.error as Array<
      NodeMessage & { error?: { code: string; statusCode: number } }
    >;
    assert.deepEqual([failed.error?.code, failed.error?.statusCode], ['UNAUTHORIZED', 422]);
    assert.deepEqual(statuses.get('n1')?.at(-1), SIGN_IN_NEEDED, 'the node that got the answer');
    assert.deepEqual(statuses.get('n2'), [SIGN_IN_NEEDED], 'and the one that sent nothing');
    assert.equal(warnings().filter((w) => w.includes('refused')).length, 1);
    // Another refusal: no second warning.
    await send(flow, { payload: 12345678 }, 2);
    assert.equal(warnings().filter((w) => w.includes('refused')).length, 1);

    double.revoked.clear();
    await send(flow, { payload: 12345678 }, 3);
    assert.equal(flow.user.length, 1);
    assert.equal((statuses.get('n1')?.at(-1) as { fill?: string }).fill, 'green');
    assert.deepEqual(statuses.get('n2'), [SIGN_IN_NEEDED, {}], 'cleared where it showed');
    assert.ok(!flow.everythingSaid().includes(DOUBLE_TOKEN));
  });

  it('a refusal that is not UNAUTHORIZED (403) leaves the sign-in as it was', async () => {
    const flow = await loadFlow({ double, translated: true });
    const account = helper.getNode('acc') as PlexAccountNode;
    double.inject({ kind: 'status', status: 403, body: '' });
    await send(flow, { payload: 12345678 });
    assert.equal(account.health.state, 'signed-in', 'a 403 is not a sign-in problem');
  });

  describe('on a fake clock', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      // setImmediate stays real: the HTTP traffic and Node-RED's message delivery use it.
      clock = sinon.useFakeTimers({
        now: new Date(2026, 5, 1, 7, 0, 0),
        toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      });
    });

    it('no answer at start: nothing changes; it asks again later and then shows what it hears', async () => {
      double.inject({ kind: 'status', status: 503, body: '', only: /^\/api\/v2\/user$/ });
      await loadFlow({ double, translated: true, ...twoNodes });
      const account = helper.getNode('acc') as PlexAccountNode;
      assert.equal(account.health.state, 'unchecked');
      assert.equal(statuses.get('n1'), undefined);
      assert.deepEqual(
        warnings().filter((w) => !w.includes('not to plex.tv')),
        [],
      );
      double.revoke(DOUBLE_TOKEN);
      await clock.tickAsync(CHECK_RETRY_MS[0] - 1);
      assert.equal(userChecks(), 0);
      await clock.tickAsync(1);
      await until(() => account.health.state === 'signed-out');
      assert.equal(userChecks(), 1);
      assert.deepEqual(statuses.get('n1'), [SIGN_IN_NEEDED]);
    });

    it('uses the token once a day while deployed, and stops when the account goes', async () => {
      await loadFlow({ double, translated: true });
      const pings = () => double.requests.filter((r) => r.path === '/api/v2/ping').length;
      await clock.tickAsync(PING_INTERVAL_MS - 1);
      assert.equal(pings(), 0);
      await clock.tickAsync(1);
      await until(() => pings() === 1);
      assert.equal(
        double.requests.find((r) => r.path === '/api/v2/ping')?.headers['x-plex-token'],
        DOUBLE_TOKEN,
      );
      await clock.tickAsync(PING_INTERVAL_MS);
      await until(() => pings() === 2);
      // The ping finds the token dead: the nodes say so.
      double.revoke(DOUBLE_TOKEN, 498);
      await clock.tickAsync(PING_INTERVAL_MS);
      const account = helper.getNode('acc') as PlexAccountNode;
      await until(() => account.health.state === 'signed-out');
      await helper.unload();
      await clock.tickAsync(PING_INTERVAL_MS * 3);
      assert.equal(pings(), 3);
      assert.equal(clock.countTimers(), 0, 'no timer outlives the account');
    });
  });

  it('sends the device name as a header can carry it, and says so once', async () => {
    await loadFlow({ double, translated: true, account: { deviceName: 'Küche 🦊\nPi' } });
    const flow = { node: helper.getNode('n1') };
    flow.node.receive({ payload: 12345678 } as NodeMessage);
    await until(() => double.requests.length === 1);
    assert.equal(double.requests[0].headers['x-plex-device-name'], 'Kuche Pi');
    assert.deepEqual(
      warnings().filter((w) => w.includes('device name')),
      [
        'The device name is sent as "Kuche Pi": a header carries only ASCII letters, digits and punctuation',
      ],
    );
  });
});

/** Polls on setImmediate, which the fake clock leaves real. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('never happened');
}
