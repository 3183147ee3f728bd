/**
 * The measured process: runs one variant (floor, ours or diy) and answers `run` requests
 * from the parent with what this process spent on them. Started by run.ts with --expose-gc.
 */
import fs from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import {
  PerformanceObserver,
  constants as perfConstants,
  monitorEventLoopDelay,
} from 'node:perf_hooks';
import axios from 'axios';
import { Parser } from 'xml2js';
import { diyFlow, oursFlow, type BenchFlow } from './flows';
import type { ChildMessage, ChildSetup, MemorySample, ParentMessage, RunResult } from './protocol';

type Inject = (seq: number) => void;

interface BenchNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', listener: (msg: Record<string, unknown>) => void): void;
}

/** Keeps `window` messages in flight until `n` have completed, and times each one. */
class Run {
  ok = 0;
  failed = 0;
  sample: RunResult['sample'] = { payload: undefined, plex: undefined };
  /** The process's CPU time when half of the messages had come out. */
  halfway?: NodeJS.CpuUsage;
  readonly latencies: Float64Array;
  readonly finished: Promise<void>;
  private next = 0;
  private completed = 0;
  private readonly started: Float64Array;
  private resolve: () => void = () => {};

  constructor(
    readonly n: number,
    private readonly window: number,
    private readonly inject: Inject,
  ) {
    this.latencies = new Float64Array(n);
    this.started = new Float64Array(n);
    this.finished = new Promise((resolve) => (this.resolve = resolve));
  }

  start(): void {
    for (let i = 0; i < Math.min(this.window, this.n); i++) this.launch();
  }

  finish(seq: number, success: boolean, sample?: RunResult['sample']): void {
    this.latencies[seq] = performance.now() - this.started[seq];
    if (success) this.ok++;
    else this.failed++;
    if (this.completed === 0 && sample) this.sample = sample;
    this.completed++;
    if (this.completed === this.half) this.halfway = process.cpuUsage();
    if (this.completed === this.n) this.resolve();
    else if (this.next < this.n) this.launch();
  }

  /** The messages that make up the first half of the run. */
  get half(): number {
    return Math.floor(this.n / 2);
  }

  private launch(): void {
    const seq = this.next++;
    this.started[seq] = performance.now();
    this.inject(seq);
  }
}

let current: Run | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function settledMemory(): Promise<MemorySample> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** With BENCH_PROFILE_DIR set, each run is CPU-profiled on its own (V8 sampling profiler). */
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

let runs = 0;

async function measure(n: number, window: number, inject: Inject): Promise<RunResult> {
  const before = await settledMemory();
  const run = new Run(n, window, inject);
  current = run;
  const gc = { major: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      gc.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // How long Node-RED's event loop was kept from other work (other flows, the editor) meanwhile.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await profiled(`${setup?.variant}-${++runs}-n${n}`, () => {
    run.start();
    return run.finished;
  });
  const elapsedMs = performance.now() - started;
  const spent = process.cpuUsage(cpu);
  const secondHalf = process.cpuUsage(run.halfway ?? cpu);
  // One more timer turn, so that a block at the very end is seen too.
  await new Promise((resolve) => setTimeout(resolve, 5));
  loop.disable();
  observer.disconnect();
  current = undefined;
  const after = await settledMemory();
  const sorted = run.latencies.slice().sort();
  return {
    n,
    ok: run.ok,
    failed: run.failed,
    elapsedMs,
    cpuUs: spent.user + spent.system,
    cpuSecondHalfUs: secondHalf.user + secondHalf.system,
    secondHalfN: n - run.half,
    gcMajor: gc.major,
    gcMs: gc.ms,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    before,
    after,
    sample: run.sample,
  };
}

/** One bare axios POST and one xml2js parse per message: the least the job can cost. */
function floorInjector(setup: ChildSetup): Inject {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: setup.concurrency,
    maxFreeSockets: setup.concurrency,
  });
  const client = axios.create({
    baseURL: setup.baseUrl,
    httpAgent: agent,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    headers: {
      Accept: 'application/xml',
      'X-Plex-Token': setup.token,
      'X-Plex-Product': 'Node-RED',
      'X-Plex-Client-Identifier': setup.clientIdentifier,
    },
  });
  const url = `/api/v2/home/users/restricted/${setup.userId}`;
  return (seq) => {
    client
      .post<string>(url, undefined, { params: { removePin: '1' } })
      .then(async (response) => {
        const parsed = (await new Parser().parseStringPromise(response.data)) as unknown;
        current?.finish(seq, response.status === 201, { payload: parsed, plex: undefined });
      })
      .catch(() => current?.finish(seq, false));
  };
}

type Red = typeof import('node-red');

/** Starts Node-RED on a temporary user dir with `flow`, loading this package from the repository. */
async function startNodeRed(flow: BenchFlow, repoRoot: string): Promise<Red> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-home-bench-'));
  process.on('exit', () => fs.rmSync(userDir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow.flows));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(flow.credentials));
  const imported = (await import('node-red')) as Red & { default?: Red };
  const RED = imported.default ?? imported;
  const settings = {
    userDir,
    flowFile: 'flows.json',
    // Plain-text credentials file: the token is a fixed test value for the local double.
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    nodesDir: [repoRoot],
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false } },
    externalModules: { autoInstall: false },
  };
  const flowsStarted = new Promise<void>((resolve) =>
    RED.events.once('flows:started', () => resolve()),
  );
  RED.init(undefined as unknown as http.Server, settings as unknown as Parameters<Red['init']>[1]);
  await RED.start();
  await flowsStarted;
  return RED;
}

async function nodeRedInjector(setup: ChildSetup): Promise<Inject> {
  const flow = setup.variant === 'ours' ? oursFlow(setup) : diyFlow(setup);
  const RED = await startNodeRed(flow, setup.repoRoot);
  const node = (id: string) => {
    const nodes = RED.nodes as unknown as { getNode(id: string): BenchNode | null };
    const found = nodes.getNode(id);
    if (!found) throw new Error(`node ${id} did not start`);
    return found;
  };
  const entry = node('entry');
  node('sink').on('input', (msg) => {
    const plex = msg.plex as { statusCode?: unknown } | undefined;
    current?.finish(msg.seq as number, plex?.statusCode === 201, {
      payload: msg.payload,
      plex: msg.plex,
    });
  });
  node('errors').on('input', (msg) => current?.finish(msg.seq as number, false));
  return (seq) => entry.receive({ payload: setup.userId, seq });
}

let setup: ChildSetup | undefined;
let inject: Inject | undefined;

process.on('message', (message: ParentMessage) => {
  void (async () => {
    try {
      if (message.kind === 'setup') {
        setup = message.setup;
        const started = performance.now();
        inject = setup.variant === 'floor' ? floorInjector(setup) : await nodeRedInjector(setup);
        send({ kind: 'ready', startMs: performance.now() - started });
      } else if (message.kind === 'run') {
        if (!setup || !inject) throw new Error('run before setup');
        send({ kind: 'result', result: await measure(message.n, setup.concurrency, inject) });
      } else {
        process.exit(0);
      }
    } catch (error) {
      send({
        kind: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  })();
});
