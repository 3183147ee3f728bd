/** What the package costs before any message: time to load it into Node-RED, and disk. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StartResult } from './protocol';

/**
 * Starts Node-RED (require, init, start, until flows:started) on an empty flow in the given
 * user dir and prints the time, and the time spent inside require() of the package's node
 * files (with everything they require that Node-RED had not loaded yet). Plain JavaScript
 * run by plain node, so no TypeScript loader takes part in the timing.
 */
const START_SCRIPT = `
const fs = require('fs'), path = require('path'), Module = require('module');
const [userDir, nodeRedDir, packageDir, flowFile] = process.argv.slice(1);
let requireMs = 0, depth = 0;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const mine = depth === 0 && path.isAbsolute(request) && request.startsWith(packageDir + path.sep);
  if (!mine) return load.apply(this, arguments);
  depth++;
  const t = performance.now();
  try { return load.apply(this, arguments); } finally { depth--; requireMs += performance.now() - t; }
};
const started = performance.now();
const RED = require(require.resolve('node-red', { paths: [nodeRedDir] }));
RED.events.once('flows:started', () => {
  const startMs = performance.now() - started;
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const types = ['plex-account', 'plex-remove-pin'].filter((t) => RED.nodes.getType(t));
  process.stdout.write(JSON.stringify({ startMs, cpuMs, requireMs, types }) + '\\n');
  process.exit(0);
});
RED.init(undefined, {
  userDir, flowFile, credentialSecret: false, httpAdminRoot: false, httpNodeRoot: false,
  disableEditor: true, logging: { console: { level: 'warn', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false } }, externalModules: { autoInstall: false },
});
RED.start();
`;

function run(command: string, commandArgs: string[], cwd: string): string {
  const child = spawnSync(command, commandArgs, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (child.status !== 0)
    throw new Error(`${command} ${commandArgs.join(' ')} failed: ${child.stderr}`);
  return child.stdout;
}

export interface Installed {
  /** A Node-RED user dir with the packed package installed in its node_modules, as a user would have it. */
  userDir: string;
  /** Same, without the package. */
  emptyUserDir: string;
  packageDir: string;
  pack: { size: number; unpackedSize: number; entryCount: number };
}

/** npm pack, then npm install of the tarball into a fresh user dir (from npm's cache when it can). */
export function installPacked(repoRoot: string): Installed {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-home-bench-install-'));
  const userDir = path.join(root, 'with');
  const emptyUserDir = path.join(root, 'without');
  for (const dir of [userDir, emptyUserDir]) {
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'flows.json'),
      JSON.stringify([{ id: 'tab', type: 'tab', label: 'empty' }]),
    );
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'node-red-user-dir', private: true }),
    );
  }
  // A deployed account: starting it creates the client, which loads axios and xml2js.
  const accountFlow = [
    { id: 'tab', type: 'tab', label: 'account' },
    {
      id: 'acc',
      type: 'plex-account',
      name: '',
      clientIdentifier: '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11',
      baseUrl: 'http://127.0.0.1:9',
    },
    {
      id: 'n',
      z: 'tab',
      type: 'plex-remove-pin',
      account: 'acc',
      userId: 'payload',
      userIdType: 'msg',
      wires: [[], []],
    },
  ];
  fs.writeFileSync(path.join(userDir, 'flows-account.json'), JSON.stringify(accountFlow));
  fs.writeFileSync(
    path.join(userDir, 'flows-account_cred.json'),
    JSON.stringify({ acc: { token: 'not-used' } }),
  );
  const [pack] = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], repoRoot),
  ) as Array<Installed['pack'] & { filename: string }>;
  run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--omit=dev',
      path.join(root, pack.filename),
    ],
    userDir,
  );
  const name = (
    JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string }
  ).name;
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return { userDir, emptyUserDir, packageDir: path.join(userDir, 'node_modules', name), pack };
}

type StartMode = 'without' | 'with' | 'account';

