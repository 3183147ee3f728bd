import assert from 'node:assert/strict';
import http from 'node:http';
import util from 'node:util';
import sinon from 'sinon';
import {
  PlexTvClient,
  parseRetryAfter,
  retryDelay,
  normaliseBaseUrl,
} from '../src/lib/plex-tv-client';
import { PlexTvError } from '../src/lib/errors';
import pkg from '../package.json';
import { BODIES, DOUBLE_TOKEN, PlexTvDouble } from './double/plex-tv-double';
import { CLIENT_ID, rejection, useClientWithDouble } from './support/client';

const KIDS = 12345678;

/** Polls with setImmediate, which the fake clocks below leave real. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never saw ${what}`);
}

describe('PlexTvClient', () => {
  const env = useClientWithDouble();
  const make = env.make;

  describe('removeManagedUserPin request', () => {
    it('POSTs to the restricted user path with removePin=1 and the documented headers', async () => {
      const result = await make({ product: 'My Flows' }).removeManagedUserPin(KIDS);
      assert.equal(env.double.requests.length, 1);
      const [request] = env.double.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, `/api/v2/home/users/restricted/${KIDS}?removePin=1`);
      assert.equal(request.headers['x-plex-token'], DOUBLE_TOKEN);
      assert.equal(request.headers['x-plex-client-identifier'], CLIENT_ID);
      assert.equal(request.headers['x-plex-product'], 'My Flows');
      assert.equal(request.headers.accept, 'application/xml');
      assert.ok(!request.url.includes(DOUBLE_TOKEN), 'token must not be in the URL');
      assert.equal(result.statusCode, 201);
      assert.equal(result.user.id, KIDS);
    });

    it('sends the identity headers plex.tv lists devices by, from one place', async () => {
      await make({ deviceName: 'Attic Pi' }).removeManagedUserPin(KIDS);
      const { headers } = env.double.requests[0];
      assert.deepEqual(
        [
          headers['x-plex-version'],
          headers['x-plex-platform'],
          headers['x-plex-platform-version'],
          headers['x-plex-device'],
          headers['x-plex-device-name'],
        ],
        [pkg.version, 'Node.js', process.version, 'Node-RED', 'Attic Pi'],
      );
      await make().removeManagedUserPin(KIDS);
      assert.equal(env.double.requests[1].headers['x-plex-device-name'], 'Node-RED');
    });

    it('types every documented attribute of the user', async () => {
      const { user } = await make().removeManagedUserPin(KIDS);
      assert.deepEqual(user, {
        id: KIDS,
        uuid: '0000000000bc614e',
        title: 'Kids',
        username: '',
        email: '',
        friendlyName: 'Older Kid',
        thumb: 'https://plex.tv/users/0000000000bc614e/avatar?c=1722343001',
        hasPassword: false,
        restricted: true,
        updatedAt: 1722343002,
        restrictionProfile: 'older_kid',
        admin: false,
        guest: false,
        protected: false,
      });
    });

    it('removes the PIN on the double, and succeeds again when there is none', async () => {
      make();
      assert.equal(env.double.users.get(KIDS)?.pin, '1234');
      await env.client.removeManagedUserPin(KIDS);
      assert.equal(env.double.users.get(KIDS)?.pin, undefined);
      const again = await env.client.removeManagedUserPin(KIDS);
      assert.equal(again.statusCode, 201);
    });

    it('reads a JSON user when the server answers JSON', async () => {
      env.double.inject({
        kind: 'status',
        status: 201,
        contentType: 'application/json',
        body: '{"id":5,"title":"J","protected":true,"updatedAt":7}',
      });
      const { user } = await make().removeManagedUserPin(5);
      assert.deepEqual(user, { id: 5, title: 'J', protected: true, updatedAt: 7 });
    });

    it("omits the client identifier header when none is configured, and reports plex.tv's 400/1000", async () => {
      const error = await rejection(make({ clientIdentifier: '' }).removeManagedUserPin(KIDS));
      assert.equal(env.double.requests[0].headers['x-plex-client-identifier'], undefined);
      assert.deepEqual(error.toJSON(), {
        code: 'BAD_REQUEST',
        statusCode: 400,
        plexCode: 1000,
        userId: KIDS,
        message: 'plex.tv answered 400: X-Plex-Client-Identifier is missing',
      });
    });

    it('does not follow a redirect (it would carry the token header elsewhere)', async () => {
      let visited = false;
      const elsewhere = http.createServer((_req, res) => {
        visited = true;
        res.end('<user id="1"/>');
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      const port = (elsewhere.address() as { port: number }).port;
      env.double.inject({
        kind: 'status',
        status: 302,
        headers: { Location: `http://127.0.0.1:${port}/steal` },
      });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
      assert.equal(error.code, 'HTTP_ERROR');
      assert.equal(error.statusCode, 302);
      assert.equal(visited, false);
    });
  });

  describe('error mapping', () => {
    const cases: Array<[string, number, string, string, number | undefined, string]> = [
      [
        '<errors><error code message/>',
        401,
        BODIES.unauthorized,
        'UNAUTHORIZED',
        1001,
        'User could not be authenticated',
      ],
      [
        '<errors><error>text</error>',
        401,
        BODIES.pleaseSignIn,
        'UNAUTHORIZED',
        undefined,
        'Please sign in.',
      ],
      ['<Response code status/>', 401, BODIES.incorrectPin, 'UNAUTHORIZED', 401, 'Incorrect PIN'],
      ['JSON errors', 429, BODIES.rateLimitedJson, 'RATE_LIMITED', 1003, 'API rate limit exceeded'],
      [
        '403 / 1009',
        403,
        BODIES.managedNotAllowed,
        'FORBIDDEN',
        1009,
        'Managed users are not allowed',
      ],
      [
        '400 / 1000',
        400,
        BODIES.clientIdMissing,
        'BAD_REQUEST',
        1000,
        'X-Plex-Client-Identifier is missing',
      ],
      [
        '404 / 1002',
        404,
        BODIES.notFound,
        'NOT_FOUND',
        1002,
        'The requested resource or endpoint could not be found',
      ],
      ['HTML 502', 502, BODIES.html, 'SERVER_ERROR', undefined, ''],
      ['empty 500', 500, '', 'SERVER_ERROR', undefined, ''],
      ['418 teapot', 418, 'short and stout', 'HTTP_ERROR', undefined, ''],
    ];
    for (const [shape, status, body, code, plexCode, serverMessage] of cases) {
      it(`${shape} (${status}) -> ${code}`, async () => {
        env.double.inject({ kind: 'status', status, body });
        const error = await rejection(make().removeManagedUserPin(KIDS));
        assert.equal(error.code, code);
        assert.equal(error.statusCode, status);
        assert.equal(error.plexCode, plexCode);
        assert.equal(error.userId, KIDS);
        assert.equal(
          error.message,
          serverMessage
            ? `plex.tv answered ${status}: ${serverMessage}`
            : `plex.tv answered ${status} (${code})`,
        );
      });
    }

    it('401 from a wrong token -> UNAUTHORIZED 1001', async () => {
      const error = await rejection(make({ token: 'not-the-token' }).removeManagedUserPin(KIDS));
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.equal(error.plexCode, 1001);
    });

    it('404 for an unknown user -> NOT_FOUND 1002', async () => {
      const error = await rejection(make().removeManagedUserPin(99));
      assert.deepEqual(
        [error.code, error.statusCode, error.plexCode, error.userId],
        ['NOT_FOUND', 404, 1002, 99],
      );
    });

    for (const [what, body] of [
      ['malformed XML', '<user id="1"'],
      ['another element', '<home id="1"/>'],
      ['a user without an id', '<user title="x"/>'],
      ['an empty body', ''],
      ['HTML', BODIES.html],
    ]) {
      it(`201 with ${what} -> BAD_RESPONSE`, async () => {
        env.double.inject({ kind: 'status', status: 201, body });
        const error = await rejection(make().removeManagedUserPin(KIDS));
        assert.equal(error.code, 'BAD_RESPONSE');
        assert.equal(error.statusCode, 201);
      });
    }

    it('a body over the size cap -> BAD_RESPONSE without reading it all', async () => {
      env.double.inject({ kind: 'huge', bytes: 4 * 1024 * 1024 });
      const error = await rejection(
        make({ maxResponseBytes: 64 * 1024 }).removeManagedUserPin(KIDS),
      );
      assert.equal(error.code, 'BAD_RESPONSE');
    });

    it('connection refused -> NETWORK', async () => {
      const url = env.double.url;
      await env.double.stop();
      env.client = new PlexTvClient({
        token: DOUBLE_TOKEN,
        clientIdentifier: CLIENT_ID,
        baseUrl: url,
        retries: 0,
      });
      const error = await rejection(env.client.removeManagedUserPin(KIDS));
      assert.equal(error.code, 'NETWORK');
      assert.match(error.message, /ECONNREFUSED/);
      env.double = new PlexTvDouble();
      await env.double.start();
    });

    it('a reset in the middle of the body -> NETWORK', async () => {
      env.double.inject({ kind: 'reset-mid-body' });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      assert.equal(error.code, 'NETWORK');
    });

    it('no full answer within the timeout -> TIMEOUT, also when the body trickles', async () => {
      env.double.inject({ kind: 'hang' });
      const hang = await rejection(make({ timeout: 150 }).removeManagedUserPin(KIDS));
      assert.equal(hang.code, 'TIMEOUT');
      env.double.inject({ kind: 'trickle', intervalMs: 20, chunks: 100 });
      const trickle = await rejection(env.client.removeManagedUserPin(KIDS));
      assert.equal(trickle.code, 'TIMEOUT');
      assert.equal(trickle.message, 'plex.tv did not answer within 150 ms');
    });

    it('an aborted call rejects with ABORTED', async () => {
      env.double.inject({ kind: 'hang' });
      const controller = new AbortController();
      const call = make().removeManagedUserPin(KIDS, { signal: controller.signal });
      await until(() => env.double.requests.length === 1, 'the request');
      controller.abort();
      const error = await rejection(call);
      assert.equal(error.code, 'ABORTED');
    });

    it('a server message holding the token is redacted', async () => {
      env.double.inject({
        kind: 'status',
        status: 401,
        body: `<errors><error code="1001" message="bad token ${DOUBLE_TOKEN}"/></errors>`,
      });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      assert.equal(error.message, 'plex.tv answered 401: bad token [redacted]');
    });

    it('keeps the token out of inspection and serialisation of the client and its errors', async () => {
      env.double.inject({ kind: 'status', status: 500, body: BODIES.html });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      for (const text of [
        util.inspect(env.client, { showHidden: true, depth: Infinity }),
        JSON.stringify(error),
        util.inspect(error, { showHidden: true }),
        error.stack ?? '',
      ]) {
        assert.ok(!text.includes(DOUBLE_TOKEN), text);
      }
    });

    it('shows no token and no PIN when inspected with requests in flight, a set-PIN among them', async () => {
      env.double.inject({ kind: 'hang' }, 2);
      make();
      const controller = new AbortController();
      const calls = [
        rejection(env.client.removeManagedUserPin(KIDS, { signal: controller.signal })),
        rejection(env.client.setManagedUserPin(KIDS, '7391', { signal: controller.signal })),
      ];
      await until(() => env.double.requests.length === 2, 'both requests at the double');
      assert.equal(env.client.inFlight, 2);
      const shown = [
        util.inspect(env.client, { showHidden: true, depth: Infinity, getters: true }),
        util.inspect({ holder: [env.client] }, { showHidden: true, depth: Infinity }),
        JSON.stringify(env.client),
        JSON.stringify({ client: env.client }),
      ];
      controller.abort();
      for (const call of calls) assert.equal((await call).code, 'ABORTED');
      for (const text of shown) {
        assert.ok(!text.includes(DOUBLE_TOKEN) && !text.includes('7391'), text);
        assert.match(text, /127\.0\.0\.1/);
      }
      assert.match(
        shown[0],
        /^PlexTvClient \{ baseUrl: 'http:\/\/127\.0\.0\.1:\d+', inFlight: 2 \}$/,
      );
    });
  });

  describe('outages and error bodies', () => {
    for (const [what, body] of [
      ['an empty body', ''],
      ['an HTML page', BODIES.html],
      ['a JSON body that is no plex.tv error', '{"message":"Not Found"}'],
    ]) {
      it(`404 with ${what} is an outage: SERVER_ERROR with statusCode 404, retried like 5xx`, async () => {
        const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        env.double.inject({ kind: 'status', status: 404, body, contentType: 'text/html' });
        const call = make({ retries: 1 }).removeManagedUserPin(KIDS);
        await until(() => env.double.requests.length === 1, 'attempt 1');
        await clock.tickAsync(1000);
        assert.equal((await call).statusCode, 201, 'the retry went through');
        env.double.inject({ kind: 'status', status: 404, body }, Infinity);
        const error = await rejection(make({ retries: 0 }).removeManagedUserPin(KIDS));
        assert.deepEqual(
          [error.code, error.statusCode, error.message],
          ['SERVER_ERROR', 404, 'plex.tv answered 404 (SERVER_ERROR)'],
        );
      });
    }

    for (const [what, body] of [
      ['XML <errors>', '<errors><error code="1004" message="gone"/></errors>'],
      ['JSON errors', '{"errors":[{"code":1002,"message":"Not found"}]}'],
      ['code 1002 in an older form', '<Response code="1002" status="Not found"/>'],
    ]) {
      it(`404 with plex.tv's own error (${what}) is NOT_FOUND, not retried`, async () => {
        env.double.inject({ kind: 'status', status: 404, body }, Infinity);
        const error = await rejection(make({ retries: 3 }).removeManagedUserPin(KIDS));
        assert.equal(error.code, 'NOT_FOUND');
        assert.equal(env.double.requests.length, 1);
      });
    }

    it('reads an error body only up to 64 KB: a 64 MB error page is SERVER_ERROR, not BAD_RESPONSE', async () => {
      env.double.inject({ kind: 'huge', bytes: 64 * 1024 * 1024, status: 503 });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      assert.deepEqual([error.code, error.statusCode], ['SERVER_ERROR', 503]);
      assert.ok(
        env.double.hugeBytesWritten < 32 * 1024 * 1024,
        `${env.double.hugeBytesWritten} bytes`,
      );
    });

    it('finds the message of an error body that fits in 64 KB, after a long preamble', async () => {
      const body = `<!--${'x'.repeat(60 * 1024)}--><errors><error code="1001" message="Nope"/></errors>`;
      env.double.inject({ kind: 'status', status: 401, body });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      assert.equal(error.message, 'plex.tv answered 401: Nope');
    });

    it('a 2xx body over the parsing limits is BAD_RESPONSE, saying which limit', async () => {
      const attributes = Array.from({ length: 2_000 }, (_, i) => `a${i}=""`).join(' ');
      env.double.inject({
        kind: 'status',
        status: 201,
        body: `<user id="${KIDS}" ${attributes}/>`,
      });
      const error = await rejection(make().removeManagedUserPin(KIDS));
      assert.equal(error.code, 'BAD_RESPONSE');
      assert.equal(
        error.message,
        'plex.tv answered 201 with a body with more than 256 attributes on one element',
      );
    });
  });

  describe('retries', () => {
    it('waits 1 s then 2 s between attempts after 5xx, then succeeds', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.double.inject({ kind: 'status', status: 503, body: BODIES.html }, 2);
      const call = make({ retries: 2 }).removeManagedUserPin(KIDS);
      await until(() => env.double.requests.length === 1, 'attempt 1');
      await clock.tickAsync(999);
      assert.equal(env.double.requests.length, 1);
      await clock.tickAsync(1);
      await until(() => env.double.requests.length === 2, 'attempt 2');
      await clock.tickAsync(1999);
      assert.equal(env.double.requests.length, 2);
      await clock.tickAsync(1);
      await until(() => env.double.requests.length === 3, 'attempt 3');
      const result = await call;
      assert.equal(result.statusCode, 201);
    });

    it('gives up after `retries` extra attempts with the last error', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.double.inject({ kind: 'status', status: 429, body: BODIES.rateLimitedJson }, Infinity);
      const call = rejection(make({ retries: 1 }).removeManagedUserPin(KIDS));
      await until(() => env.double.requests.length === 1, 'attempt 1');
      await clock.tickAsync(1000);
      const error = await call;
      assert.equal(env.double.requests.length, 2);
      assert.equal(error.code, 'RATE_LIMITED');
    });

    it('honours Retry-After', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      env.double.inject({
        kind: 'status',
        status: 429,
        body: BODIES.rateLimitedJson,
        headers: { 'Retry-After': '5' },
      });
      const call = make({ retries: 1 }).removeManagedUserPin(KIDS);
      await until(() => env.double.requests.length === 1, 'attempt 1');
      await clock.tickAsync(4999);
      assert.equal(env.double.requests.length, 1);
      await clock.tickAsync(1);
      await until(() => env.double.requests.length === 2, 'attempt 2');
      assert.equal((await call).statusCode, 201);
    });

    it('retries a network failure', async () => {
      env.double.inject({ kind: 'reset' });
      env.double.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '0' } });
      const result = await make({ retries: 2 }).removeManagedUserPin(KIDS);
      assert.equal(result.statusCode, 201);
      assert.equal(env.double.requests.length, 3);
    });

    for (const [status, body] of [
      [400, ''],
      [401, ''],
      [403, ''],
      [404, BODIES.notFound],
      [418, ''],
    ] as const) {
      it(`does not retry ${status}`, async () => {
        env.double.inject({ kind: 'status', status, body }, Infinity);
        await rejection(make({ retries: 3 }).removeManagedUserPin(KIDS));
        assert.equal(env.double.requests.length, 1);
      });
    }

    it('an abort during the back-off ends the call at once', async () => {
      env.double.inject({ kind: 'status', status: 503 }, Infinity);
      const controller = new AbortController();
      const call = rejection(
        make({ retries: 5 }).removeManagedUserPin(KIDS, { signal: controller.signal }),
      );
      await until(() => env.double.requests.length === 1, 'attempt 1');
      controller.abort();
      assert.equal((await call).code, 'ABORTED');
      assert.equal(env.double.requests.length, 1);
    });

    it('computes capped exponential delays and reads Retry-After', () => {
      assert.deepEqual(
        [0, 1, 2, 3, 10].map((n) => retryDelay(n)),
        [1000, 2000, 4000, 8000, 30000],
      );
      assert.equal(retryDelay(0, 2500), 2500);
      assert.equal(retryDelay(0, 3_600_000), 30000);
      assert.equal(parseRetryAfter('7'), 7000);
      assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
      assert.equal(parseRetryAfter('soon'), undefined);
      assert.equal(parseRetryAfter(undefined), undefined);
    });
  });

  describe('concurrency and connections', () => {
    it('keeps at most maxConcurrent requests in flight, in order, over reused connections', async () => {
      env.double.latencyMs = 20;
      make({ maxConcurrent: 3 });
      const ids = [...env.double.users.values()].filter((u) => u.restricted).map((u) => u.id);
      const calls = Array.from({ length: 30 }, (_, i) =>
        env.client.removeManagedUserPin(ids[i % ids.length]),
      );
      await until(() => env.double.inFlight > 0, 'a request in flight');
      assert.ok(env.client.inFlight <= 3);
      const results = await Promise.all(calls);
      assert.equal(results.length, 30);
      assert.equal(env.double.peakInFlight, 3);
      assert.ok(
        env.double.connections <= 3,
        `${env.double.connections} connections for 30 requests`,
      );
      assert.ok(
        env.double.peakConnections >= 1 && env.double.peakConnections <= 3,
        `peak ${env.double.peakConnections} open`,
      );
    });
  });

  describe('base URL', () => {
    it('accepts http(s) URLs and refuses anything else with NOT_CONFIGURED', () => {
      assert.equal(normaliseBaseUrl('https://plex.tv/'), 'https://plex.tv');
      assert.equal(
        normaliseBaseUrl(' http://127.0.0.1:3000/proxy/ '),
        'http://127.0.0.1:3000/proxy',
      );
      assert.equal(normaliseBaseUrl('http://localhost:32400'), 'http://localhost:32400');
      assert.equal(normaliseBaseUrl('http://127.8.9.10/'), 'http://127.8.9.10');
      assert.equal(normaliseBaseUrl('http://[::1]:9/'), 'http://[::1]:9');
      for (const bad of [
        'http://plex.tv',
        'http://example.com/proxy',
        'http://192.168.1.2:32400',
        'http://128.0.0.1',
        'http://localhost.example.com',
        'http://[::2]',
        'ftp://plex.tv',
        'file:///etc/passwd',
        'plex.tv',
        '',
        'https://u:p@plex.tv',
        'https://plex.tv/?X-Plex-Token=1',
      ]) {
        assert.throws(
          () => normaliseBaseUrl(bad),
          (e: unknown) => e instanceof PlexTvError && e.code === 'NOT_CONFIGURED',
          bad,
        );
      }
    });

    it('keeps a path prefix of the base URL', async () => {
      make({ baseUrl: `${env.double.url}/prefix` });
      await rejection(env.client.removeManagedUserPin(KIDS));
      assert.equal(env.double.requests[0].path, `/prefix/api/v2/home/users/restricted/${KIDS}`);
    });
  });
});
