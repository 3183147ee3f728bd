import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, npmPack } from './npm-pack';

/**
 * A real Node-RED in a child process, with this package installed into its user directory
 * the way users get it (from the `npm pack` tarball), driven through the Admin API.
 * Used by `npm run demo` and the end-to-end tests.
 */

export { ROOT };
export const EXAMPLES_DIR = path.join(ROOT, 'examples');
export const ACCOUNT_TYPE = 'plex-account';

const run = promisify(execFile);

/** A node as the Admin API takes it in POST /flows (credentials, if any, go in with it). */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

export interface PackageInfo {
  name: string;
  version: string;
  /** Node types the package registers, from package.json `node-red.nodes`. */
  nodeTypes: string[];
  /** The files Node-RED loads, relative to the package root. */
  nodeFiles: string[];
}

export function packageInfo(): PackageInfo {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    'node-red': { nodes: Record<string, string> };
  };
  const nodes = pkg['node-red'].nodes;
  return {
    name: pkg.name,
    version: pkg.version,
    nodeTypes: Object.keys(nodes),
    nodeFiles: Object.values(nodes),
  };
}

/** The compiled files Node-RED needs that are not there (`npm run build` makes them). */
export function missingBuildFiles(): string[] {
  const needed = [...packageInfo().nodeFiles, 'lib/'];
  return needed.filter((file) => !fs.existsSync(path.join(ROOT, file)));
}

export class MissingBuildError extends Error {
  constructor(readonly missing: string[]) {
    super(
      `The package is not built (${missing.join(', ')} missing). Run \`npm run build\` ` +
        '(`npm ci` runs it too), then try again.',
    );
    this.name = 'MissingBuildError';
  }
}

/** `npm pack` of the current build into `destination`; returns the tarball's path. */
export async function packPackage(destination: string): Promise<string> {
  const missing = missingBuildFiles();
  if (missing.length > 0) throw new MissingBuildError(missing);
  fs.mkdirSync(destination, { recursive: true });
  // --ignore-scripts: pack what is built instead of rebuilding (prepack runs tsc).
  const packed = npmPack(['--ignore-scripts', '--pack-destination', destination]);
  return path.join(destination, packed.filename);
}

export interface SettingsOptions {
  credentialSecret: string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Node-RED's `adminAuth` (users, permissions, `default` for anonymous users); none by default. */
  adminAuth?: Record<string, unknown>;
}

/**
 * Settings for a local, offline Node-RED: loopback only, no telemetry prompt, no tours,
 * no palette catalogue or installs from the editor, credentials encrypted with a known key.
 */
export function nodeRedSettings(options: SettingsOptions): Record<string, unknown> {
  return {
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: options.credentialSecret,
    logging: { console: { level: options.logLevel ?? 'info', metrics: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpdate: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    editorTheme: {
      tours: false,
      palette: { catalogues: [] },
      projects: { enabled: false },
    },
    ...(options.adminAuth ? { adminAuth: options.adminAuth } : {}),
  };
}

/**
 * Makes `userDir` a Node-RED user directory with `settings.js` and the package installed from
 * `tarball` by npm (offline when npm's cache has the dependencies).
 */
export async function prepareUserDir(
  userDir: string,
  tarball: string,
  settings: SettingsOptions,
  /** Other packages to install beside it (npm specs), e.g. nodes an example flow needs. */
  others: string[] = [],
): Promise<void> {
  fs.mkdirSync(userDir, { recursive: true });
  const manifest = path.join(userDir, 'package.json');
  if (!fs.existsSync(manifest)) {
    const project = { name: 'node-red-project', private: true, dependencies: {} };
    fs.writeFileSync(manifest, `${JSON.stringify(project, null, 2)}\n`);
  }
  writeSettings(userDir, settings);
  await run(
    'npm',
    [
      'install',
      tarball,
      ...others,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: userDir, env: npmEnv(), maxBuffer: 16 * 1024 * 1024 },
  );
}

/**
 * `settings.js` for a local, offline Node-RED in `userDir`, and an empty credentials file
 * encrypted with its `credentialSecret` when there is none yet.
 */
export function writeSettings(userDir: string, settings: SettingsOptions): void {
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `// Written by scripts/node-red-runtime.ts: a local Node-RED for trying the package out.\n` +
      `module.exports = ${JSON.stringify(nodeRedSettings(settings), null, 2)};\n`,
  );
  const credentialsFile = path.join(userDir, 'flows_cred.json');
  if (!fs.existsSync(credentialsFile)) {
    fs.writeFileSync(credentialsFile, encryptedCredentials({}, settings.credentialSecret));
  }
}

/**
 * A credentials file as Node-RED writes it with `credentialSecret` (AES-256-CTR, key the SHA-256
 * of the secret, the IV in hex before the base64 text). A new user directory gets an empty one:
 * without any, Node-RED warns at start that it found no encrypted credentials.
 */
function encryptedCredentials(credentials: object, secret: string): string {
  const iv = randomBytes(16);
  const key = createHash('sha256').update(secret).digest();
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const text =
    cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64');
  return JSON.stringify({ $: iv.toString('hex') + text });
}

/** npm's environment without what an enclosing `npm run` sets for its own package. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('npm_') && key !== 'npm_config_cache') delete env[key];
  }
  return env;
}

export interface StartOptions {
  userDir: string;
  /** Another Node-RED's red.js (default: the one in this package's devDependencies). */
  redJs?: string;
  /** The node binary to run it with (default: the one running this). */
  node?: string;
  /** 0 (the default) lets the system choose a free port. */
  port?: number;
  /** Told the process id as soon as there is one, before Node-RED is ready. */
  onSpawn?: (pid: number) => void;
  /** Each line Node-RED prints, as it comes. */
  onLog?: (line: string) => void;
  /** How long to wait for the runtime to listen and start its flows. */
  startTimeoutMs?: number;
}