function startOnce(repoRoot: string, installed: Installed, mode: StartMode): StartResult {
  const userDir = mode === 'without' ? installed.emptyUserDir : installed.userDir;
  const flowFile = mode === 'account' ? 'flows-account.json' : 'flows.json';
  const line = run(
    process.execPath,
    ['-e', START_SCRIPT, userDir, repoRoot, installed.packageDir, flowFile],
    repoRoot,
  )
    .trim()
    .split('\n')
    .pop();
  return JSON.parse(line ?? '') as StartResult;
}

export interface LoadTime {
  /**
   * Fastest start with the package installed (empty flow) minus fastest start without it:
   * other processes only ever add time, so the minimum is the closest to the true cost.
   */
  addedMs: number;
  /** Same, with a plex-account and a plex-remove-pin deployed (the client and its dependencies load). */
  addedWithAccountMs: number;
  /** The same two differences in the CPU time the process had used when its flows started. */
  addedCpuMs: number;
  addedWithAccountCpuMs: number;
  starts: Array<{ mode: StartMode; startMs: number; cpuMs: number }>;
  /** Median time inside require() of the package's node files during the empty-flow starts. */
  requireMs: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `rounds` starts of each kind, interleaved, the order rotating every round. */
export function measureLoadTime(repoRoot: string, installed: Installed, rounds: number): LoadTime {
  const modes: StartMode[] = ['without', 'with', 'account'];
  const starts: LoadTime['starts'] = [];
  const perRound: Array<Record<StartMode, StartResult>> = [];
  const requireMs: number[] = [];
  // One start of each first, so both user dirs have Node-RED's own files written.
  for (const mode of modes) startOnce(repoRoot, installed, mode);
  for (let i = 0; i < rounds; i++) {
    const round: Partial<Record<StartMode, StartResult>> = {};
    for (let j = 0; j < modes.length; j++) {
      const mode = modes[(i + j) % modes.length];
      const result = startOnce(repoRoot, installed, mode);
      if (result.types.length !== (mode === 'without' ? 0 : 2)) {
        throw new Error(
          `unexpected node types starting ${mode} the package: ${result.types.join(', ')}`,
        );
      }
      round[mode] = result;
      starts.push({ mode, startMs: result.startMs, cpuMs: result.cpuMs });
      if (mode === 'with') requireMs.push(result.requireMs);
    }
    perRound.push(round as Record<StartMode, StartResult>);
  }
  const fastest = (mode: StartMode, key: 'startMs' | 'cpuMs') =>
    Math.min(...perRound.map((round) => round[mode][key]));
  const added = (mode: StartMode, key: 'startMs' | 'cpuMs') =>
    fastest(mode, key) - fastest('without', key);
  return {
    addedMs: added('with', 'startMs'),
    addedWithAccountMs: added('account', 'startMs'),
    addedCpuMs: added('with', 'cpuMs'),
    addedWithAccountCpuMs: added('account', 'cpuMs'),
    starts,
    requireMs: median(requireMs),
  };
}

export interface InstallSize {
  packBytes: number;
  packUnpackedBytes: number;
  packFiles: number;
  /** node_modules of the user dir after installing the package, less the package itself. */
  dependencyBytes: number;
  dependencyPackages: string[];
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

export function measureInstallSize(installed: Installed): InstallSize {
  const modules = path.join(installed.userDir, 'node_modules');
  const lock = JSON.parse(fs.readFileSync(path.join(modules, '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const own = path.relative(installed.userDir, installed.packageDir);
  const dependencies = Object.keys(lock.packages).filter((p) => p !== own);
  return {
    packBytes: installed.pack.size,
    packUnpackedBytes: installed.pack.unpackedSize,
    packFiles: installed.pack.entryCount,
    dependencyBytes: directoryBytes(modules) - directoryBytes(installed.packageDir),
    dependencyPackages: dependencies
      .map((p) => p.slice(p.lastIndexOf('node_modules/') + 13))
      .sort(),
  };
}
