import assert from 'node:assert/strict';
import sinon from 'sinon';
import { findHomeUser, pickerUsers } from '../src/lib/home-users';
import { HOME_USERS_REFRESH_MS, HOME_USERS_TTL_MS } from '../src/lib/plex-tv-client';
import { PlexTvError } from '../src/lib/errors';
import type { PlexUser } from '../src/lib/plex-user';
import { DOUBLE_HOME, DOUBLE_TOKEN, hashPin, userToken } from './double/plex-tv-double';
import { rejection, useClientWithDouble } from './support/client';

const KIDS = 12345678;
const TEEN = 23456789;

describe('findHomeUser', () => {
  const users: PlexUser[] = [
    { id: 1, title: 'Parent', username: 'mum' },
    { id: 2, title: 'Kids', username: '' },
    { id: 3, title: 'Mum', username: 'someone' },
    { id: 4, title: 'Teen', username: 'teen.one' },
    { id: 5, title: 'Twin', username: 'twin1' },
    { id: 6, title: 'twin', username: 'twin2' },
    { id: 7, title: 'Élodie' },
  ];

  const matches: Array<[string, number]> = [
    ['Kids', 2],
    ['KIDS', 2],
    [' kids ', 2],
    ['mum', 3], // a title beats another user's username
    ['teen.one', 4],
    ['TEEN.ONE', 4],
    ['twin2', 6],
    ['élodie', 7],
    ['E\u0301lodie', 7], // the same name, decomposed
  ];
  for (const [name, id] of matches) {
    it(`"${name}" -> ${id}`, () => assert.equal(findHomeUser(users, name).id, id));
  }

  it('two titles -> AMBIGUOUS_USER naming the ids', () => {
    assert.throws(() => findHomeUser(users, 'twin'), {
      code: 'AMBIGUOUS_USER',
      message: '2 Plex Home users have that title (ids 5, 6): give the id instead',
    });
  });

  it('two usernames -> AMBIGUOUS_USER', () => {
    const same: PlexUser[] = [
      { id: 8, title: 'A', username: 'x' },
      { id: 9, title: 'B', username: 'X' },
    ];
    assert.throws(() => findHomeUser(same, 'x'), { code: 'AMBIGUOUS_USER' });
  });

  it('no match -> NOT_FOUND, without the name; empty usernames never match', () => {
    assert.throws(
      () => findHomeUser(users, 'Grandma'),
      (error: unknown) => {
        assert.ok(error instanceof PlexTvError);
        assert.equal(error.code, 'NOT_FOUND');
        assert.ok(!error.message.includes('Grandma'));
        return true;
      },
    );
    assert.throws(() => findHomeUser([{ id: 1, username: '' }], ' '), { code: 'NOT_FOUND' });
  });

  it('pickerUsers keeps the managed users, and only their id, title and PIN state', () => {
    const picked = pickerUsers([
      { id: 1, title: 'Parent', restricted: false, protected: true, email: 'p@example.com' },
      { id: 2, title: 'Kids', restricted: true, protected: true, thumb: 'https://x' },
      { id: 3, restricted: true },
    ]);
    assert.deepEqual(picked, [
      { id: 2, title: 'Kids', protected: true },
      { id: 3, title: '', protected: null },
    ]);
  });
});

