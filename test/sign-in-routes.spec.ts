import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sinon from 'sinon';
import { helper, loadFlow, useNodeRedWithDouble } from './support/flow';
import { DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';
import {
  MAX_WAITING,
  MAX_WAITING_PER_USER,
  POLL_INTERVAL_MS,
  SIGN_IN_PATH,
  SIGN_IN_POLL_PATH,
  TOKEN_CHECK_PATH,
} from '../src/nodes/sign-in-routes';
import type { PlexAccountNode } from '../src/nodes/plex-account';
import { USER_PICKER_PATH } from '../src/nodes/user-picker';
import { SERVER_PICKER_PATH } from '../src/nodes/server-picker';
import { READ, USER_HEADER, WRITE, modelPermissions } from './support/permissions';

const CLIENT_ID = '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11';
const OTHER_CLIENT_ID = '5f0e2b9a-1c3d-4e5f-8a9b-0c1d2e3f4a5b';
const PARENT = 1;
const TEEN = 23456789;
/** Who the administrator's token belongs to, as the routes answer it. */
const PARENT_USER = {
  id: PARENT,
  uuid: '0000000000000001',
  username: 'parent',
  title: 'Parent',
  homeAdmin: true,
};

interface Answered {
  status: number;
  text: string;
  headers: Record<string, string>;
  body: {
    pinId?: number;
    code?: string;
    authUrl?: string;
    expiresAt?: string;
    state?: string;
    token?: string;
    user?: { id: number; uuid: string; username: string; title: string; homeAdmin: boolean };
    error?: { code: string; message: string };
  };
}

describe('sign in with Plex: the admin routes', () => {
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  let clock: sinon.SinonFakeTimers;
  /** Every answer the routes gave, to search for tokens. */
  let answers: Answered[];
  beforeEach(async () => {
    double = currentDouble();
    answers = [];
    modelPermissions();
    // Only Date: the HTTP traffic and Node-RED keep their real timers.
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    await loadFlow({ double, token: null, account: { deviceName: 'Attic Pi' } });
  });
  afterEach(() => sinon.restore());

  async function post(
    path: string,
    body: unknown,
    permissions = WRITE,
    user?: string,
  ): Promise<Answered> {
    let request = helper
      .request()
      .post(path)
      .send(body as object);
    if (permissions) request = request.set('x-test-permissions', permissions);
    if (user) request = request.set(USER_HEADER, user);
    const response = await request;
    const answer = {
      status: response.status,
      text: response.text,
      headers: response.headers as Record<string, string>,
      body: response.body as Answered['body'],
    };
    answers.push(answer);
    return answer;
  }
  const start = (extra: Record<string, unknown> = {}, permissions = WRITE, user?: string) =>
    post(
      SIGN_IN_PATH,
      {
        clientIdentifier: CLIENT_ID,
        product: 'Node-RED',
        deviceName: 'Attic Pi',
        baseUrl: double.url,
        authUrl: `${double.url}/auth`,
        ...extra,
      },
      permissions,
      user,
    );
  const poll = (pinId: unknown, extra: Record<string, unknown> = {}, user?: string) =>
    post(
      SIGN_IN_POLL_PATH,
      { pinId, clientIdentifier: CLIENT_ID, baseUrl: double.url, ...extra },
      WRITE,
      user,
    );
  /** The next poll may go upstream again. */
  const later = () => clock.tick(POLL_INTERVAL_MS);
  const upstream = (path: RegExp) => double.requests.filter((r) => path.test(r.path)).length;

  describe('permissions', () => {
    for (const [name, path, body] of [
      ['sign-in', SIGN_IN_PATH, { clientIdentifier: CLIENT_ID }],
      ['sign-in/poll', SIGN_IN_POLL_PATH, { pinId: 7000001, clientIdentifier: CLIENT_ID }],
    ] as const) {
      it(`${name}: a reader gets 403 and plex.tv hears nothing; without read, Node-RED's 401`, async () => {
        const reader = await post(path, body, READ);
        assert.equal(reader.status, 403, reader.text);
        assert.equal(reader.body.error?.code, 'FORBIDDEN');
        assert.equal(reader.body.error?.message, 'plex-account.errors.sign-in-needs-write');
        assert.equal(reader.headers['cache-control'], 'no-store');
        const nobody = await post(path, body, '');
        assert.equal(nobody.status, 401);
        assert.equal(nobody.headers['cache-control'], 'no-store');
        assert.equal(double.connections, 0);
        assert.equal(double.requests.length, 0);
      });
    }

    // The routes read the JSON the editor sends, and nothing Node-RED would parse otherwise.
    it('every route: a form or plain text, as a writer sends it, is 415 and nothing is sent', async () => {
      const settings = { id: 'acc', clientIdentifier: CLIENT_ID, token: 'x', baseUrl: double.url };
      const paths = [
        SIGN_IN_PATH,
        SIGN_IN_POLL_PATH,
        TOKEN_CHECK_PATH,
        USER_PICKER_PATH,
        SERVER_PICKER_PATH,
      ];
      const asked = double.requests.length;
      for (const path of paths) {
        for (const type of ['form', 'text/plain', 'multipart/form-data']) {
          const response = await helper
            .request()
            .post(path)
            .set('x-test-permissions', WRITE)
            .type(type)
            .send(type === 'form' ? settings : JSON.stringify(settings));
          assert.equal(response.status, 415, `${path} ${type}: ${response.text}`);
          const body = response.body as Answered['body'];
          assert.equal(body.error?.message, 'plex-account.errors.json-only');
        }
      }
      assert.equal(double.requests.length, asked);
    });
  });

  it('signs in the administrator: a PIN, the page, waiting, then the token and who, once', async () => {
    const started = await start();
    assert.equal(started.status, 200, started.text);
    assert.equal(started.headers['cache-control'], 'no-store');
    const { pinId, code, authUrl, expiresAt } = started.body;
    assert.ok(pinId && code);
    assert.equal(
      authUrl,
      `${double.url}/auth#?clientID=${CLIENT_ID}&code=${code}&context%5Bdevice%5D%5Bproduct%5D=Node-RED`,
    );
    assert.equal(expiresAt, new Date(Date.now() + 1_800_000).toISOString());
    const [made] = double.requests;
    assert.equal(made.url, '/api/v2/pins?strong=true');
    assert.equal(made.headers['x-plex-client-identifier'], CLIENT_ID);
    assert.equal(made.headers['x-plex-device-name'], 'Attic Pi');
    assert.equal(made.headers['x-plex-token'], undefined);

    assert.deepEqual((await poll(pinId)).body, { state: 'waiting' });
    assert.ok(double.signIn(String(code), CLIENT_ID, PARENT));
    later();
    const signedIn = await poll(pinId);
    assert.equal(signedIn.headers['cache-control'], 'no-store');
    assert.deepEqual(signedIn.body, {
      state: 'signed-in',
      token: DOUBLE_TOKEN,
      user: PARENT_USER,
    });
    assert.equal(double.requests.at(-1)?.headers['x-plex-token'], DOUBLE_TOKEN);
    // Handed out once: the PIN is forgotten.
    later();
    const again = await poll(pinId);
    assert.equal(again.status, 404);
    assert.equal(again.body.error?.code, 'NOT_FOUND');
    assert.deepEqual(
      double.requests.map((r) => `${r.method} ${r.path}`),
      [
        'POST /api/v2/pins',
        `GET /api/v2/pins/${pinId}`,
        `GET /api/v2/pins/${pinId}`,
        'GET /api/v2/user',
      ],
    );
    for (const request of double.requests) assert.ok(!request.url.includes(DOUBLE_TOKEN));
  });

  it('signs in a member who is not the administrator: the token, and homeAdmin false', async () => {
    const { pinId, code } = (await start()).body;
    double.signIn(String(code), CLIENT_ID, TEEN);
    const answer = await poll(pinId);
    assert.equal(answer.body.state, 'signed-in');
    assert.equal(answer.body.token, double.tokenOf(TEEN));
    assert.deepEqual(answer.body.user, {
      id: TEEN,
      uuid: '000000000165ec15',
      username: '',
      title: 'Teen',
      homeAdmin: false,
    });
  });

  it('expired: when plex.tv no longer knows the PIN (1020), and when its time is up here', async () => {
    let now = Date.now();
    double.now = () => now;
    const first = (await start()).body.pinId;
    now += 1_800_000;
    assert.deepEqual((await poll(first)).body, { state: 'expired' });
    later();
    assert.equal((await poll(first)).status, 404, 'forgotten once expired');
    const second = (await start()).body.pinId;
    const asked = double.requests.length;
    clock.tick(1_800_000);
    assert.deepEqual((await poll(second)).body, { state: 'expired' });
    assert.equal(double.requests.length, asked, 'known expired without asking');
  });

  it('cancelled: the dialog stops polling, nothing more goes to plex.tv, and the PIN is forgotten', async () => {
    const { pinId } = (await start()).body;
    assert.equal((await poll(pinId)).body.state, 'waiting');
    const asked = double.requests.length;
    clock.tick(1_800_000);
    assert.equal(double.requests.length, asked);
    // The next sign-in clears PINs whose time is up.
    await start();
    clock.tick(1);
    assert.equal((await poll(pinId)).status, 404);
  });

  it('polls under a second apart are answered from here; at once, they share one request', async () => {
    const { pinId } = (await start()).body;
    const answers = await Promise.all(Array.from({ length: 50 }, () => poll(pinId)));
    assert.ok(answers.every((a) => a.body.state === 'waiting'));
    assert.equal(upstream(/^\/api\/v2\/pins\/\d+$/), 1);
    clock.tick(POLL_INTERVAL_MS - 1);
    await poll(pinId);
    assert.equal(upstream(/^\/api\/v2\/pins\/\d+$/), 1);
    clock.tick(1);
    await poll(pinId);
    assert.equal(upstream(/^\/api\/v2\/pins\/\d+$/), 2);
  });

  it('plex.tv down: 502 NETWORK for the sign-in and the poll; the next poll goes on', async () => {
    double.inject({ kind: 'reset', only: /^\/api\/v2\/pins$/ });
    const failed = await start();
    assert.equal(failed.status, 502);
    assert.equal(failed.body.error?.code, 'NETWORK');
    const { pinId } = (await start()).body;
    double.inject({
      kind: 'status',
      status: 503,
      body: '<html>down</html>',
      only: /^\/api\/v2\/pins\/\d+$/,
    });
    const down = await poll(pinId);
    assert.deepEqual([down.status, down.body.error?.code], [502, 'SERVER_ERROR']);
    later();
    assert.equal((await poll(pinId)).body.state, 'waiting');
  });

  it('a PIN id that is not a positive whole number: 400, nothing sent', async () => {
    for (const pinId of ['abc', -1, 0, 1.5, '1e3', '12/../../user', {}, [], null, 2 ** 60, '']) {
      const answer = await poll(pinId);
      assert.equal(answer.status, 400, JSON.stringify(pinId));
      assert.equal(answer.body.error?.code, 'NOT_CONFIGURED');
    }
    assert.equal(double.requests.length, 0);
  });

  it("someone else's PIN: another editor user, client id or URL, or a PIN never made here: 404, nothing sent", async () => {
    const { pinId } = (await start({}, WRITE, 'alice')).body;
    const asked = double.requests.length;
    const tries = [
      await poll(pinId, {}, 'mallory'),
      await poll(pinId),
      await poll(pinId, { clientIdentifier: OTHER_CLIENT_ID }, 'alice'),
      await poll(pinId, { baseUrl: `${double.url}/other` }, 'alice'),
      await poll(Number(pinId) + 1, {}, 'alice'),
    ];
    for (const answer of tries) {
      assert.equal(answer.status, 404, answer.text);
      assert.equal(answer.body.error?.message, 'plex-account.errors.no-sign-in');
    }
    assert.equal(double.requests.length, asked, 'plex.tv heard nothing of them');
    assert.equal((await poll(pinId, {}, 'alice')).body.state, 'waiting', 'its owner may');
  });

  it(`keeps at most ${MAX_WAITING_PER_USER} sign-ins of one editor user waiting: their oldest goes first`, async () => {
    const first = (await start({}, WRITE, 'alice')).body.pinId;
    const second = (await start({}, WRITE, 'alice')).body.pinId;
    for (let i = 1; i < MAX_WAITING_PER_USER; i++) await start({}, WRITE, 'alice');
    assert.equal((await poll(first, {}, 'alice')).status, 404);
    assert.equal((await poll(second, {}, 'alice')).body.state, 'waiting');
  });

  it(`another editor user's sign-ins never push one out; past ${MAX_WAITING} in all, 429 and nothing sent`, async () => {
    const alices = [];
    for (let i = 0; i < MAX_WAITING_PER_USER; i++)
      alices.push((await start({}, WRITE, 'alice')).body.pinId);
    const others = MAX_WAITING - MAX_WAITING_PER_USER;
    for (let i = 0; i < others; i++)
      assert.equal((await start({}, WRITE, `user-${i}`)).status, 200);
    const asked = upstream(/^\/api\/v2\/pins$/);
    const refused = await start({}, WRITE, 'mallory');
    assert.deepEqual([refused.status, refused.body.error?.code], [429, 'RATE_LIMITED']);
    assert.equal(refused.body.error?.message, 'plex-account.errors.too-many-sign-ins');
    assert.equal(upstream(/^\/api\/v2\/pins$/), asked, 'the refused one asked plex.tv nothing');
    for (const pinId of alices)
      assert.equal((await poll(pinId, {}, 'alice')).body.state, 'waiting', "alice's still wait");
    // At her own limit, alice's next sign-in replaces her oldest, even with every place taken.
    assert.equal((await start({}, WRITE, 'alice')).status, 200);
    assert.equal((await poll(alices[0], {}, 'alice')).status, 404);
  });

  const refusedUrls: Array<[string, Record<string, unknown>]> = [
    ['a javascript: sign-in page', { authUrl: 'javascript:alert(document.cookie)' }],
    ['a data: sign-in page', { authUrl: 'data:text/html,<script>alert(1)</script>' }],
    ['a plain-http sign-in page elsewhere', { authUrl: 'http://plex.example.com/auth' }],
    ['a sign-in page with a password', { authUrl: 'https://user:pw@app.plex.tv/auth' }],
    ['a sign-in page with a fragment', { authUrl: 'https://app.plex.tv/auth#?code=x' }],
    ['a plain-http plex.tv URL elsewhere', { baseUrl: 'http://192.168.1.5:32400' }],
    ['a file: plex.tv URL', { baseUrl: 'file:///etc/passwd' }],
    ['a client id with a blank', { clientIdentifier: 'my node red' }],
    ['a client id with a line break', { clientIdentifier: `${CLIENT_ID}\r\nX-Evil: 1` }],
    ['no client id', { clientIdentifier: '' }],
    ['a client id of an object', { clientIdentifier: { toString: 'x' } }],
  ];
  for (const [what, extra] of refusedUrls) {
    it(`${what}: 400 NOT_CONFIGURED, nothing sent`, async () => {
      const answer = await start(extra);
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.error?.code, 'NOT_CONFIGURED');
      assert.equal(double.requests.length, 0);
    });
  }

  it("defaults: plex.tv's own sign-in page, the product and device name as a header carries them", async () => {
    double.inject({
      kind: 'status',
      status: 201,
      contentType: 'application/json',
      body: '{"id":42,"code":"abc","expiresIn":900}',
      only: /^\/api\/v2\/pins$/,
    });
    const answer = await start({ authUrl: undefined, product: 'Flöws 🦊', deviceName: '' });
    assert.equal(
      answer.body.authUrl,
      `https://app.plex.tv/auth#?clientID=${CLIENT_ID}&code=abc&context%5Bdevice%5D%5Bproduct%5D=Flows`,
    );
    assert.equal(answer.body.expiresAt, new Date(Date.now() + 900_000).toISOString());
    assert.equal(double.requests[0].headers['x-plex-device-name'], 'Node-RED');
  });

  describe('hostile answers', () => {
    const hostile = (body: string, only: RegExp, status = 200) =>
      double.inject({ kind: 'status', status, body, contentType: 'application/json', only });
    /** The longest event-loop block while each hostile answer was handled: printed, never asserted. */
    const blocks: string[] = [];
    after(() => {
      for (const line of blocks) console.log(`      sign-in: ${line}`);
    });
    async function measured<T>(what: string, work: () => Promise<T>): Promise<T> {
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      try {
        return await work();
      } finally {
        histogram.disable();
        blocks.push(`${what}: longest event-loop block ${Math.round(histogram.max / 1e6)} ms`);
      }
    }

    it('a PIN answer nested 100,000 deep, or with an unusable code: 502 BAD_RESPONSE', async () => {
      hostile(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`, /^\/api\/v2\/pins$/, 201);
      const deep = await measured('a PIN answer nested 100,000 deep', () => start());
      assert.deepEqual([deep.status, deep.body.error?.code], [502, 'BAD_RESPONSE']);
      hostile('{"id":9,"code":"<script>"}', /^\/api\/v2\/pins$/, 201);
      assert.equal((await start()).body.error?.code, 'BAD_RESPONSE');
    });

    it('a polled token with a line break: 502 BAD_RESPONSE, the token in no answer', async () => {
      const { pinId } = (await start()).body;
      const evil = `${DOUBLE_TOKEN}\r\nX-Evil: 1`;
      hostile(
        JSON.stringify({ id: pinId, code: 'abc', authToken: evil }),
        /^\/api\/v2\/pins\/\d+$/,
      );
      const answer = await poll(pinId);
      assert.deepEqual([answer.status, answer.body.error?.code], [502, 'BAD_RESPONSE']);
      assert.ok(!answer.text.includes(DOUBLE_TOKEN));
      assert.equal(upstream(/^\/api\/v2\/user$/), 0, 'that token went nowhere');
    });

    it('a user answer of a megabyte of nesting: 502, and the sign-in may be polled again', async () => {
      const { pinId, code } = (await start()).body;
      double.signIn(String(code), CLIENT_ID, PARENT);
      hostile(`${'['.repeat(500_000)}${']'.repeat(500_000)}`, /^\/api\/v2\/user$/);
      const answer = await measured('a user answer of a megabyte of nesting', () => poll(pinId));
      assert.deepEqual([answer.status, answer.body.error?.code], [502, 'BAD_RESPONSE']);
      later();
      assert.equal((await poll(pinId)).body.state, 'signed-in');
    });

    it('a user answer with a 900 KB title: cut to 256 characters and an ellipsis for the editor', async () => {
      const { pinId, code } = (await start()).body;
      double.signIn(String(code), CLIENT_ID, PARENT);
      const title = 'x'.repeat(900_000);
      hostile(JSON.stringify({ id: 1, title, homeAdmin: true }), /^\/api\/v2\/user$/);
      const answer = await measured('a user answer with a 900 KB title', () => poll(pinId));
      assert.equal(answer.body.user?.title, `${'x'.repeat(256)}…`);
    });
  });

  describe('check: who a token belongs to', () => {
    const check = (body: Record<string, unknown>, permissions = WRITE) =>
      post(TOKEN_CHECK_PATH, body, permissions);

    // Permissions stay modelled (sinon.restore() comes after each test): a flow with a token.
    beforeEach(async () => {
      await helper.unload();
      await loadFlow({ double });
    });

    it("{ id }: a reader may; the deployed account's user, answered from its check at start", async () => {
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => check({ id: 'acc' }, READ)),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.headers['cache-control'], 'no-store');
        assert.deepEqual(answer.body, {
          user: PARENT_USER,
        });
      }
      assert.equal(upstream(/^\/api\/v2\/user$/), 0, 'the check at start answers them all');
      clock.tick(10_000);
      await check({ id: 'acc' }, READ);
      assert.equal(upstream(/^\/api\/v2\/user$/), 1, '10 s later, one more');
    });

    it('pending settings: a reader gets 403 and no host hears of it; a writer learns who the typed token is', async () => {
      const pending = {
        id: 'acc',
        token: double.tokenOf(TEEN),
        clientIdentifier: CLIENT_ID,
        baseUrl: double.url,
        product: 'Node-RED',
      };
      const refused = await check(pending, READ);
      assert.deepEqual([refused.status, refused.body.error?.code], [403, 'FORBIDDEN']);
      assert.equal(refused.body.error?.message, 'plex-account.errors.check-needs-write');
      assert.equal(double.connections, 0);
      const answer = await check(pending);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.user?.title, 'Teen');
      assert.equal(answer.body.user?.homeAdmin, false);
      assert.equal(double.requests.at(-1)?.headers['x-plex-token'], double.tokenOf(TEEN));
      assert.ok(!answer.text.includes(double.tokenOf(TEEN)));
    });

    it('the stored-password stand-in checks the deployed account, never pending settings', async () => {
      const answer = await check({ id: 'acc', token: '__PWRD__', baseUrl: 'https://example.com' });
      assert.equal(answer.body.user?.title, 'Parent');
      assert.equal(double.requests.length, 0);
    });

    it('a refused pending token: 502 UNAUTHORIZED; the deployed account is not touched', async () => {
      const answer = await check({
        id: 'acc',
        token: 'not-a-real-token',
        clientIdentifier: CLIENT_ID,
        baseUrl: double.url,
      });
      assert.deepEqual([answer.status, answer.body.error?.code], [502, 'UNAUTHORIZED']);
      assert.equal((helper.getNode('acc') as PlexAccountNode).health.state, 'signed-in');
    });

    it('a pending token with a line break: 400, nothing sent, the token not echoed', async () => {
      const token = `${DOUBLE_TOKEN}\nX-Evil: 1`;
      const answer = await check({
        id: 'acc',
        token,
        clientIdentifier: CLIENT_ID,
        baseUrl: double.url,
      });
      assert.deepEqual([answer.status, answer.body.error?.code], [400, 'NOT_CONFIGURED']);
      assert.ok(!answer.text.includes(DOUBLE_TOKEN));
      assert.equal(double.requests.length, 0);
    });

    it('a pending client id with a line break, beyond ASCII, with braces or none: 400, nothing sent', async () => {
      for (const clientIdentifier of [`${CLIENT_ID}\r\nX-Evil: 1`, 'ü€', '{x}', '']) {
        const answer = await check({
          id: 'acc',
          token: DOUBLE_TOKEN,
          clientIdentifier,
          baseUrl: double.url,
        });
        assert.deepEqual([answer.status, answer.body.error?.code], [400, 'NOT_CONFIGURED']);
        assert.equal(answer.body.error?.message, 'plex-account.errors.client-id');
      }
      assert.equal(double.requests.length, 0);
    });

    it('an account not deployed: 404; a bad id: 400; a deployed account without a token: 400', async () => {
      assert.equal((await check({ id: 'nope' }, READ)).status, 404);
      assert.equal((await check({ id: '../x y' }, READ)).status, 400);
      await helper.unload();
      await loadFlow({ double, token: null });
      const answer = await check({ id: 'acc' }, READ);
      assert.deepEqual([answer.status, answer.body.error?.code], [400, 'NOT_CONFIGURED']);
    });
  });

  it('the token is in the one signed-in answer and nowhere else: no other answer, no log line', async () => {
    const { pinId, code } = (await start()).body;
    await poll(pinId);
    double.signIn(String(code), CLIENT_ID, PARENT);
    later();
    const signedIn = await poll(pinId);
    later();
    await poll(pinId);
    const others = answers.filter((a) => a !== signedIn).map((a) => a.text);
    assert.ok(others.length >= 3);
    for (const text of [...others, JSON.stringify(helper.log().args)]) {
      assert.ok(!text.includes(DOUBLE_TOKEN));
    }
    for (const request of double.requests) assert.ok(!request.url.includes(DOUBLE_TOKEN));
  });
});
