import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PlexTvDouble } from '../test/double/plex-tv-double';
import { PlexServerDouble } from '../test/double/plex-server-double';
import {
  ACCOUNT_TYPE,
  deployableExamples,
  MissingBuildError,
  NodeRedProcess,
  NodeRedStartError,
  ROOT,
  examplePinCredential,
  examplesAsFlows,
  loadExamples,
  missingBuildFiles,
  nodeId,
  packPackage,
  packageInfo,
  plexInjects,
  prepareUserDir,
  type Example,
  type FlowNode,
} from './node-red-runtime';

/**
 * `npm run demo`: the local plex.tv double and a real Node-RED with this package installed
 * from its tarball and the example flows deployed, with an account that has no token yet:
 * the newcomer signs in with Plex, on the double's sign-in page. With PLEX_TOKEN set, the
 * flows talk to https://plex.tv with that token instead. Ctrl-C stops everything.
 */

const DEMO_DIR = path.resolve(process.env.DEMO_DIR || path.join(ROOT, '.demo'));
const USER_DIR = path.join(DEMO_DIR, 'node-red');
const LOCK_FILE = path.join(DEMO_DIR, 'demo.pid');
const CLIENT_ID_FILE = path.join(DEMO_DIR, 'client-identifier');
// Encrypts .demo/node-red/flows_cred.json; fixed so restarts can read it. Not for production use.
const CREDENTIAL_SECRET = 'node-red-contrib-plex-home demo credentials';
/** The PIN the examples' plex-set-pin nodes set on the stand-in's users. */
const DEMO_PIN = '1234';
/** The example whose tab comes first: the README's walkthrough starts there. */
const FIRST_EXAMPLE = 'remove-a-pin';

/** A problem the user can fix, told in one message. */
class DemoError extends Error {}

let nodeRed: NodeRedProcess | undefined;
let nodeRedPid: number | undefined;
let double: PlexTvDouble | undefined;
let server: PlexServerDouble | undefined;
let stopping = false;
let ownsLock = false;

async function main(): Promise<void> {
  const editorPort = portFromEnv('DEMO_PORT', 1880);
  const plexPort = portFromEnv('DEMO_PLEX_PORT', 1881);
  const plexToken = process.env.PLEX_TOKEN?.trim();

  acquireLock();
  const missing = missingBuildFiles();
  if (missing.length > 0) throw new MissingBuildError(missing);
  if (buildIsStale()) {
    say('Note: src/ has changed since the last build; `npm run build` makes the demo show it.');
  }
  await assertPortFree(editorPort, 'DEMO_PORT', 'Node-RED');
  if (!plexToken) await assertPortFree(plexPort, 'DEMO_PLEX_PORT', 'the plex.tv stand-in');

  const pkg = packageInfo();
  say(`Packing ${pkg.name} ${pkg.version} and installing it into ${USER_DIR} …`);
  const tarball = await packPackage(path.join(DEMO_DIR, 'pack'));
  await prepareUserDir(USER_DIR, tarball, { credentialSecret: CREDENTIAL_SECRET });
  if (stopping) return;

  let account: FlowNode;
  if (plexToken) {
    account = accountNode('plex.tv', 'https://plex.tv', clientIdentifier(), plexToken);
  } else {
    // The administrator's token, which "Sign in as Parent" on the double's sign-in page gives.
    const token = randomBytes(16).toString('hex');
    const plexTv = new PlexTvDouble({ token, log: (line) => say(`plex.tv stand-in | ${line}`) });
    await listenOrExplain(() => plexTv.start(plexPort), plexPort, 'DEMO_PLEX_PORT', 'the stand-in');
    double = plexTv;
    account = {
      ...accountNode('plex.tv stand-in', plexTv.url, randomUUID()),
      authUrl: `${plexTv.url}/auth`,
    };
  }

  try {
    nodeRed = await NodeRedProcess.start({
      userDir: USER_DIR,
      port: editorPort,
      onSpawn: (pid) => (nodeRedPid = pid),
      onLog: (line) => say(`node-red | ${line}`),
    });
  } catch (error) {
    if (error instanceof NodeRedStartError && error.portInUse) {
      throw portInUse(editorPort, 'DEMO_PORT', 'Node-RED');
    }
    throw error;
  }
  void nodeRed.exit.then((code) => {
    if (!stopping) {
      console.error(`\nNode-RED stopped by itself (exit code ${code}); stopping the demo.`);
      void shutdown(1);
    }
  });

  if (double) {
    // Started once Node-RED listens: an ephemeral port of its own cannot take the editor's.
    // A Plex Media Server where Kids and Teen are watching, listed in the account's resources.
    server = new PlexServerDouble({
      token: randomBytes(16).toString('hex'),
      log: (line) => say(`plex server | ${line}`),
    });
    await server.start();
    double.resources = [await server.resource()];
  }
  const { usable: examples, missing: leftOut } = await deployableExamples(
    nodeRed.url,
    loadExamples().sort(
      (a, b) => Number(b.name === FIRST_EXAMPLE) - Number(a.name === FIRST_EXAMPLE),
    ),
  );
  // Against the real plex.tv, PINs are the user's to choose: the set-PIN nodes get none.
  const pins = plexToken ? undefined : examplePinCredential(DEMO_PIN);
  await nodeRed.deploy(examplesAsFlows(examples, account, pins));
  say(instructions(nodeRed.url, examples, leftOut, plexToken ? undefined : double, server));
}