export class NodeRedStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = 'NodeRedStartError';
  }
}

/** A Node-RED runtime in its own process, listening on 127.0.0.1. */
export class NodeRedProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly lines: string[],
    /** Resolves with the exit code when the process ends, by itself or stopped. */
    readonly exit: Promise<number | null>,
  ) {}

  get pid(): number {
    return this.child.pid as number;
  }

  /** Everything Node-RED printed so far. */
  log(): string {
    return this.lines.join('\n');
  }

  static async start(options: StartOptions): Promise<NodeRedProcess> {
    const redJs = options.redJs ?? require.resolve('node-red/red.js');
    const child = spawn(
      options.node ?? process.execPath,
      [redJs, '--userDir', options.userDir, '--port', String(options.port ?? 0)],
      { cwd: options.userDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
    );
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))),
    );
    let url = '';
    let flowsStarted = false;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          fn();
        }
      };
      const timer = setTimeout(() => {
        settle(() => {
          child.kill('SIGKILL');
          reject(new NodeRedStartError('Node-RED did not start in time', lines.join('\n'), false));
        });
      }, options.startTimeoutMs ?? 60_000);
      const onLine = (line: string) => {
        lines.push(line);
        options.onLog?.(line);
        const running = /Server now running at (http:\/\/\S+?)\/?$/.exec(line);
        if (running) url = running[1];
        if (/\] (Started flows|Waiting for missing types)/.test(line)) flowsStarted = true;
        // Ready once listening and done with the flows it found at start, in either order.
        if (url && flowsStarted) settle(() => resolve());
      };
      lineReader(child.stdout as NodeJS.ReadableStream, onLine);
      lineReader(child.stderr as NodeJS.ReadableStream, onLine);
      void exited.then((code) =>
        settle(() => {
          const log = lines.join('\n');
          reject(
            new NodeRedStartError(
              `Node-RED exited (code ${code}) before it was ready`,
              log,
              /port in use|EADDRINUSE/.test(log),
            ),
          );
        }),
      );
    });
    return new NodeRedProcess(child, url, lines, exited);
  }

  /**
   * A full deploy through the Admin API that resolves once the new flows have started:
   * the API answers before they do.
   */
  async deploy(
    flows: FlowNode[],
    timeoutMs = 30_000,
    headers: Record<string, string> = {},
  ): Promise<string> {
    const started = () => this.lines.filter((line) => /\] Started flows$/.test(line)).length;
    const before = started();
    const rev = await deployFlows(this.url, flows, headers);
    const deadline = Date.now() + timeoutMs;
    while (started() === before) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`The deployed flows did not start:\n${this.log().slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return rev;
  }

  /** Asks the process (by its pid) to stop; after `graceMs` it is killed. Resolves with its exit code. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      signal(this.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (this.child.exitCode === null) signal(this.pid, 'SIGKILL');
      }, graceMs);
      try {
        return await this.exit;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exit;
  }
}

/** Sends `name` to `pid`; a process that is already gone is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function lineReader(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) onLine(part.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
}

/** One Admin API call; throws with the answer's text on a non-2xx status. */
export async function adminApi<T = unknown>(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${route} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  const json = response.headers.get('content-type')?.includes('application/json');
  return (json && text ? JSON.parse(text) : text) as T;
}

/**
 * Replaces all flows (a full deploy) and returns the new revision. `headers` carry the
 * `Authorization` of a signed-in user when the runtime has `adminAuth`.
 */
export async function deployFlows(
  baseUrl: string,
  flows: FlowNode[],
  headers: Record<string, string> = {},
): Promise<string> {
  const answer = await adminApi<{ rev: string }>(
    baseUrl,
    'POST',
    '/flows',
    { flows },
    {
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': 'full',
      ...headers,
    },
  );
  return answer.rev;
}

/** A stable 16-hex-digit node id made from `seed`, in the form the editor makes its ids. */
export function nodeId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

export interface Example {
  /** The file name without `.json`, as Node-RED's Import > Examples menu shows it. */
  name: string;
  nodes: FlowNode[];
}

/** Every example flow in `examples/`, in file-name order. */
export function loadExamples(dir = EXAMPLES_DIR): Example[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: path.basename(file, '.json'),
      nodes: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowNode[],
    }));
}

/**
 * Credentials that let the examples run as they are: `plex-set-pin` nodes that take their PIN
 * from their own credential get `pin`.
 */
export function examplePinCredential(
  pin: string,
): (node: FlowNode) => Record<string, string> | undefined {
  return (node) =>
    node.type === 'plex-set-pin' && (node.pinSource ?? 'node') === 'node' ? { pin } : undefined;
}

/**
 * The examples as the editor would import them, one tab each, with every Plex node using
 * `account` (any account node in an example is replaced by it) and each node the credentials
 * `credentialsOf` gives it. Credentials (the account's too) go in with the nodes; the runtime
 * stores them encrypted and never hands them back.
 */
export function examplesAsFlows(
  examples: Example[],
  account: FlowNode,
  credentialsOf: (node: FlowNode) => Record<string, string> | undefined = () => undefined,
): FlowNode[] {
  const plexTypes = new Set(packageInfo().nodeTypes);
  const flows: FlowNode[] = [account];
  const seen = new Set<string>([account.id]);
  for (const example of examples) {
    const ids = new Set(example.nodes.map((n) => n.id));
    const replaced = new Set(example.nodes.filter((n) => n.type === ACCOUNT_TYPE).map((n) => n.id));
    const ownTab = example.nodes.find((n) => n.type === 'tab');
    const tab: FlowNode = ownTab ?? {
      id: nodeId(`example:${example.name}`),
      type: 'tab',
      label: example.name,
      disabled: false,
      info: '',
    };
    if (!ownTab) flows.push(tab);
    for (const original of example.nodes) {
      if (original.type === ACCOUNT_TYPE) continue;
      if (seen.has(original.id)) {
        throw new Error(`Example ${example.name}: node id ${original.id} is used twice`);
      }
      seen.add(original.id);
      const node: FlowNode = { ...original };
      const onCanvas = typeof node.x === 'number' && typeof node.y === 'number';
      if (onCanvas && (!node.z || !ids.has(node.z))) node.z = tab.id;
      if (plexTypes.has(node.type) && 'account' in node) {
        if (!node.account || replaced.has(node.account as string)) node.account = account.id;
      }
      const credentials = credentialsOf(node);
      if (credentials) node.credentials = credentials;
      // The editor marks a set-PIN node that holds a PIN (it sees no credential on the canvas).
      if (node.type === 'plex-set-pin' && credentials?.pin) node.hasPin = true;
      flows.push(node);
    }
  }
  return flows;
}

/**
 * The examples that need no other nodes than Node-RED's own and this package's, as the Node-RED
 * at `url` has them, and for each other one the types it takes from elsewhere (home-assistant-bedtime
 * needs the Home Assistant nodes: a Node-RED may find those beside itself, but no Home Assistant).
 */
export async function deployableExamples(
  url: string,
  examples: Example[],
): Promise<{ usable: Example[]; missing: Array<[string, string[]]> }> {
  const sets = await adminApi<Array<{ module: string; types: string[] }>>(url, 'GET', '/nodes');
  const ours = new Set(['node-red', packageInfo().name]);
  const known = new Set([
    ...sets.filter((set) => ours.has(set.module)).flatMap((set) => set.types),
    'tab',
  ]);
  const usable: Example[] = [];
  const missing: Array<[string, string[]]> = [];
  for (const example of examples) {
    const lacking = [...new Set(example.nodes.map((n) => n.type))].filter((t) => !known.has(t));
    if (lacking.length === 0) usable.push(example);
    else missing.push([example.name, lacking]);
  }
  return { usable, missing };
}

/** The npm spec of the Home Assistant nodes this repository tests its example with (a dev dependency). */
export function homeAssistantPackage(): string {
  const name = 'node-red-contrib-home-assistant-websocket';
  const { version } = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return `${name}@${version}`;
}

/** The inject nodes of `examples` wired straight to a node of this package. */
export function plexInjects(examples: Example[]): FlowNode[] {
  const plexTypes = new Set(packageInfo().nodeTypes);
  const nodes = examples.flatMap((example) => example.nodes);
  const typeOf = new Map(nodes.map((n) => [n.id, n.type]));
  return nodes.filter(
    (n) =>
      n.type === 'inject' &&
      ((n.wires as string[][] | undefined) ?? [])
        .flat()
        .some((id) => plexTypes.has(typeOf.get(id) ?? '')),
  );
}
