import assert from 'node:assert/strict';
import util from 'node:util';
import { codeForStatus, isInvalidTokenAnswer } from '../src/lib/errors';
import { headerText, isHeaderToken, MAX_HEADER_TEXT } from '../src/lib/identity';
import { PlexTvClient, signInPageUrl } from '../src/lib/plex-tv-client';
import { DOUBLE_TOKEN, PlexTvDouble } from './double/plex-tv-double';
import { CLIENT_ID, rejection, useClientWithDouble } from './support/client';

const PARENT = 1;
const TEEN = 23456789;

describe('sign in with Plex: the client', () => {
  const env = useClientWithDouble();
  /** A client without a token, as the sign-in routes make one. */
  const signIn = () => env.make({ token: '' });

  it('makes a strong PIN without a token, with the identity headers, asking for JSON', async () => {
    const before = Date.now();
    const pin = await signIn().createSignInPin();
    const [request] = env.double.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/api/v2/pins?strong=true');
    assert.equal(request.headers['x-plex-token'], undefined);
    assert.equal(request.headers.accept, 'application/json');
    assert.equal(request.headers['x-plex-client-identifier'], CLIENT_ID);
    assert.equal(request.headers['x-plex-device-name'], 'Node-RED');
    assert.equal(pin.id, [...env.double.pins.keys()][0]);
    assert.match(pin.code, /^[0-9a-z]{25}$/);
    // A strong PIN lives 30 minutes, counted on this machine's clock.
    assert.ok(pin.expiresAt >= before + 1_800_000 && pin.expiresAt <= Date.now() + 1_800_000);
  });

  it('polls: no token while waiting, the token once a member has signed in, who that is', async () => {
    const client = signIn();
    const pin = await client.createSignInPin();
    assert.deepEqual(await client.checkSignInPin(pin.id), {});
    assert.ok(env.double.signIn(pin.code, CLIENT_ID, TEEN));
    const { authToken } = await client.checkSignInPin(pin.id);
    assert.equal(authToken, env.double.tokenOf(TEEN));
    assert.notEqual(authToken, DOUBLE_TOKEN);
    const user = await client.currentUser({ token: authToken });
    assert.deepEqual(user, {
      id: TEEN,
      uuid: '000000000165ec15',
      username: '',
      title: 'Teen',
      homeAdmin: false,
    });
    const last = env.double.requests.at(-1);
    assert.equal(last?.path, '/api/v2/user');
    assert.equal(last?.headers['x-plex-token'], authToken);
    for (const request of env.double.requests) assert.ok(!request.url.includes(String(authToken)));
  });

  it("the administrator's sign-in: homeAdmin, and the answer's own authToken never read", async () => {
    const user = await env.make().currentUser();
    assert.deepEqual(user, {
      id: PARENT,
      uuid: '0000000000000001',
      username: 'parent',
      title: 'Parent',
      homeAdmin: true,
    });
    assert.ok(!util.inspect(user).includes(DOUBLE_TOKEN));
  });

  it('an expired PIN, or one polled with another client id, is NOT_FOUND with code 1020', async () => {
    let now = Date.now();
    env.double.now = () => now;
    const pin = await signIn().createSignInPin();
    const other = env.make({ token: '', clientIdentifier: '5f0e2b9a-1c3d-4e5f-8a9b-0c1d2e3f4a5b' });
    const stranger = await rejection(other.checkSignInPin(pin.id));
    assert.deepEqual([stranger.code, stranger.plexCode], ['NOT_FOUND', 1020]);
    other.close();
    now += 1_800_000;
    const expired = await rejection(signIn().checkSignInPin(pin.id));
    assert.deepEqual(
      [expired.code, expired.statusCode, expired.plexCode],
      ['NOT_FOUND', 404, 1020],
    );
    assert.equal(env.double.signIn(pin.code, CLIENT_ID, PARENT), undefined, 'too late to sign in');
  });

  it('pings with the token', async () => {
    await env.make().ping();
    const [request] = env.double.requests;
    assert.deepEqual([request.method, request.path], ['GET', '/api/v2/ping']);
    assert.equal(request.headers['x-plex-token'], DOUBLE_TOKEN);
  });

  describe('a dead token is UNAUTHORIZED, whatever the status says', () => {
    const deaths: Array<[401 | 422 | 498, string]> = [
      [401, 'plex.tv answered 401: User could not be authenticated'],
      [422, 'plex.tv answered 422: Invalid token'],
      [498, 'plex.tv answered 498: Token expired'],
    ];
    for (const [status, message] of deaths) {
      it(`${status}: statusCode ${status} kept, no retry`, async () => {
        env.double.revoke(DOUBLE_TOKEN, status);
        const error = await rejection(env.make({ retries: 2 }).currentUser());
        assert.deepEqual(
          [error.code, error.statusCode, error.message],
          ['UNAUTHORIZED', status, message],
        );
        assert.equal(env.double.requests.length, 1);
      });
    }

    it('a 422 about anything else stays HTTP_ERROR', async () => {
      assert.equal(isInvalidTokenAnswer(422, 'Invalid token'), true);
      assert.equal(isInvalidTokenAnswer(422, 'invalid TOKEN supplied'), true);
      assert.equal(isInvalidTokenAnswer(422, 'Invalid tokenizer setting'), false);
      assert.equal(isInvalidTokenAnswer(400, 'Invalid token'), false);
      assert.equal(isInvalidTokenAnswer(422, undefined), false);
      assert.equal(codeForStatus(422), 'HTTP_ERROR');
      assert.equal(codeForStatus(498), 'UNAUTHORIZED');
      env.double.inject({
        kind: 'status',
        status: 422,
        body: '<errors><error>Unprocessable</error></errors>',
      });
      const other = await rejection(env.make().removeManagedUserPin(12345678));
      assert.deepEqual([other.code, other.statusCode], ['HTTP_ERROR', 422]);
    });
  });

  describe('hostile or broken answers', () => {
    const json = (body: string, status = 201) => ({
      kind: 'status' as const,
      status,
      body,
      contentType: 'application/json',
      only: /^\/api\/v2\/(pins|user)/,
    });

    const badPins: Array<[string, string]> = [
      ['no id', '{"code":"abc"}'],
      ['a code with a slash', '{"id":5,"code":"ab/cd"}'],
      ['a code of an object', '{"id":5,"code":{"x":1}}'],
      ['a negative id', '{"id":-5,"code":"abc"}'],
      ['an array', '[1,2,3]'],
      ['HTML', '<html>502</html>'],
      ['nesting 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ];
    for (const [what, body] of badPins) {
      it(`a new PIN with ${what}: BAD_RESPONSE`, async () => {
        env.double.inject(json(body));
        const error = await rejection(signIn().createSignInPin());
        assert.equal(error.code, 'BAD_RESPONSE');
      });
    }

    const badTokens: Array<[string, unknown]> = [
      ['a line break', `${DOUBLE_TOKEN}\r\nX-Evil: 1`],
      ['a blank', 'two words'],
      ['an emoji', 'token🦊'],
      ['a number', 12345],
      ['2,000 characters', 'x'.repeat(2000)],
    ];
    for (const [what, token] of badTokens) {
      it(`a polled token with ${what}: BAD_RESPONSE, and it is not in the message`, async () => {
        env.double.inject(json(JSON.stringify({ id: 5, code: 'abc', authToken: token }), 200));
        const error = await rejection(signIn().checkSignInPin(5));
        assert.equal(error.code, 'BAD_RESPONSE');
        assert.ok(!error.message.includes(String(token)));
      });
    }

    it('a user without an id: BAD_RESPONSE; odd fields are cut and cleaned', async () => {
      env.double.inject(json('{"title":"x","homeAdmin":true}', 200));
      assert.equal((await rejection(env.make().currentUser())).code, 'BAD_RESPONSE');
      env.double.inject(
        json(
          JSON.stringify({ id: '7', title: `a\nb\u202e${'x'.repeat(400)}`, homeAdmin: 'yes' }),
          200,
        ),
      );
      const user = await env.make().currentUser();
      assert.equal(user.id, 7);
      assert.equal(user.title, `a b${'x'.repeat(253)}…`);
      assert.equal(user.homeAdmin, false, 'only a true value is the administrator');
      assert.deepEqual([user.uuid, user.username], ['', '']);
    });
  });

  it("the sign-in page's address: parameters in the fragment, each encoded", () => {
    assert.equal(
      signInPageUrl('https://app.plex.tv/auth', {
        clientIdentifier: CLIENT_ID,
        code: 'abc123',
        product: 'Node-RED & co',
      }),
      `https://app.plex.tv/auth#?clientID=${CLIENT_ID}&code=abc123&context%5Bdevice%5D%5Bproduct%5D=Node-RED%20%26%20co`,
    );
  });
});

describe('identity headers as sent', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['a plain name', 'Attic Pi', 'Attic Pi'],
    ['accents folded', 'Küche Café', 'Kuche Cafe'],
    ['an emoji dropped', 'Living 🦊 room', 'Living room'],
    ['line breaks and tabs as blanks', 'Attic\r\nPi\tZero', 'Attic Pi Zero'],
    ['full-width letters', 'ＡＢＣ', 'ABC'],
    ['nothing left', '🦊🦊', 'Node-RED'],
    ['blank', '   ', 'Node-RED'],
    ['missing', undefined, 'Node-RED'],
    ['too long', 'x'.repeat(100), 'x'.repeat(MAX_HEADER_TEXT)],
  ];
  for (const [what, value, sent] of cases) {
    it(`${what}: ${JSON.stringify(sent)}`, () => {
      assert.equal(headerText(value, 'Node-RED'), sent);
    });
  }

  it('sends the name as the help says: what headerText makes of it', async () => {
    const double = new PlexTvDouble();
    await double.start();
    const client = new PlexTvClient({
      token: DOUBLE_TOKEN,
      clientIdentifier: CLIENT_ID,
      baseUrl: double.url,
      deviceName: 'Küche 🦊\nPi',
      product: 'Flows\u0000',
    });
    try {
      await client.ping();
      const { headers } = double.requests[0];
      assert.equal(headers['x-plex-device-name'], 'Kuche Pi');
      assert.equal(headers['x-plex-product'], 'Flows');
    } finally {
      client.close();
      await double.stop();
    }
  });

  it('refuses a token a header cannot carry, before anything is sent', () => {
    for (const token of [`${DOUBLE_TOKEN}\n`, 'a b', 'tök', `x\u0000y`]) {
      assert.equal(isHeaderToken(token), false, JSON.stringify(token));
      assert.throws(
        () => new PlexTvClient({ token, clientIdentifier: CLIENT_ID }),
        (error: { code?: string; message?: string }) =>
          error.code === 'NOT_CONFIGURED' && !error.message?.includes(token),
      );
    }
    assert.equal(isHeaderToken(DOUBLE_TOKEN), true);
    assert.equal(isHeaderToken('x'.repeat(1025)), false);
  });
});
