import assert from 'node:assert/strict';
import sinon from 'sinon';
import { PlexTvError } from '../src/lib/errors';
import type { AccountUser } from '../src/lib/sign-in';
import {
  CHECK_INTERVAL_MS,
  CHECK_RETRY_MS,
  PING_INTERVAL_MS,
  TokenHealth,
  type TokenState,
} from '../src/lib/token-health';

const PARENT: AccountUser = {
  id: 1,
  uuid: 'u1',
  username: 'parent',
  title: 'Parent',
  homeAdmin: true,
};
const TEEN: AccountUser = { id: 2, uuid: 'u2', username: '', title: 'Teen', homeAdmin: false };
const refused = () => new PlexTvError('UNAUTHORIZED', 'plex.tv answered 401', { statusCode: 401 });
const unreachable = () => new PlexTvError('NETWORK', 'Could not talk to plex.tv (ECONNREFUSED)');

/** A TokenHealth whose plex.tv answers from `answers`, one per check, recording what it heard. */
function healthOf(answers: Array<AccountUser | PlexTvError>) {
  const seen: TokenState[] = [];
  const calls = { whoAmI: 0, ping: 0 };
  const health = new TokenHealth({
    whoAmI: async () => {
      const answer = answers[Math.min(calls.whoAmI++, answers.length - 1)];
      if (answer instanceof PlexTvError) throw answer;
      return answer;
    },
    ping: async () => void calls.ping++,
  });
  health.subscribe((state) => seen.push(state));
  return { health, seen, calls };
}