/** The demo's account; without a token until somebody signs in. */
function accountNode(
  name: string,
  baseUrl: string,
  clientIdentifier: string,
  token?: string,
): FlowNode {
  return {
    id: nodeId('demo:plex-account'),
    type: ACCOUNT_TYPE,
    name,
    clientIdentifier,
    product: 'Node-RED',
    deviceName: 'Node-RED',
    baseUrl,
    authUrl: 'https://app.plex.tv/auth',
    timeout: 10000,
    retries: 2,
    maxConcurrent: 4,
    ...(token ? { credentials: { token } } : {}),
  };
}

/** plex.tv lists every new client id as a device: keep one for this checkout. */
function clientIdentifier(): string {
  const fromEnv = process.env.PLEX_CLIENT_IDENTIFIER?.trim();
  if (fromEnv) return fromEnv;
  if (fs.existsSync(CLIENT_ID_FILE)) return fs.readFileSync(CLIENT_ID_FILE, 'utf8').trim();
  const id = randomUUID();
  fs.writeFileSync(CLIENT_ID_FILE, `${id}\n`);
  return id;
}

function instructions(
  editorUrl: string,
  examples: Example[],
  missing: Array<[string, string[]]>,
  plex?: PlexTvDouble,
  media?: PlexServerDouble,
): string {
  const tabs = examples.map((example) => {
    const injects = plexInjects([example]).map((n) => `"${String(n.name || n.id)}"`);
    return `    ${example.name.padEnd(18)} ${injects.join(', ') || '(no inject node)'}`;
  });
  const home = plex
    ? [
        `plex.tv: the local stand-in at ${plex.url}, with this Plex Home:`,
        ...[...plex.users.values()].map(
          (u) =>
            `  ${String(u.id).padStart(10)}  ${u.title.padEnd(8)} ${u.admin ? 'administrator' : 'managed user'}` +
            `${u.pin ? ', PIN set' : ''}`,
        ),
        `The set-PIN nodes of the examples set the PIN ${DEMO_PIN}.`,
        ...(media
          ? [
              `Plex Media Server "${media.name}" (a local stand-in at ${media.url}), where:`,
              ...[...media.sessions.values()].map(
                (s) =>
                  `  ${s.userTitle.padEnd(8)} is watching ${s.grandparentTitle ? `${s.grandparentTitle} · ` : ''}${s.title} on ${s.player.title}`,
              ),
              'Stopping a stream shows in this terminal with its message (lines "plex server |").',
            ]
          : []),
      ]
    : [
        'plex.tv: https://plex.tv, with the token from PLEX_TOKEN (stored as a credential).',
        "The examples name the stand-in's users: double-click an inject node and put one of your",
        "managed users' ids or names in its payload first, and give set-PIN nodes a PIN.",
        'What the flows do here is for real.',
      ];
  return [
    '',
    '──────────────────────────────────────────────────────────────────────',
    `Node-RED editor: ${editorUrl}/`,
    ...home,
    '',
    ...(plex
      ? [
          'Open the editor. The Plex account has no token yet, so every Plex node shows',
          '"sign-in needed". Sign in first, as with your own Plex account: double-click a Plex',
          'node, click the pencil next to Account, click "Sign in with Plex", and in the window',
          'that opens click "Sign in as Parent" (the Home administrator). The dialog says who',
          'signed in; click Close, Update, Done, then Deploy (top right).',
          'Then each example flow has a tab; on it, click the square button on the left of an',
          'inject node:',
        ]
      : [
          'Open the editor. Each example flow has a tab; on it, click the square button on the left',
          'of an inject node:',
        ]),
    ...tabs,
    ...missing.map(
      ([name, types]) =>
        `    ${name.padEnd(18)} not deployed: its ${types.join(', ')} nodes need a Home Assistant to talk to`,
    ),
    'then open the debug sidebar (the bug icon at the top right): what plex.tv sent back',
    '(output 1), or the error with its code (output 2).',
    'Double-click a Plex node to see its settings; the pencil next to the account opens the',
    'plex-account node (the token shows only as set). Click a Plex node and open the help tab',
    '(the book icon at the top of the sidebar) to read what it does.',
    '',
    'The example flows are deployed afresh on every start. Ctrl-C stops Node-RED and the stand-ins.',
    '──────────────────────────────────────────────────────────────────────',
  ].join('\n');
}

