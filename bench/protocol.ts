/** What the benchmark's parent and its measured child processes say to each other over IPC. */

/** floor: axios + xml2js alone; ours: plex-remove-pin in Node-RED; diy: the same job wired from core nodes. */
export type Variant = 'floor' | 'ours' | 'diy';

export interface ChildSetup {
  variant: Variant;
  baseUrl: string;
  token: string;
  clientIdentifier: string;
  /** Messages (or requests) kept in flight at once, and the account's maxConcurrent. */
  concurrency: number;
  userId: number;
  repoRoot: string;
}

export type ParentMessage =
  { kind: 'setup'; setup: ChildSetup } | { kind: 'run'; n: number } | { kind: 'exit' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
}

export interface RunResult {
  n: number;
  ok: number;
  failed: number;
  elapsedMs: number;
  /** process.cpuUsage() user + system of the measured process over the run, in microseconds. */
  cpuUs: number;
  /**
   * The same over the second half of the run (its last `secondHalfN` messages). Each run
   * starts after a full GC (for the memory figures), which throws away much of V8's optimized
   * code: the two halves show how far into the run optimizing it again goes on.
   */
  cpuSecondHalfUs: number;
  secondHalfN: number;
  /** Mark-compact collections during the run, and the pause time of all collections. */
  gcMajor: number;
  gcMs: number;
  p50Ms: number;
  p99Ms: number;
  /** The event loop's delay over the run (perf_hooks monitorEventLoopDelay, 1 ms resolution). */
  loopP99Ms: number;
  loopMaxMs: number;
  /** After a full GC, before and after the run. */
  before: MemorySample;
  after: MemorySample;
  /** The first output message's payload and plex properties (floor: the parsed XML). */
  sample: { payload: unknown; plex: unknown };
}

export type ChildMessage =
  | { kind: 'ready'; startMs: number }
  | { kind: 'result'; result: RunResult }
  | { kind: 'failed'; message: string };
