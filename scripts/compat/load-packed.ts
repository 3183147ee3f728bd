/**
 * Starts a Node-RED runtime embedded in this process, with a user directory into which the packed
 * package was installed, and checks that the runtime registered every node type of the package
 * without error, serves their editor HTML and their message catalogues. Prints one JSON line:
 * `{ nodeRed, node, problems }`.
 *
 *   node --import tsx scripts/compat/load-packed.ts <node-red main> <user dir> <package name>
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

interface NodeSet {
  id: string;
  types: string[];
  enabled: boolean;
  err?: unknown;
}

interface RuntimeNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', listener: (msg: Record<string, unknown>) => void): void;
}

interface NodeRed {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  version(): string;
  nodes: { getNode(id: string): RuntimeNode | null };
  runtime: {
    flows: { setFlows(opts: { flows: { flows: unknown[] } }): Promise<unknown> };
    nodes: {
      getModuleInfo(opts: { module: string }): Promise<{ nodes: NodeSet[] } | null>;
      getNodeConfigs(opts: { lang: string }): Promise<string>;
      getModuleCatalog(opts: { module: string; lang: string }): Promise<Record<string, unknown>>;
    };
  };
}

/** The English text of a message key of the package, from its en-US catalogue file. */
function catalogueText(userDir: string, moduleName: string, file: string, key: string): string {
  const catalogue = path.join(userDir, 'node_modules', moduleName, 'nodes/locales/en-US', file);
  let value: unknown = JSON.parse(fs.readFileSync(catalogue, 'utf8'));
  for (const part of key.split('.')) value = (value as Record<string, unknown>)[part];
  return String(value);
}

/**
 * A node file's RED._ with a full key of another node set's catalogue (the texts the nodes
 * share live once, in plex-account's): a remove-PIN node without an account answers with it.
 */
async function checkSharedText(
  red: NodeRed,
  userDir: string,
  moduleName: string,
): Promise<string[]> {
  const expected = catalogueText(
    userDir,
    moduleName,
    'plex-account.json',
    'common.errors.no-account',
  );
  await red.runtime.flows.setFlows({
    flows: {
      flows: [
        { id: 't1', type: 'tab', label: 'compat' },
        { id: 'n1', z: 't1', type: 'plex-remove-pin', account: '', wires: [[], ['out']] },
        { id: 'out', z: 't1', type: 'debug', active: false, tosidebar: false, wires: [] },
      ],
    },
  });
  let node: RuntimeNode | null = null;
  let out: RuntimeNode | null = null;
  for (let i = 0; i < 200 && !(node && out); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    node = red.nodes.getNode('n1');
    out = red.nodes.getNode('out');
  }
  if (!node || !out) return ['the check flow did not start'];
  const answer = new Promise<Record<string, unknown>>((resolve) => out.on('input', resolve));
  node.receive({ payload: 1 });
  const msg = await Promise.race([
    answer,
    new Promise<undefined>((resolve) => setTimeout(resolve, 10_000)),
  ]);
  const error = msg?.error as { code?: string; message?: string } | undefined;
  if (error?.code !== 'NOT_CONFIGURED' || error.message !== expected) {
    return [
      `a shared text by its full key came out as ${JSON.stringify(error)}, not "${expected}"`,
    ];
  }
  return [];
}

async function check(red: NodeRed, userDir: string, moduleName: string): Promise<string[]> {
  const pkgFile = path.join(userDir, 'node_modules', moduleName, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as {
    'node-red': { nodes: Record<string, string> };
  };
  const expected = Object.keys(pkg['node-red'].nodes);
  const problems: string[] = [];
  const info = await red.runtime.nodes.getModuleInfo({ module: moduleName }).catch(() => null);
  if (!info) return [`the runtime did not load ${moduleName}`];
  const registered = info.nodes.flatMap((set) => set.types);
  const catalogued: string[] = [];
  for (const set of info.nodes) {
    if (set.err) problems.push(`${set.id}: ${String(set.err)}`);
    if (!set.enabled) problems.push(`${set.id} is not enabled`);
    // A node set's messages live in the namespace named by the set's id.
    const catalog = await red.runtime.nodes.getModuleCatalog({ module: set.id, lang: 'en-US' });
    catalogued.push(...set.types.filter((type) => catalog[type]));
  }
  const configs = await red.runtime.nodes.getNodeConfigs({ lang: 'en-US' });
  for (const type of expected) {
    if (!registered.includes(type)) problems.push(`${type} is not registered`);
    if (!new RegExp(`registerType\\(\\s*['"]${type}['"]`).test(configs))
      problems.push(`no editor HTML for ${type}`);
    if (!configs.includes(`data-help-name="${type}"`)) problems.push(`no help for ${type}`);
    if (!catalogued.includes(type)) problems.push(`no en-US message catalogue for ${type}`);
  }
  problems.push(...(await checkSharedText(red, userDir, moduleName)));
  return problems;
}

async function main(): Promise<void> {
  const [nodeRedMain, userDir, moduleName] = process.argv.slice(2);
  const red = ((await import(nodeRedMain)) as { default: NodeRed }).default;
  // The admin API is on, as in a real install (nodes may add admin endpoints), but the server
  // never listens: nothing here needs a port.
  red.init(http.createServer(), {
    userDir,
    flowFile: path.join(userDir, 'flows.json'),
    credentialSecret: false,
    httpAdminRoot: '/',
    httpNodeRoot: false,
    telemetry: { enabled: false },
    logging: { console: { level: 'error' } },
  });
  await red.start();
  let problems: string[];
  try {
    problems = await check(red, userDir, moduleName);
  } finally {
    await red.stop();
  }
  console.log(JSON.stringify({ nodeRed: red.version(), node: process.version, problems }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.log(JSON.stringify({ problems: [err instanceof Error ? err.message : String(err)] }));
    process.exit(1);
  },
);
