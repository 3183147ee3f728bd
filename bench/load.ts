/**
 * What the package costs Node-RED before any message: require() of its node files, the
 * plex.tv client loaded when the first account starts, and Node-RED's start and first deploy
 * with and without the package. Every figure is CPU time first (a start is CPU-bound; its wall
 * time on a shared machine swings), as a median with the min–max of the samples behind it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run, type Installed } from './install';
import { showDifference, showSpread, spread, type Spread } from './stats';

const PROBES = path.join(__dirname, 'probes');

interface Timing {
  cpuMs: number;
  wallMs: number;
}

/** One fresh process of probes/require-package.js. */
interface RequireSample {
  nodeFiles: Timing;
  client: Timing;
  /** The package's runtime dependencies loaded after the node files, and after the client. */
  afterNodeFiles: string[];
  afterClient: string[];
}

/** One Node-RED start of probes/start-node-red.js. */
interface StartSample {
  start: Timing;
  nodeFiles: Timing;
  lateRequires: Timing;
  deploy: Timing;
  types: string[];
  loaded: string[];
}

/** without: no package, empty flow; with: package installed, empty flow; account: an account and a remove-PIN deployed. */
export type StartMode = 'without' | 'with' | 'account';
const MODES: StartMode[] = ['without', 'with', 'account'];

export interface LoadTime {
  require: {
    processes: number;
    /** require() of the four node files in a fresh process. */
    nodeFiles: { cpu: Spread; wall: Spread };
    /** The node files and then the client's first use, in the same process. */
    withClient: { cpu: Spread; wall: Spread };
    /** Runtime dependencies loaded by the node files alone, in any process or start. */
    loadedByNodeFiles: string[];
    loadedByClient: string[];
  };
  starts: {
    rounds: number;
    /** From require('node-red') to flows:started. */
    total: Record<StartMode, { cpu: Spread; wall: Spread }>;
    /** flows:starting to flows:started, where Node-RED creates the flow's nodes. */
    deploy: Record<StartMode, { cpu: Spread; wall: Spread }>;
    /** Inside Node-RED's require() of the node files (starts with the package). */
    nodeFilesCpu: Spread;
    /** Inside the package's requires at run time: the client, when the account starts. */
    clientCpu: Spread;
  };
  samples: {
    require: RequireSample[];
    starts: Array<StartSample & { mode: StartMode; round: number }>;
  };
}

function probe<T>(script: string, args: string[], cwd: string): T {
  const line = run(process.execPath, [path.join(PROBES, script), ...args], cwd)
    .trim()
    .split('\n')
    .pop();
  return JSON.parse(line ?? '') as T;
}

/** How many node types the installed package declares: every one must register. */
function nodeTypeCount(packageDir: string): number {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    'node-red': { nodes: Record<string, string> };
  };
  return Object.keys(pkg['node-red'].nodes).length;
}

function startOnce(repoRoot: string, installed: Installed, mode: StartMode): StartSample {
  const userDir = mode === 'without' ? installed.emptyUserDir : installed.userDir;
  const flowFile = mode === 'account' ? 'flows-account.json' : 'flows.json';
  const sample = probe<StartSample>(
    'start-node-red.js',
    [userDir, repoRoot, installed.packageDir, flowFile],
    repoRoot,
  );
  const expected = mode === 'without' ? 0 : nodeTypeCount(installed.packageDir);
  if (sample.types.length !== expected)
    throw new Error(`starting ${mode}: node types ${sample.types.join(', ') || 'none'}`);
  if (mode === 'account' && sample.lateRequires.cpuMs === 0)
    throw new Error('starting with an account: the client was not loaded');
  return sample;
}

const timings = (samples: Timing[]) => ({
  cpu: spread(samples.map((t) => t.cpuMs)),
  wall: spread(samples.map((t) => t.wallMs)),
});

const union = (lists: string[][]) => [...new Set(lists.flat())].sort();

/**
 * `rounds` Node-RED starts of each mode, interleaved, the order rotating every round, and
 * `processes` fresh processes that time require() directly.
 */
