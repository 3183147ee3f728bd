import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BODIES, PlexTvDouble, type Fault } from '../double/plex-tv-double';
import { PlexServerDouble, SERVER_TOKEN } from '../double/plex-server-double';
import {
  ROOT,
  adminApi,
  examplePinCredential,
  examplesAsFlows,
  homeAssistantPackage,
  loadExamples,
  packageInfo,
  plexInjects,
  type FlowNode,
} from '../../scripts/node-red-runtime';
import {
  eventually,
  newToken,
  postJson,
  startChecksHeard,
  startRuntime,
  type Runtime,
} from './support';

/**
 * A real Node-RED process with the packed package installed by npm, driven through the Admin
 * API and http-in nodes, against the plex.tv double.
 */

const CLIENT_ID = '3b7f0c1e-9a4d-4e2b-8c6f-1d2e3f4a5b6c';
const TAB = 'e2e0000000000001';

interface Answer {
  output: 1 | 2;
  user?: Record<string, unknown>;
  plex?: { userId: number; statusCode: number };
  error?: {
    code: string;
    message: string;
    statusCode?: number;
    plexCode?: number;
    userId?: number;
  };
}

/** Error codes the README documents in its Errors table. */
function documentedErrorCodes(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Errors'));
  assert.ok(section, 'README has an Errors section');
  return [...section.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]);
}

function account(id: string, overrides: Record<string, unknown>, token?: string): FlowNode {
  return {
    id,
    type: 'plex-account',
    name: `account ${id}`,
    clientIdentifier: CLIENT_ID,
    product: 'Node-RED',
    timeout: 10000,
    retries: 0,
    maxConcurrent: 4,
    ...overrides,
    ...(token === undefined ? {} : { credentials: { token } }),
  };
}

/**
 * http-in /e2e/<route> -> a Plex node (remove PIN unless `node` says otherwise) with the given
 * account -> one http response per output. The user comes from `msg.payload.userId`.
 */
function endpoint(
  route: string,
  accountId: string,
  y: number,
  node: Record<string, unknown> = {},
): FlowNode[] {
  const id = (suffix: string) => `${route}-${suffix}`;
  return [
    {
      id: id('in'),
      type: 'http in',
      z: TAB,
      url: `/e2e/${route}`,
      method: 'post',
      upload: false,
      x: 100,
      y,
      wires: [[id('remove')]],
    },
    {
      id: id('remove'),
      type: 'plex-remove-pin',
      z: TAB,
      account: accountId,
      userId: 'payload.userId',
      userIdType: 'msg',
      x: 300,
      y,
      wires: [[id('user')], [id('error')]],
      ...node,
    },
    {
      id: id('user'),
      type: 'change',
      z: TAB,
      rules: [
        {
          t: 'set',
          p: 'payload',
          pt: 'msg',
          to: '{"output": 1, "user": payload, "plex": plex, "home": home}',
          tot: 'jsonata',
        },
      ],
      x: 500,
      y,
      wires: [[id('out')]],
    },
    {
      id: id('error'),
      type: 'change',
      z: TAB,
      rules: [
        { t: 'set', p: 'payload', pt: 'msg', to: '{"output": 2, "error": error}', tot: 'jsonata' },
      ],
      x: 500,
      y: y + 40,
      wires: [[id('out')]],
    },
    { id: id('out'), type: 'http response', z: TAB, statusCode: '200', x: 700, y, wires: [] },
  ];
}

