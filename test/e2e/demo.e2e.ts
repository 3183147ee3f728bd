import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT,
  adminApi,
  deployFlows,
  loadExamples,
  plexInjects,
} from '../../scripts/node-red-runtime';
import { eventually, newToken } from './support';

/** `npm run demo` as a user starts it, each run in its own folder and on free ports. */

interface Demo {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startDemo(dir: string, env: Record<string, string>): Demo {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: ROOT,
    env: { ...process.env, PLEX_TOKEN: '', PLEX_CLIENT_IDENTIFIER: '', DEMO_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function ready(demo: Demo): Promise<string> {
  let url = '';
  await eventually(
    () => {
      const match = /Node-RED editor: (http:\/\/\S+?)\/?$/m.exec(demo.output());
      if (demo.child.exitCode !== null) throw new Error(`the demo exited:\n${demo.output()}`);
      url = match?.[1] ?? '';
      return !!url;
    },
    'the demo to print the editor URL',
    90_000,
  );
  return url;
}

/**
 * A port nothing listens on right now, for the demo to take a few seconds later. It is chosen
 * below the range the system takes ports from for outgoing connections (32768 and up on Linux):
 * a port the system hands out can be taken meanwhile by any connection on the machine, and
 * suites running beside this one open tens of thousands.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

type FlowNode = { id: string; type: string; [key: string]: unknown };

/**
 * Signs the demo's account in as the double's administrator, the way the account dialog and
 * the double's sign-in page do it (the browser itself is driven in sign-in.e2e.ts); returns
 * the token.
 */
async function signInAsParent(url: string, account: FlowNode): Promise<string> {
  const settings = {
    clientIdentifier: account.clientIdentifier,
    product: account.product,
    deviceName: account.deviceName,
    baseUrl: account.baseUrl,
  };
  const started = await adminApi<{ pinId: number; authUrl: string }>(
    url,
    'POST',
    '/plex-account/sign-in',
    {
      ...settings,
      authUrl: account.authUrl,
    },
  );
  const page = new URL(started.authUrl);
  assert.equal(`${page.origin}${page.pathname}`, account.authUrl);
  const query = new URLSearchParams(page.hash.replace(/^#\??/, ''));
  // What the page's "Sign in as Parent" button sends.
  const form = new URLSearchParams({
    code: query.get('code') ?? '',
    clientID: query.get('clientID') ?? '',
    user: '1',
  });
  const signedIn = await fetch(page.origin + page.pathname, { method: 'POST', body: form });
  assert.match(await signedIn.text(), /Signed in as Parent/);
  let token = '';
  await eventually(async () => {
    const answer = await adminApi<{ state: string; token?: string }>(
      url,
      'POST',
      '/plex-account/sign-in/poll',
      {
        pinId: started.pinId,
        clientIdentifier: settings.clientIdentifier,
        baseUrl: settings.baseUrl,
      },
    );
    token = answer.token ?? '';
    return answer.state === 'signed-in';
  }, 'the sign-in');
  return token;
}

describe('end to end: npm run demo', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const running: Demo[] = [];

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-home-demo-'));
    dirs.push(dir);
    return dir;
  }

  function start(dir: string, env: Record<string, string>): Demo {
    const demo = startDemo(dir, env);
    running.push(demo);
    return demo;
  }

  after(async () => {
    for (const demo of running) {
      if (demo.child.exitCode === null) demo.child.kill('SIGTERM');
      await demo.exit;
    }
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('with the plex.tv double', () => {
    let dir: string;
    let demo: Demo;
    let url: string;
    let editorPort: number;
    let plexPort: number;

    before(async () => {
      dir = tempDir();
      editorPort = await freePort();
      plexPort = await freePort();
      demo = start(dir, { DEMO_PORT: String(editorPort), DEMO_PLEX_PORT: String(plexPort) });
      url = await ready(demo);
    });

    it('deploys the examples with an account on the double that has no token yet, says how to sign in', async () => {
      assert.equal(url, `http://127.0.0.1:${editorPort}`);
      const flows = await adminApi<FlowNode[]>(url, 'GET', '/flows');
      const accounts = flows.filter((n) => n.type === 'plex-account');
      assert.equal(accounts.length, 1);
      const [account] = accounts;
      assert.equal(account.baseUrl, `http://127.0.0.1:${plexPort}`);
      assert.equal(account.authUrl, `http://127.0.0.1:${plexPort}/auth`);
      assert.deepEqual(await adminApi(url, 'GET', `/credentials/plex-account/${account.id}`), {});
      assert.match(
        demo.output(),
        /click "Sign in with Plex", and in the window\s+that opens click "Sign in as Parent"/,
      );

      // The newcomer's sign-in, as the dialog and the double's page make it, then a deploy.
      const token = await signInAsParent(url, account);
      const signedIn = flows.map((n) =>
        n.id === account.id ? { ...n, credentials: { token } } : n,
      );
      const started = () => demo.output().split('] Started flows').length;
      const before = started();
      await deployFlows(url, signedIn);
      await eventually(() => started() > before, 'the flows to start again');
      await eventually(
        () => demo.output().includes('GET /api/v2/user -> 200 Parent'),
        'the account to check its new token',
      );
      assert.deepEqual(await adminApi(url, 'GET', `/credentials/plex-account/${account.id}`), {
        has_token: true,
      });
      const examples = loadExamples();
      for (const example of examples) {
        const names = plexInjects([example]).map((n) => `"${String(n.name)}"`);
        if (names.length === 0) continue;
        assert.match(demo.output(), new RegExp(`${example.name} +${names.join(', ')}`));
      }
      assert.match(demo.output(), /debug sidebar/);
      // The README's walkthrough starts on remove-a-pin: its tab comes first.
      assert.equal(flows.find((n) => n.type === 'tab')?.label, 'remove-a-pin');
      // A clean start: nothing about credentials (Node-RED warns when it finds none encrypted).
      assert.doesNotMatch(demo.output(), /\[warn\].*[Cc]redential/);

      // Every inject of the examples works as deployed: a stand-in logs a request for each.
      const logged = () =>
        demo
          .output()
          .split('\n')
          .filter((l) => /^(plex\.tv stand-in|plex server) \|/.test(l));
      for (const inject of plexInjects(examples)) {
        if (!flows.some((n) => n.id === inject.id)) continue;
        const before = logged().length;
        await adminApi(url, 'POST', `/inject/${inject.id}`, undefined, { Accept: 'text/plain' });
        await eventually(() => logged().length > before, `a request from ${String(inject.name)}`);
        if (inject.name === '20:00 every day') {
          // The walkthrough's bedtime: the Kids' PIN set and their stream stopped, with its message.
          await eventually(
            () =>
              /plex server \| stopped the stream of Kids on Living Room TV with the message "It's bedtime\. Plex is closed until morning\."/.test(
                demo.output(),
              ),
            "the Kids' stream stopped",
          );
          assert.match(
            demo.output(),
            /plex\.tv stand-in \| POST \/api\/v2\/home\/users\/restricted\/12345678\?pin=\*\*\*\* -> 201 Kids/,
          );
        }
      }
      const deployed = examples.filter((e) =>
        e.nodes.some((n) => flows.some((f) => f.id === n.id)),
      );
      assert.deepEqual(deployed.map((e) => e.name).sort(), [
        'bedtime-routine',
        'find-my-users',
        'remove-a-pin',
        'screen-time',
        'sign-in-alert',
      ]);
      assert.match(
        demo.output(),
        /home-assistant-bedtime +not deployed: its server-state-changed, server nodes need a Home Assistant/,
      );
      assert.match(demo.output(), /Kids +is watching Bluey · Sleepytime on Living Room TV/);
      assert.ok(
        logged().every(
          (line) => / -> 20[01] /.test(line) || /\| stopped the stream of /.test(line),
        ),
        logged().join('\n'),
      );
      assert.ok(!demo.output().includes(token), 'the token is never printed');
    });

    it('refuses a second demo from the same folder', async () => {
      const second = start(dir, {
        DEMO_PORT: String(await freePort()),
        DEMO_PLEX_PORT: String(await freePort()),
      });
      assert.equal(await second.exit, 1);
      assert.match(second.output(), /A demo is already running from this folder/);
    });

    it('refuses a port that is in use, naming the variable that moves it', async () => {
      const other = start(tempDir(), {
        DEMO_PORT: String(editorPort),
        DEMO_PLEX_PORT: String(await freePort()),
      });
      assert.equal(await other.exit, 1);
      assert.match(other.output(), new RegExp(`Port ${editorPort} on 127.0.0.1 is already in use`));
      assert.match(other.output(), /DEMO_PORT=\d+ npm run demo/);
    });

    it('stops Node-RED and the double on SIGINT', async () => {
      demo.child.kill('SIGINT');
      assert.equal(await demo.exit, 0);
      assert.equal(await listening(editorPort), false, 'Node-RED stopped');
      assert.equal(await listening(plexPort), false, 'the double stopped');
      assert.equal(fs.existsSync(path.join(dir, 'demo.pid')), false, 'lock released');
    });
  });

  it('with PLEX_TOKEN: an account on https://plex.tv, the token a credential, no double', async () => {
    const token = newToken();
    const clientId = randomUUID();
    const plexPort = await freePort();
    const demo = start(tempDir(), {
      DEMO_PORT: String(await freePort()),
      DEMO_PLEX_PORT: String(plexPort),
      PLEX_TOKEN: token,
      PLEX_CLIENT_IDENTIFIER: clientId,
    });
    const url = await ready(demo);
    const flows = await adminApi<FlowNode[]>(url, 'GET', '/flows');
    const [account] = flows.filter((n) => n.type === 'plex-account');
    assert.equal(account.baseUrl, 'https://plex.tv');
    assert.equal(account.clientIdentifier, clientId);
    assert.deepEqual(await adminApi(url, 'GET', `/credentials/plex-account/${account.id}`), {
      has_token: true,
    });
    assert.equal(await listening(plexPort), false, 'no double');
    assert.ok(!JSON.stringify(flows).includes(token));
    demo.child.kill('SIGTERM');
    assert.equal(await demo.exit, 0);
    assert.ok(!demo.output().includes(token), 'the token is never printed');
    assert.doesNotMatch(demo.output(), /plex\.tv stand-in \|/);
  });
});