/** Whether a source file is newer than the oldest compiled node file. */
function buildIsStale(): boolean {
  const built = Math.min(
    ...packageInfo().nodeFiles.map((file) => fs.statSync(path.join(ROOT, file)).mtimeMs),
  );
  const sources = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' });
  return sources.some(
    (file) => file.endsWith('.ts') && fs.statSync(path.join(ROOT, 'src', file)).mtimeMs > built,
  );
}

function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name]?.trim();
  if (!value) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DemoError(`${name}=${value} is not a port number (1-65535).`);
  }
  return port;
}

function portInUse(port: number, variable: string, what: string): DemoError {
  return new DemoError(
    `Port ${port} on 127.0.0.1 is already in use, so ${what} cannot listen there.\n` +
      `Stop what uses it, or pick another port: ${variable}=${port > 65525 ? 1024 : port + 10} npm run demo`,
  );
}

async function assertPortFree(port: number, variable: string, what: string): Promise<void> {
  const probe = net.createServer();
  await listenOrExplain(
    () =>
      new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
      }),
    port,
    variable,
    what,
  );
}

async function listenOrExplain(
  listen: () => Promise<unknown>,
  port: number,
  variable: string,
  what: string,
): Promise<void> {
  try {
    await listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw portInUse(port, variable, what);
    throw error;
  }
}

/** One demo per checkout: the pid file in .demo/ says whether another one is running. */
function acquireLock(): void {
  fs.mkdirSync(DEMO_DIR, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(LOCK_FILE, `${process.pid}\n`, { flag: 'wx' });
      ownsLock = true;
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(fs.readFileSync(LOCK_FILE, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
      throw new DemoError(
        `A demo is already running from this folder (process ${pid}).\n` +
          `Use that one, or stop it first (Ctrl-C in its terminal, or: kill ${pid}).`,
      );
    }
    fs.rmSync(LOCK_FILE, { force: true }); // left behind by a demo that was killed
  }
  throw new DemoError(`Could not take ${path.relative(ROOT, LOCK_FILE)}; remove it and retry.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (nodeRedPid !== undefined || double) say('Stopping the demo …');
  try {
    if (nodeRed) await nodeRed.stop();
    else if (nodeRedPid !== undefined && isRunning(nodeRedPid)) process.kill(nodeRedPid, 'SIGTERM');
    await double?.stop();
    await server?.stop();
  } finally {
    if (ownsLock) fs.rmSync(LOCK_FILE, { force: true });
    process.exit(code);
  }
}

function say(text: string): void {
  console.log(text);
}

// A closed terminal or pipe must not keep the demo from cleaning up after itself.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
process.on('exit', () => {
  if (ownsLock) fs.rmSync(LOCK_FILE, { force: true });
});
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((error: unknown) => {
  if (error instanceof DemoError || error instanceof MissingBuildError) {
    console.error(`\n${error.message}`);
  } else if (error instanceof NodeRedStartError) {
    console.error(
      `\n${error.message}. Its last words:\n${error.log.split('\n').slice(-15).join('\n')}`,
    );
  } else {
    console.error('\nThe demo could not start:', error);
  }
  void shutdown(1);
});