describe('PlexTvClient: Home users and PINs', () => {
  let now: number;
  const env = useClientWithDouble(() => ({ now: () => now }));
  const make = env.make;
  beforeEach(() => (now = 1_000_000));
  const lists = () => env.double.requests.filter((r) => r.method === 'GET').length;
  /** The next answer: a Home users list in plex.tv's JSON form. */
  const answerJson = (home: Record<string, unknown>) =>
    env.double.inject({
      kind: 'status',
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ id: 1, name: 'My Home', ...home }),
    });

  describe('listHomeUsers', () => {
    it('reads the XML list: the Home typed, the users through parseUser', async () => {
      const result = await make().listHomeUsers();
      assert.equal(result.statusCode, 200);
      assert.deepEqual(result.home, DOUBLE_HOME);
      assert.deepEqual(
        result.users.map((u) => u.id),
        [1, KIDS, TEEN],
      );
      const { user: removed } = await env.client.removeManagedUserPin(TEEN);
      const listed = (await env.client.listHomeUsers()).users[2];
      assert.deepEqual(listed, removed, 'the same parser as the PIN answers');
      assert.equal(env.double.requests[0].url, '/api/v2/home/users');
      assert.equal(env.double.requests[0].headers['x-plex-token'], DOUBLE_TOKEN);
    });

    it('reads the JSON list', async () => {
      const xml = await make().listHomeUsers();
      answerJson({
        guestEnabled: false,
        subscription: true,
        users: [
          { id: KIDS, title: 'Kids', restricted: true, protected: true, updatedAt: 1722343001 },
          'not a user',
        ],
      });
      const json = await env.client.listHomeUsers();
      const first: PlexUser = json.users[0];
      assert.deepEqual(json.home, {
        id: 1,
        name: 'My Home',
        guestEnabled: false,
        subscription: true,
      });
      assert.deepEqual(json.users, [
        { id: KIDS, title: 'Kids', restricted: true, protected: true, updatedAt: 1722343001 },
      ]);
      const kids = xml.users[1];
      for (const key of ['id', 'title', 'restricted', 'protected', 'updatedAt'])
        assert.equal(first[key], kids[key], key);
    });

    it('reads users directly under <home>, and skips users without an id', async () => {
      env.double.inject({
        kind: 'status',
        status: 200,
        body: '<home name="H"><user id="5" title="A"/><user title="no id"/><other/></home>',
      });
      const result = await make().listHomeUsers();
      assert.deepEqual(result.users, [{ id: 5, title: 'A' }]);
      assert.deepEqual(result.home, { name: 'H' });
    });

    const unreadable: Array<[string, string]> = [
      ['a user element', '<user id="1"/>'],
      ['JSON without users', '{"id":1}'],
      ['garbage', 'not a list'],
    ];
    for (const [what, body] of unreadable) {
      it(`200 with ${what} -> BAD_RESPONSE`, async () => {
        env.double.inject({ kind: 'status', status: 200, body });
        const error = await rejection(make().listHomeUsers());
        assert.equal(error.code, 'BAD_RESPONSE');
        assert.equal(error.statusCode, 200);
      });
    }
  });

  describe('setManagedUserPin', () => {
    it('POSTs ?pin=NNNN to the restricted user path and returns the user', async () => {
      const { user, statusCode } = await make().setManagedUserPin(TEEN, '0420');
      assert.equal(statusCode, 201);
      assert.equal(user.protected, true);
      assert.equal(env.double.users.get(TEEN)?.pin, '0420');
      assert.equal(env.double.requests[0].method, 'POST');
      assert.equal(env.double.requests[0].url, `/api/v2/home/users/restricted/${TEEN}?pin=0420`);
    });

    for (const pin of ['123', '12345', 'abcd', '', ' 1234']) {
      it(`refuses "${pin}" with INVALID_PIN and sends nothing`, async () => {
        const error = await rejection(make().setManagedUserPin(KIDS, pin));
        assert.equal(error.code, 'INVALID_PIN');
        assert.equal(env.double.requests.length, 0);
      });
    }

    it('a 1038 from plex.tv -> BAD_REQUEST with the user id', async () => {
      env.double.inject({
        kind: 'status',
        status: 400,
        body: '<errors><error code="1038" message="PIN must be 4 digits" status="400"/></errors>',
      });
      const error = await rejection(make().setManagedUserPin(KIDS, '1111'));
      assert.deepEqual([error.code, error.plexCode, error.userId], ['BAD_REQUEST', 1038, KIDS]);
    });

    it('takes the PIN of that request, and the token, out of a server message echoing them', async () => {
      env.double.inject({
        kind: 'status',
        status: 403,
        body: `<errors><error code="1041" message="PIN 7391 refused for ${DOUBLE_TOKEN}"/></errors>`,
      });
      const error = await rejection(make().setManagedUserPin(KIDS, '7391'));
      assert.equal(error.message, 'plex.tv answered 403: PIN [redacted] refused for [redacted]');
    });

    it("leaves a message alone that holds another request's PIN (only that request's are taken)", async () => {
      make();
      await env.client.setManagedUserPin(KIDS, '7391');
      env.double.inject({
        kind: 'status',
        status: 400,
        body: '<errors><error code="1004" message="Order 7391 of 2015"/></errors>',
      });
      const error = await rejection(env.client.removeManagedUserPin(TEEN));
      assert.equal(error.message, 'plex.tv answered 400: Order 7391 of 2015');
    });
  });

  describe('user data after PINs were sent', () => {
    const TEEN_2015 = {
      title: 'Teen 2015',
      email: 'teen2015@example.com',
      thumb: 'https://plex.tv/users/2015cafe2015/avatar?c=1722342015',
      uuid: '2015cafe2015beef',
    };

    it('passes titles, e-mails, uuids and thumbs byte for byte, and names with digits resolve', async () => {
      const teen = env.double.users.get(TEEN);
      assert.ok(teen);
      Object.assign(teen, TEEN_2015);
      make();
      await env.client.setManagedUserPin(KIDS, '2015');
      await env.client.setManagedUserPin(TEEN, '1722');
      const { users } = await env.client.listHomeUsers();
      const listed = users.find((u) => u.id === TEEN);
      assert.deepEqual(
        { title: listed?.title, email: listed?.email, thumb: listed?.thumb, uuid: listed?.uuid },
        TEEN_2015,
      );
      assert.equal(await env.client.resolveManagedUserId({ name: 'Teen 2015' }), TEEN);
      assert.equal(await env.client.resolveUserId({ name: 'teen 2015' }), TEEN);
      const { user } = await env.client.removeManagedUserPin(TEEN);
      assert.equal(user.title, 'Teen 2015');
      assert.equal(user.email, 'teen2015@example.com');
    });

    it('drops the authToken and hashed pin plex.tv lists with users, from every answer', async () => {
      env.double.secretAttributes = true;
      make();
      await env.client.setManagedUserPin(KIDS, '2468');
      const kids = env.double.users.get(KIDS);
      assert.ok(kids);
      const listed = await env.client.listHomeUsers();
      const cached = await env.client.cachedHomeUsers();
      const outputs = [
        listed,
        cached,
        await env.client.setManagedUserPin(TEEN, '1357'),
        await env.client.removeManagedUserPin(KIDS),
      ];
      // The double did send them: the answers carried the user tokens and the hashes.
      env.double.secretAttributes = false;
      const said = JSON.stringify(outputs);
      for (const secret of [userToken(kids), hashPin('1357'), '2468', '1357', DOUBLE_TOKEN]) {
        assert.ok(!said.includes(secret), `${secret} came out`);
      }
      for (const user of [...listed.users, ...cached.users]) {
        assert.deepEqual(
          Object.keys(user).filter((key) => /(token|pin)$/i.test(key)),
          [],
          `user ${user.id}`,
        );
      }
      assert.equal(listed.users.find((u) => u.id === KIDS)?.protected, true);
    });

    it('drops the secret attributes of a JSON answer and of a Home alike', async () => {
      answerJson({
        authenticationToken: 'home-secret-1',
        users: [{ id: KIDS, title: 'Kids', AccessToken: 'user-secret-2', pin: 'abc123' }],
      });
      const { home, users } = await make().listHomeUsers();
      assert.deepEqual(home, { id: 1, name: 'My Home' });
      assert.deepEqual(users, [{ id: KIDS, title: 'Kids' }]);
    });
  });

  describe('resolveUserId and its 60 s cache', () => {
    it('returns ids as they are, without a request', async () => {
      assert.equal(await make().resolveUserId({ id: 42 }), 42);
      assert.equal(env.double.requests.length, 0);
    });

    it('resolves names from one list for 60 s, then fetches it again', async () => {
      make();
      assert.equal(await env.client.resolveUserId({ name: 'kids' }), KIDS);
      now += HOME_USERS_TTL_MS - 1;
      assert.equal(await env.client.resolveUserId({ name: 'Teen' }), TEEN);
      assert.equal(lists(), 1);
      now += 1;
      assert.equal(await env.client.resolveUserId({ name: 'Teen' }), TEEN);
      assert.equal(lists(), 2);
    });

    it('shares one request between concurrent look-ups', async () => {
      make();
      env.double.latencyMs = 20;
      const ids = await Promise.all(
        ['Kids', 'Teen', 'kids', 'parent'].map((name) => env.client.resolveUserId({ name })),
      );
      assert.deepEqual(ids, [KIDS, TEEN, KIDS, 1]);
      assert.equal(lists(), 1);
    });

    it('sees a renamed user only after the cache expires', async () => {
      make();
      await env.client.resolveUserId({ name: 'Kids' });
      const kids = env.double.users.get(KIDS);
      assert.ok(kids);
      kids.title = 'Little';
      assert.equal(
        (await rejection(env.client.resolveUserId({ name: 'Little' }))).code,
        'NOT_FOUND',
      );
      now += HOME_USERS_TTL_MS;
      assert.equal(await env.client.resolveUserId({ name: 'Little' }), KIDS);
    });

    it('uses a fresh listHomeUsers answer for later look-ups', async () => {
      make();
      await env.client.listHomeUsers();
      await env.client.resolveUserId({ name: 'Kids' });
      assert.equal(lists(), 1);
    });

    it('fetches again when the clock goes backwards', async () => {
      make();
      await env.client.resolveUserId({ name: 'Kids' });
      now -= 1;
      await env.client.resolveUserId({ name: 'Kids' });
      assert.equal(lists(), 2);
    });

    it('does not cache a failure', async () => {
      env.double.inject({ kind: 'status', status: 503, body: '' });
      make();
      assert.equal(
        (await rejection(env.client.resolveUserId({ name: 'Kids' }))).code,
        'SERVER_ERROR',
      );
      assert.equal(await env.client.resolveUserId({ name: 'Kids' }), KIDS);
      assert.equal(lists(), 2);
    });

    it('an aborted caller stops waiting; the others still get the shared list', async () => {
      make();
      env.double.inject({ kind: 'delay', ms: 100 });
      const controller = new AbortController();
      const first = env.client.resolveUserId({ name: 'Kids' }, { signal: controller.signal });
      const second = env.client.resolveUserId({ name: 'Teen' });
      controller.abort();
      assert.equal((await rejection(first)).code, 'ABORTED');
      assert.equal(await second, TEEN);
      const already = new AbortController();
      already.abort();
      const late = env.client.resolveUserId({ name: 'Kids' }, { signal: already.signal });
      assert.equal((await rejection(late)).code, 'ABORTED');
      assert.equal(lists(), 1);
    });

    it('defaults to Date.now, so sinon fake timers drive it', async () => {
      const clock = sinon.useFakeTimers({ now: 5_000_000, toFake: ['Date'] });
      make({ now: undefined });
      await env.client.resolveUserId({ name: 'Kids' });
      clock.tick(HOME_USERS_TTL_MS - 1);
      await env.client.resolveUserId({ name: 'Kids' });
      assert.equal(lists(), 1);
      clock.tick(1);
      await env.client.resolveUserId({ name: 'Kids' });
      assert.equal(lists(), 2);
    });

    it('close() forgets the list', async () => {
      make();
      await env.client.resolveUserId({ name: 'Kids' });
      env.client.close();
      await env.client.resolveUserId({ name: 'Kids' });
      assert.equal(lists(), 2);
    });
  });

  describe('resolveManagedUserId', () => {
    it('resolves a managed user by name, and passes ids on unchecked', async () => {
      make();
      assert.equal(await env.client.resolveManagedUserId({ name: 'Kids' }), KIDS);
      assert.equal(await env.client.resolveManagedUserId({ id: 1 }), 1);
      assert.equal(lists(), 1);
    });

    it('a name that means the administrator is NOT_MANAGED, with the id', async () => {
      make();
      const error = await rejection(env.client.resolveManagedUserId({ name: 'parent' }));
      assert.equal(error.code, 'NOT_MANAGED');
      assert.equal(error.userId, 1);
    });

    it('a member who is not managed (restricted false) is NOT_MANAGED too', async () => {
      make();
      const teen = env.double.users.get(TEEN);
      assert.ok(teen);
      teen.restricted = false;
      const error = await rejection(env.client.resolveManagedUserId({ name: 'Teen' }));
      assert.equal(error.code, 'NOT_MANAGED');
      assert.equal(error.userId, TEEN);
    });
  });

  describe('cachedHomeUsers and refreshHomeUsers', () => {
    it('cachedHomeUsers answers from the name look-up cache', async () => {
      make();
      await env.client.resolveUserId({ name: 'Kids' });
      const { users } = await env.client.cachedHomeUsers();
      assert.deepEqual(
        users.map((u) => u.id),
        [1, KIDS, TEEN],
      );
      assert.equal(lists(), 1);
    });

    it('a refresh goes upstream at most once per 10 s', async () => {
      make();
      await env.client.refreshHomeUsers();
      await Promise.all(Array.from({ length: 50 }, () => env.client.refreshHomeUsers()));
      assert.equal(lists(), 1);
      now += HOME_USERS_REFRESH_MS - 1;
      await env.client.refreshHomeUsers();
      assert.equal(lists(), 1);
      now += 1;
      await env.client.refreshHomeUsers();
      assert.equal(lists(), 2);
      await env.client.cachedHomeUsers();
      assert.equal(lists(), 2);
    });
  });
});