export function measureLoadTime(
  repoRoot: string,
  installed: Installed,
  rounds: number,
  processes: number,
): LoadTime {
  // One of each first, so Node-RED has written its files in both user dirs and the disk cache is warm.
  for (const mode of MODES) startOnce(repoRoot, installed, mode);
  probe('require-package.js', [installed.packageDir], repoRoot);

  const starts: LoadTime['samples']['starts'] = [];
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < MODES.length; j++) {
      const mode = MODES[(round + j) % MODES.length];
      starts.push({ ...startOnce(repoRoot, installed, mode), mode, round });
    }
  }
  const requires: RequireSample[] = [];
  for (let i = 0; i < processes; i++)
    requires.push(probe<RequireSample>('require-package.js', [installed.packageDir], repoRoot));

  const of = (mode: StartMode) => starts.filter((s) => s.mode === mode);
  const byMode = (pick: (s: StartSample) => Timing) =>
    Object.fromEntries(MODES.map((mode) => [mode, timings(of(mode).map(pick))])) as Record<
      StartMode,
      { cpu: Spread; wall: Spread }
    >;
  const withPackage = starts.filter((s) => s.mode !== 'without');
  return {
    require: {
      processes,
      nodeFiles: timings(requires.map((r) => r.nodeFiles)),
      withClient: timings(
        requires.map((r) => ({
          cpuMs: r.nodeFiles.cpuMs + r.client.cpuMs,
          wallMs: r.nodeFiles.wallMs + r.client.wallMs,
        })),
      ),
      loadedByNodeFiles: union([
        ...requires.map((r) => r.afterNodeFiles),
        ...of('with').map((s) => s.loaded),
      ]),
      loadedByClient: union(requires.map((r) => r.afterClient)),
    },
    starts: {
      rounds,
      total: byMode((s) => s.start),
      deploy: byMode((s) => s.deploy),
      nodeFilesCpu: spread(withPackage.map((s) => s.nodeFiles.cpuMs)),
      clientCpu: spread(of('account').map((s) => s.lateRequires.cpuMs)),
    },
    samples: { require: requires, starts },
  };
}

/** The lines the benchmark prints about loading the package. */
export function describeLoadTime(load: LoadTime): string[] {
  const { require: req, starts } = load;
  const client = req.loadedByClient.join(' + ') || 'nothing';
  const total = (mode: StartMode, label: string) => ({ label, spread: starts.total[mode].cpu });
  const wall = (mode: StartMode) => `${starts.total[mode].wall.median.toFixed(0)} ms`;
  return [
    `load: require() in a fresh process, median (min–max) of ${req.processes}: the node files ${showSpread(req.nodeFiles.cpu, 1)} CPU ` +
      `(${req.nodeFiles.wall.median.toFixed(1)} ms wall), node files + client (${client}) ${showSpread(req.withClient.cpu, 1)} CPU ` +
      `(${req.withClient.wall.median.toFixed(1)} ms wall); the node files alone load ${req.loadedByNodeFiles.join(', ') || 'none of the dependencies'}`,
    `load: Node-RED start to flows started, ${starts.rounds} interleaved starts each, CPU median (min–max): ` +
      `without the package ${showSpread(starts.total.without.cpu, 0)}, installed ${showSpread(starts.total.with.cpu, 0)}, ` +
      `account + remove-PIN deployed ${showSpread(starts.total.account.cpu, 0)} (wall medians ${wall('without')}, ${wall('with')}, ${wall('account')})`,
    `  installed, empty flow: ${showDifference(total('without', 'without'), total('with', 'installed'))} CPU; ` +
      `inside it, Node-RED's require() of the node files ${showSpread(starts.nodeFilesCpu, 1)} CPU`,
    `  first deploy, account + remove-PIN: ${showDifference(total('without', 'without'), total('account', 'deployed'))} CPU; ` +
      `measured directly, flows starting→started ${showSpread(starts.deploy.account.cpu, 1)} CPU ` +
      `(empty flow: ${showSpread(starts.deploy.without.cpu, 1)}), ` +
      `of which the client's first require() ${showSpread(starts.clientCpu, 1)}`,
  ];
}