describe('end to end: a real Node-RED runtime with the packed package', function () {
  this.timeout(120_000);
  let double: PlexTvDouble;
  /** The account's Plex Media Server, listed in the double's resources. */
  let server: PlexServerDouble;
  let runtime: Runtime;
  const token = newToken();
  const pin = '7305';
  const answers: string[] = [];

  async function call(route: string, body: unknown): Promise<Answer> {
    const answer = await postJson<Answer>(`${runtime.url}/e2e/${route}`, body);
    answers.push(JSON.stringify(answer));
    return answer;
  }

  before(async () => {
    double = new PlexTvDouble({ token });
    await double.start();
    server = new PlexServerDouble();
    await server.start();
    double.resources = [await server.resource()];
    // The Home Assistant nodes beside ours, as in Home Assistant's Node-RED add-on.
    runtime = await startRuntime('runtime', {}, [homeAssistantPackage()]);
  });

  after(async () => {
    await runtime?.stop();
    await double?.stop();
    await server?.stop();
  });

  describe('installed from the tarball', () => {
    it('registers every node type of package.json, from the installed package', async () => {
      const pkg = packageInfo();
      const sets = await adminApi<
        Array<{ module: string; version: string; types: string[]; enabled: boolean; err?: string }>
      >(runtime.url, 'GET', '/nodes');
      const ours = sets.filter((set) => set.module === pkg.name);
      assert.deepEqual(ours.flatMap((set) => set.types).sort(), [...pkg.nodeTypes].sort());
      for (const set of ours) {
        assert.equal(set.version, pkg.version);
        assert.equal(set.enabled, true);
        assert.equal(set.err, undefined, `${set.types.join(', ')}: ${set.err}`);
      }
      const installed = path.join(runtime.userDir, 'node_modules', pkg.name, 'package.json');
      assert.ok(fs.existsSync(installed), 'installed into the user directory by npm');
    });
  });

  describe('a deployed flow driven through http-in nodes', () => {
    before(async () => {
      await runtime.nodeRed.deploy([
        { id: TAB, type: 'tab', label: 'e2e' },
        account('acc-good', { baseUrl: double.url }, token),
        account('acc-wrong', { baseUrl: double.url }, 'not-the-token'),
        account('acc-none', { baseUrl: double.url }),
        account('acc-no-id', { baseUrl: double.url, clientIdentifier: '' }, token),
        account('acc-short', { baseUrl: double.url, timeout: 300 }, token),
        ...endpoint('good', 'acc-good', 100),
        ...endpoint('wrong-token', 'acc-wrong', 200),
        ...endpoint('no-token', 'acc-none', 300),
        ...endpoint('no-client-id', 'acc-no-id', 400),
        ...endpoint('short-timeout', 'acc-short', 500),
        account('acc-names', { baseUrl: double.url }, token),
        ...endpoint('by-name', 'acc-names', 600),
        // Its own account: the names of the Home are cached per account.
        account('acc-twins', { baseUrl: double.url }, token),
        ...endpoint('twins', 'acc-twins', 900),
        // Its own account too: the one Home users request is counted.
        account('acc-admin', { baseUrl: double.url }, token),
        ...endpoint('not-managed', 'acc-admin', 1100),
        ...endpoint('no-account', '', 1000),
        ...endpoint('set-pin', 'acc-good', 700, {
          type: 'plex-set-pin',
          pinSource: 'msg',
          pinProperty: 'payload.pin',
        }),
        ...endpoint('home-users', 'acc-good', 800, {
          type: 'plex-home-users',
          filter: '',
          filterType: 'str',
        }),
        // Its own account: the choice of server is kept per account.
        account('acc-servers', { baseUrl: double.url }, token),
        ...endpoint('sessions', 'acc-servers', 1200, { type: 'plex-sessions', server: '' }),
      ]);
      // Each account with a token checks it once at start: 7 of them.
      await startChecksHeard(double, 8);
    });

    beforeEach(() => double.reset());

    it('removes a PIN: the user on output 1, the token only in the request header', async () => {
      assert.ok(double.users.get(12345678)?.pin, 'the user has a PIN to begin with');
      const answer = await call('good', { userId: 12345678 });
      assert.equal(answer.output, 1);
      assert.equal(answer.user?.id, 12345678);
      assert.equal(answer.user?.title, 'Kids');
      assert.equal(answer.user?.protected, false);
      assert.deepEqual(answer.plex, { userId: 12345678, statusCode: 201 });
      assert.equal(double.users.get(12345678)?.pin, undefined);
      assert.equal(double.requests.length, 1);
      const [request] = double.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/api/v2/home/users/restricted/12345678');
      assert.deepEqual(request.query, { removePin: '1' });
      assert.equal(request.headers['x-plex-token'], token);
      assert.equal(request.headers['x-plex-client-identifier'], CLIENT_ID);
      assert.ok(!request.url.includes(token));
    });

    it('sets a PIN taken from the message: the PIN only in the request', async () => {
      const answer = await call('set-pin', { userId: 23456789, pin: pin });
      assert.equal(answer.output, 1, JSON.stringify(answer));
      assert.equal(answer.user?.id, 23456789);
      assert.equal(answer.user?.protected, true);
      assert.equal(double.users.get(23456789)?.pin, pin);
      assert.equal(double.requests.at(-1)?.query.pin, pin);
      assert.ok(!JSON.stringify(answer).includes(pin));
      // Back to the seeded Home for the cases below.
      delete double.users.get(23456789)?.pin;
    });

    it('lists the Home users', async () => {
      const answer = await call('home-users', {});
      assert.equal(answer.output, 1, JSON.stringify(answer));
      const users = answer.user as unknown as Array<{ id: number; title: string }>;
      assert.deepEqual(users.map((u) => u.id).sort(), [...double.users.keys()].sort());
      assert.equal(double.requests[0].path, '/api/v2/home/users');
    });

    it('finds a user by name, then removes that PIN', async () => {
      double.users.get(12345678)!.pin = '4321';
      const answer = await call('by-name', { userId: 'kids' });
      assert.equal(answer.output, 1, JSON.stringify(answer));
      assert.equal(answer.user?.id, 12345678);
      assert.equal(double.users.get(12345678)?.pin, undefined);
      assert.deepEqual(
        double.requests.map((r) => `${r.method} ${r.path}`),
        ['GET /api/v2/home/users', 'POST /api/v2/home/users/restricted/12345678'],
      );
    });

    const cases: Array<{
      code: string;
      route: string;
      userId?: unknown;
      fault?: Fault;
      pin?: string;
      /** Adds a managed user, and a second one with the same title, to the Home first. */
      home?: { id: number; title: string };
      /** Lists a second owned server in the account's resources first. */
      secondServer?: true;
      statusCode?: number;
      plexCode?: number;
      requests: number;
    }> = [
      { code: 'INVALID_USER_ID', route: 'good', userId: '1.5', requests: 0 },
      { code: 'INVALID_PIN', route: 'set-pin', userId: 23456789, pin: '12a4', requests: 0 },
      {
        code: 'AMBIGUOUS_USER',
        route: 'twins',
        userId: 'Twin',
        home: { id: 34567890, title: 'Twin' },
        requests: 1,
      },
      // Two owned servers and a blank Server setting: only plex.tv's resources are asked.
      { code: 'AMBIGUOUS_SERVER', route: 'sessions', secondServer: true, requests: 1 },
      // The administrator's name: the list is asked, the PIN endpoint is not.
      { code: 'NOT_MANAGED', route: 'not-managed', userId: 'Parent', requests: 1 },
      { code: 'NOT_CONFIGURED', route: 'no-token', requests: 0 },
      {
        code: 'BAD_REQUEST',
        route: 'no-client-id',
        statusCode: 400,
        plexCode: 1000,
        requests: 1,
      },
      {
        code: 'UNAUTHORIZED',
        route: 'wrong-token',
        statusCode: 401,
        plexCode: 1001,
        requests: 1,
      },
      {
        code: 'FORBIDDEN',
        route: 'good',
        fault: { kind: 'status', status: 403, body: BODIES.managedNotAllowed },
        statusCode: 403,
        plexCode: 1009,
        requests: 1,
      },
      { code: 'NOT_FOUND', route: 'good', userId: 1, statusCode: 404, plexCode: 1002, requests: 1 },
      {
        code: 'RATE_LIMITED',
        route: 'good',
        fault: {
          kind: 'status',
          status: 429,
          body: BODIES.rateLimitedJson,
          contentType: 'application/json',
        },
        statusCode: 429,
        plexCode: 1003,
        requests: 1,
      },
      {
        code: 'SERVER_ERROR',
        route: 'good',
        fault: { kind: 'status', status: 502, body: BODIES.html, contentType: 'text/html' },
        statusCode: 502,
        requests: 1,
      },
      {
        code: 'HTTP_ERROR',
        route: 'good',
        fault: { kind: 'status', status: 302, headers: { Location: 'http://127.0.0.1:9/' } },
        statusCode: 302,
        requests: 1,
      },
      { code: 'TIMEOUT', route: 'short-timeout', fault: { kind: 'hang' }, requests: 1 },
      { code: 'NETWORK', route: 'good', fault: { kind: 'reset' }, requests: 1 },
      {
        code: 'BAD_RESPONSE',
        route: 'good',
        fault: { kind: 'status', status: 201, body: '<nothing/>' },
        statusCode: 201,
        requests: 1,
      },
    ];

    it('has a case below for every error code the README documents on output 2', () => {
      // ABORTED never leaves a node, and INTERNAL is a fault no request can provoke.
      assert.deepEqual(
        cases.map((c) => c.code),
        documentedErrorCodes().filter((code) => !['ABORTED', 'INTERNAL'].includes(code)),
      );
    });

    for (const c of cases) {
      it(`${c.code} comes out of output 2`, async () => {
        if (c.fault) double.inject(c.fault);
        if (c.home) {
          const twin = { ...double.users.get(23456789)!, title: c.home.title };
          double.users.set(c.home.id, { ...twin, id: c.home.id });
          double.users.set(c.home.id + 1, { ...twin, id: c.home.id + 1 });
        }
        const servers = double.resources;
        if (c.secondServer) {
          double.resources = [...servers, { ...servers[0], name: 'Cabin', clientIdentifier: 'c' }];
        }
        const answer = await call(c.route, { userId: c.userId ?? 23456789, pin: c.pin });
        double.resources = servers;
        assert.equal(answer.output, 2, JSON.stringify(answer));
        assert.equal(answer.error?.code, c.code, JSON.stringify(answer));
        assert.equal(answer.error?.statusCode, c.statusCode);
        assert.equal(answer.error?.plexCode, c.plexCode);
        if (c.code === 'NOT_MANAGED') assert.equal(answer.error?.userId, 1);
        assert.ok(answer.error?.message, 'a message');
        assert.equal(double.requests.length, c.requests);
      });
    }

    it('explains a node without an account in words, not as a message key', async () => {
      const answer = await call('no-account', { userId: 23456789 });
      assert.equal(answer.error?.code, 'NOT_CONFIGURED');
      assert.match(answer.error?.message ?? '', / /);
      assert.doesNotMatch(answer.error?.message ?? '', /^[\w-]+(\.[\w-]+)+$/);
      assert.equal(double.requests.length, 0);
    });

    it('never lets the token out: answers, log, flows, flow file', async () => {
      const flows = JSON.stringify(await adminApi(runtime.url, 'GET', '/flows'));
      const credentials = JSON.stringify(
        await adminApi(runtime.url, 'GET', '/credentials/plex-account/acc-good'),
      );
      assert.equal(credentials, '{"has_token":true}');
      const files = ['flows.json', 'flows_cred.json'].map((file) =>
        fs.readFileSync(path.join(runtime.userDir, file), 'utf8'),
      );
      const everything = [...answers, runtime.nodeRed.log(), flows, credentials, ...files];
      assert.ok(answers.length >= cases.length, 'answers were recorded');
      for (const text of everything) {
        assert.ok(!text.includes(token), 'token found');
        assert.ok(!text.includes(SERVER_TOKEN), "the server's token found");
        assert.ok(!text.includes(pin), 'PIN found');
      }
    });
  });

  describe('the example flows', () => {
    it('deploys every example flow; each inject reaches plex.tv with the token in the header', async () => {
      const examples = loadExamples();
      assert.ok(examples.length > 0, 'examples/ has flows');
      const injects = plexInjects(examples);
      assert.ok(injects.length > 0, 'the examples have inject nodes wired to Plex nodes');
      await runtime.nodeRed.deploy(
        examplesAsFlows(
          examples,
          account('examples-account', { baseUrl: double.url }, token),
          examplePinCredential(pin),
        ),
      );
      const typeOf = new Map(examples.flatMap((e) => e.nodes).map((n) => [n.id, n.type]));
      for (const inject of injects) {
        double.reset();
        server.reset();
        const target = typeOf.get((inject.wires as string[][])[0][0]);
        // The list for plex-home-users; the PIN change for the PIN nodes (after a name look-up);
        // the server's sessions list for the stream nodes.
        const [where, expected] =
          target === 'plex-home-users'
            ? [double, 'GET /api/v2/home/users']
            : target === 'plex-sessions' || target === 'plex-stop-streams'
              ? [server, 'GET /status/sessions']
              : [double, 'POST /api/v2/home/users/restricted/'];
        await adminApi(runtime.url, 'POST', `/inject/${inject.id}`, undefined, {
          Accept: 'text/plain',
        });
        await eventually(
          () => where.requests.some((r) => `${r.method} ${r.path}`.startsWith(expected)),
          `${expected}… from inject ${inject.id} (${target})`,
        );
        if (inject.name === '20:00 every day') {
          // bedtime-routine: the Kids' PIN set, and the Kids' stream stopped with its reason.
          await eventually(() => server.stops.length === 1, "the Kids' stream stopped");
          assert.deepEqual(server.stops, [
            {
              sessionId: 'kids-living-room-1',
              reason: "It's bedtime. Plex is closed until morning.",
            },
          ]);
          assert.equal(double.users.get(12345678)?.pin, pin);
        }
        for (const request of double.requests) {
          assert.equal(request.headers['x-plex-token'], token);
          assert.ok(!request.url.includes(token));
        }
      }
      assert.equal(server.stops.length, 1, 'bedtime stopped a stream');
      // home-assistant-bedtime deployed with the Home Assistant nodes: no type was missing, and
      // none of this package's nodes reported an error (its Home Assistant is simply not there).
      const log = runtime.nodeRed.log();
      assert.doesNotMatch(log, /Waiting for missing types|Unknown type|unknown node type/i);
      const deployed = await adminApi<Array<{ type: string }>>(runtime.url, 'GET', '/flows');
      assert.ok(deployed.some((n) => n.type === 'server-state-changed'));
      assert.doesNotMatch(log, /\[(error|warn)\] \[plex-(?!account)/);
      assert.ok(!runtime.nodeRed.log().includes(pin), 'no PIN in the log');
      assert.ok(!JSON.stringify(await adminApi(runtime.url, 'GET', '/flows')).includes(pin));
    });
  });

  describe('stopping', () => {
    it('stops when its own pid is told to, and frees its port', async () => {
      const pid = runtime.nodeRed.pid;
      const url = runtime.url;
      assert.equal(await runtime.stop(), 0);
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
      await assert.rejects(fetch(`${url}/settings`));
    });
  });
});