describe('token health', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: new Date(2026, 5, 1, 7, 0, 0) });
  });
  afterEach(() => sinon.restore());

  it('checks once at start: the administrator is signed in', async () => {
    const { health, seen, calls } = healthOf([PARENT]);
    health.start();
    await clock.tickAsync(0);
    assert.deepEqual(seen, ['unchecked', 'signed-in']);
    assert.equal(health.user, PARENT);
    assert.equal(calls.whoAmI, 1);
    health.close();
  });

  it("another member's token: not-admin", async () => {
    const { health, seen } = healthOf([TEEN]);
    health.start();
    await clock.tickAsync(0);
    assert.deepEqual(seen, ['unchecked', 'not-admin']);
    health.close();
  });

  it('a refused token: signed-out, and no check again on a timer', async () => {
    const { health, seen, calls } = healthOf([refused()]);
    health.start();
    await clock.tickAsync(CHECK_RETRY_MS.at(-1)! * 3);
    assert.deepEqual(seen, ['unchecked', 'signed-out']);
    assert.equal(calls.whoAmI, 1);
    health.close();
  });

  it('no answer: nothing changes, and it asks again later, backing off', async () => {
    const { health, seen, calls } = healthOf([unreachable(), unreachable(), unreachable(), PARENT]);
    const timeouts = sinon.spy(globalThis, 'setTimeout');
    health.start();
    await clock.tickAsync(0);
    assert.deepEqual(seen, ['unchecked']);
    assert.equal(calls.whoAmI, 1);
    assert.equal(timeouts.callCount, 1);
    assert.equal(timeouts.returnValues[0].hasRef(), false, 'the retry timer is unref()ed');
    await clock.tickAsync(CHECK_RETRY_MS[0] - 1);
    assert.equal(calls.whoAmI, 1, 'not before the first delay');
    await clock.tickAsync(1);
    assert.equal(calls.whoAmI, 2);
    await clock.tickAsync(CHECK_RETRY_MS[1]);
    assert.equal(calls.whoAmI, 3);
    await clock.tickAsync(CHECK_RETRY_MS[2] - 1);
    assert.equal(calls.whoAmI, 3, 'the third wait is longer');
    await clock.tickAsync(1);
    assert.equal(calls.whoAmI, 4);
    assert.deepEqual(seen, ['unchecked', 'signed-in']);
    await clock.tickAsync(CHECK_RETRY_MS.at(-1)! * 2);
    assert.equal(calls.whoAmI, 4, 'answered: no more checks on a timer');
    health.close();
  });

  it('an answer that will not pass by waiting (400, a strange body): no retry on a timer', async () => {
    const missingId = new PlexTvError('BAD_REQUEST', 'plex.tv answered 400', { statusCode: 400 });
    for (const error of [missingId, new PlexTvError('BAD_RESPONSE', 'no user')]) {
      const { health, seen, calls } = healthOf([error]);
      health.start();
      await clock.tickAsync(CHECK_RETRY_MS.at(-1)! * 2);
      assert.deepEqual(seen, ['unchecked']);
      assert.equal(calls.whoAmI, 1);
      health.close();
    }
  });

  it('uses the token once every 24 hours, on timers that never keep the process alive', async () => {
    const { health, calls } = healthOf([PARENT]);
    const intervals = sinon.spy(globalThis, 'setInterval');
    health.start();
    await clock.tickAsync(PING_INTERVAL_MS - 1);
    assert.equal(calls.ping, 0);
    await clock.tickAsync(1);
    assert.equal(calls.ping, 1);
    await clock.tickAsync(PING_INTERVAL_MS * 6);
    assert.equal(calls.ping, 7, 'once a day for a week');
    assert.equal(intervals.callCount, 1);
    assert.equal(intervals.returnValues[0].hasRef(), false, 'the keep-alive timer is unref()ed');
    health.close();
    await clock.tickAsync(PING_INTERVAL_MS * 3);
    assert.equal(calls.ping, 7, 'nothing after close');
    assert.equal(clock.countTimers(), 0);
  });

  it('close clears a pending retry, and later answers change nothing', async () => {
    const { health, seen, calls } = healthOf([unreachable(), PARENT]);
    health.start();
    await clock.tickAsync(0);
    health.close();
    assert.equal(clock.countTimers(), 0);
    await clock.tickAsync(CHECK_RETRY_MS[0] * 2);
    assert.equal(calls.whoAmI, 1);
    health.refused();
    assert.deepEqual(seen, ['unchecked']);
  });

  it('UNAUTHORIZED from any request flips it; a later success brings the last sign-in back', async () => {
    const { health, seen } = healthOf([PARENT]);
    health.start();
    await clock.tickAsync(0);
    health.refused();
    health.refused();
    assert.equal(health.state, 'signed-out');
    health.accepted();
    health.accepted();
    assert.deepEqual(seen, ['unchecked', 'signed-in', 'signed-out', 'signed-in']);
    health.close();
  });

  it('a success after a refusal, never having been checked: unchecked again', () => {
    const { health, seen } = healthOf([PARENT]);
    health.refused();
    health.accepted();
    assert.deepEqual(seen, ['unchecked', 'signed-out', 'unchecked']);
    health.close();
  });

  it('checks within 10 s share one answer, however many ask', async () => {
    const { health, calls } = healthOf([PARENT, TEEN]);
    const users = await Promise.all(Array.from({ length: 100 }, () => health.check()));
    assert.ok(users.every((user) => user === PARENT));
    assert.equal(calls.whoAmI, 1);
    await clock.tickAsync(CHECK_INTERVAL_MS - 1);
    await health.check();
    assert.equal(calls.whoAmI, 1);
    await clock.tickAsync(1);
    assert.equal(await health.check(), TEEN);
    assert.equal(health.state, 'not-admin');
    assert.equal(calls.whoAmI, 2);
    health.close();
  });

  it('without a token: no-token, no request, no timer; a check says NOT_CONFIGURED', async () => {
    const health = new TokenHealth();
    const seen: TokenState[] = [];
    health.subscribe((state) => seen.push(state));
    health.start();
    assert.equal(clock.countTimers(), 0);
    await assert.rejects(health.check(), { code: 'NOT_CONFIGURED' });
    assert.deepEqual(seen, ['no-token']);
    assert.equal(new TokenHealth({ hasToken: true }).state, 'unchecked');
  });

  it('a listener that throws does not keep the others from hearing', async () => {
    const { health, seen } = healthOf([PARENT]);
    health.subscribe((state) => {
      if (state !== 'unchecked') throw new Error('listener fault');
    });
    health.start();
    await clock.tickAsync(0);
    assert.deepEqual(seen, ['unchecked', 'signed-in']);
    health.close();
  });

  it('unsubscribing stops the calls', async () => {
    const health = new TokenHealth({ whoAmI: async () => PARENT });
    const seen: TokenState[] = [];
    const unsubscribe = health.subscribe((state) => seen.push(state));
    unsubscribe();
    health.start();
    await clock.tickAsync(0);
    assert.deepEqual(seen, ['unchecked']);
    health.close();
  });
});
