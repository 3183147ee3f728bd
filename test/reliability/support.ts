import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { NodeMessage } from 'node-red';
import { DOUBLE_TOKEN, type PlexTvDouble } from '../double/plex-tv-double';
import { PlexServerDouble, SERVER_TOKEN } from '../double/plex-server-double';
import {
  helper,
  loadFlow,
  useNodeRedWithDouble,
  waitFor,
  withoutMessageIds,
  type FlowOptions,
  type LoadedFlow,
} from '../support/flow';

/** One way of feeding a node: which message property carries the input, and what a bad value gives. */
export interface NodeInput {
  name: string;
  /** The msg property that carries it. */
  property: string;
  /** A message whose input `name` is `value`, the other inputs being valid. */
  message(value: unknown): Record<string, unknown>;
  /** The error code for a value the node refuses. */
  invalidCode: string;
  /** Values to feed it, hand-picked and generated (shapes.ts). */
  shapes: Shape[];
}

/** A payload shape: what it is, a fresh value of it, and whether the node must refuse it. */
export interface Shape {
  what: string;
  value(): unknown;
  /** Undefined: the node refuses it with the input's invalid code. Else what the request URL must hold. */
  accepts?: string | number;
  /** Read as a user name: looked up in the Home users list, where no seed user has it (NOT_FOUND). */
  name?: boolean;
}

/**
 * An action node under test. Nodes are described here once, and every table of the suite
 * (bad input, bad answers, runtime faults, load) runs against each of them.
 */
export interface NodeCase {
  type: string;
  /** Node configuration beyond the account and the wires. */
  config?: Record<string, unknown>;
  /** A message that succeeds against the double's seed users. */
  good(): Record<string, unknown>;
  /** A message that reaches plex.tv and is refused there (404, say), when the node has one. */
  refused?(): Record<string, unknown>;
  inputs: NodeInput[];
  /** Secrets besides the token that must never come out (a PIN, say). */
  secrets: string[];
  /** A 2xx body carrying these `user` elements, in the shape this node reads. */
  xmlAnswer(users: string): string;
  /** The same as JSON (plex.tv answers JSON when asked to, and a proxy may anyway). */
  jsonAnswer(user: Record<string, unknown>): string;
  /** Where this node reads an answer differently from plex-remove-pin: answer -> code or 'ok'. */
  expectations?: Record<string, string>;
  /** The path the request of `good()` goes to. */
  path: RegExp;
  /**
   * For nodes that go on to a Plex Media Server (found through plex.tv's resources, which
   * `path`, `xmlAnswer` and `jsonAnswer` then describe): the server's request that `good()`
   * ends in, its answers in the same shapes, and where the server reads them differently.
   */
  mediaServer?: {
    path: RegExp;
    xmlAnswer(users: string): string;
    jsonAnswer(user: Record<string, unknown>): string;
    expectations?: Record<string, string>;
  };
}

/** A stand-in a table sends its answers from: plex.tv, or the Plex Media Server after it. */
export interface Target {
  what: 'plex.tv' | 'the server';
  double: PlexTvDouble;
  /** The request whose answers the table replaces. */
  path: RegExp;
  /** The token of the requests it receives. */
  token: string;
  xmlAnswer(users: string): string;
  jsonAnswer(user: Record<string, unknown>): string;
  expectations?: Record<string, string>;
}

let plexTvNow: PlexTvDouble | undefined;
let serverNow: PlexServerDouble | undefined;

/** The Plex Media Server stand-in of the current test (listed in plex.tv's resources). */
export function currentServer(): PlexServerDouble {
  if (!serverNow) throw new Error('no server stand-in outside a test');
  return serverNow;
}

/** Every stand-in whose answers matter to `nodeCase`: plex.tv, then its media server if any. */
export function targets(nodeCase: NodeCase): Target[] {
  if (!plexTvNow) throw new Error('no double outside a test');
  const plexTv: Target = {
    what: 'plex.tv',
    double: plexTvNow,
    path: nodeCase.path,
    token: DOUBLE_TOKEN,
    xmlAnswer: nodeCase.xmlAnswer,
    jsonAnswer: nodeCase.jsonAnswer,
    expectations: nodeCase.expectations,
  };
  const server = nodeCase.mediaServer;
  if (!server) return [plexTv];
  return [plexTv, { what: 'the server', double: currentServer(), token: SERVER_TOKEN, ...server }];
}

/** The stand-in that answers the last request of `good()`: where its messages end up waiting. */
export function actionTarget(nodeCase: NodeCase): Target {
  return targets(nodeCase).at(-1) as Target;
}

/** Figures the suite counts, printed at the end as one line. */
export const tally = {
  inputs: 0,
  answers: 0,
  faults: 0,
  messages: 0,
  lost: 0,
  duplicated: 0,
  leaks: 0,
  crashes: 0,
};

/** Measurements printed under the summary line (close times, heap, peak in flight). */
export const figures: string[] = [];

/** The longest the event loop was blocked while the suite's nodes handled an answer. */
const longest = { ms: 0, what: 'nothing measured' };

/**
 * Runs `work` and measures the longest event-loop block meanwhile (perf_hooks'
 * monitorEventLoopDelay at 1 ms). A measurement printed, never asserted: the machine may be
 * busy. One more timer turn after the work lets a block at its very end be seen.
 */
export async function measureBlock(what: string, work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    histogram.disable();
  }
  const ms = histogram.max / 1e6;
  if (ms > longest.ms) Object.assign(longest, { ms, what });
  return ms;
}

/** Process-level failures seen while the suite ran: they count as crashes. */
const processFailures: string[] = [];
/** Mocha re-emits an unhandled rejection it does not own, so each reason is counted once. */
const seenReasons = new Set<unknown>();
const onUncaught = (error: unknown) =>
  processFailures.push(`uncaughtException: ${failureText(error)}`);
const onUnhandled = (reason: unknown) => {
  if (seenReasons.has(reason)) return;
  seenReasons.add(reason);
  processFailures.push(`unhandledRejection: ${failureText(reason)}`);
};

function failureText(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value);
}

before(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
});

after(function () {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUnhandled);
  tally.crashes += processFailures.length;
  const t = tally;
  console.log(
    `      reliability: ${t.inputs} inputs, ${t.answers} server answers, ${t.faults} faults, ${t.messages} messages: ` +
      `${t.lost} lost, ${t.duplicated} duplicated, ${t.leaks} leaks, ${t.crashes} crashes; ` +
      `longest event-loop block ${longest.ms.toFixed(0)} ms (${longest.what})`,
  );
  for (const figure of figures) console.log(`        ${figure}`);
  for (const failure of processFailures) console.log(failure);
  assert.equal(
    t.lost + t.duplicated + t.leaks + t.crashes,
    0,
    'the reliability suite found failures',
  );
});

/** Fails the current test on any process-level failure seen so far. */
export function assertNoProcessFailures(): void {
  assert.deepEqual(processFailures, [], 'no uncaught exception or unhandled rejection');
}

/** Node-RED draws the status under the node and sends it to every editor: it stays short. */
const MAX_STATUS_TEXT = 64;

export type Out = NodeMessage & { error?: { code: string; message: string }; rel?: string };

let nextTag = 0;

/** A tag in letters only, so that no digits of it can pass for a PIN or an id. */
function letters(n: number): string {
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `rel-${out}`;
}

/** Sends messages, each tagged so its outputs and completion can be told apart. */
export function sendTagged(flow: LoadedFlow, msgs: Array<Record<string, unknown>>): Set<string> {
  const tags = new Set<string>();
  for (const msg of msgs) {
    const rel = letters(nextTag++);
    tags.add(rel);
    msg.rel = rel;
    tally.messages++;
    flow.node.receive(msg as NodeMessage);
  }
  return tags;
}

export interface Expectation {
  /** Whether output 2 is wired (otherwise errors go to done(err)). */
  errorWired: boolean;
  /** The node was closed with these messages in flight: a done() each and no output at all. */
  closed?: boolean;
}

/**
 * The invariants every case checks: one done() and one outcome per input (a message on
 * exactly one output, or done(err) when output 2 is not wired, or nothing after close),
 * no INTERNAL error (something threw that the package did not expect), no secret in
 * anything the flow said. Counts failures into the tally, then asserts.
 */
export function checkInvariants(
  flow: LoadedFlow,
  tags: Set<string>,
  expectation: Expectation,
  secrets: string[] = [DOUBLE_TOKEN],
): void {
  const completions = new Map<string, number>();
  const outcomes = new Map<string, number>();
  const bump = (map: Map<string, number>, msg: NodeMessage | null | undefined) => {
    const rel = (msg as Out | null | undefined)?.rel;
    if (rel !== undefined && tags.has(rel)) map.set(rel, (map.get(rel) ?? 0) + 1);
  };
  let internal = 0;
  for (const completion of flow.completions) {
    bump(completions, completion.msg);
    if ((completion.error as { code?: string } | undefined)?.code === 'INTERNAL') internal++;
  }
  // An error reported with a message reaches Catch nodes: done(err) reports the incoming
  // message this way, and the node itself a copy when the incoming one still holds a secret.
  for (const [, msg] of reportedErrors(flow)) bump(outcomes, msg);
  for (const msg of [...flow.user, ...flow.error]) {
    bump(outcomes, msg);
    if ((msg as Out).error?.code === 'INTERNAL') internal++;
  }
  let lost = 0;
  let duplicated = 0;
  for (const tag of tags) {
    const done = completions.get(tag) ?? 0;
    const outs = outcomes.get(tag) ?? 0;
    const wanted = expectation.closed ? 0 : 1;
    if (done === 0 || outs < wanted) lost++;
    if (done > 1 || outs > wanted) duplicated++;
  }
  const longStatuses = flow.statuses.filter(
    (status) => String((status as { text?: unknown }).text ?? '').length > MAX_STATUS_TEXT,
  ).length;
  const said = withoutMessageIds(flow.everythingSaid());
  const shown = secrets.filter(Boolean).map((secret) => {
    // A PIN counts on its own, not inside a longer number (a timestamp, a counter).
    const at = /^\d+$/.test(secret)
      ? said.search(new RegExp(`(?<!\\d)${secret}(?!\\d)`))
      : said.indexOf(secret);
    return at < 0
      ? ''
      : said
          .slice(Math.max(0, at - 60), at + secret.length + 60)
          .split(secret)
          .join('<secret>');
  });
  // RegExp.input keeps the last string a regexp ran on: let go of this large one.
  /$/.exec('');
  const leaked = shown.filter(Boolean);
  tally.lost += lost;
  tally.duplicated += duplicated;
  tally.leaks += leaked.length;
  tally.crashes += internal;
  if (!expectation.errorWired) {
    assert.equal(flow.error.length, 0, 'nothing on an unwired output 2');
  }
  assert.equal(lost, 0, `${lost} of ${tags.size} messages lost`);
  assert.equal(duplicated, 0, `${duplicated} of ${tags.size} messages duplicated`);
  assert.deepEqual(leaked, [], 'a secret came out (where it was shown)');
  assert.equal(internal, 0, 'an INTERNAL error: something threw unexpectedly');
  assert.equal(longStatuses, 0, `status texts longer than ${MAX_STATUS_TEXT} characters`);
  assertNoProcessFailures();
}

/** Every node.error(error, msg) call of the flow's nodes that came with a message. */
export function reportedErrors(flow: LoadedFlow): Array<[unknown, NodeMessage]> {
  const calls = (flow.node as unknown as { error: { args: unknown[][] } }).error.args;
  return calls
    .filter((args) => args[1] !== undefined)
    .map(([error, msg]) => [error, msg as NodeMessage]);
}

/** The one outcome of a tagged message: its output message and whether it was an error. */
export function outcomeOf(flow: LoadedFlow, tag: string): { msg: Out; code?: string } {
  const ok = flow.user.find((m) => (m as Out).rel === tag) as Out | undefined;
  if (ok) return { msg: ok };
  const failed = flow.error.find((m) => (m as Out).rel === tag) as Out | undefined;
  if (failed) return { msg: failed, code: failed.error?.code };
  const reported = reportedErrors(flow).find(([, msg]) => (msg as Out).rel === tag);
  assert.ok(reported, `message ${tag} has an outcome`);
  return {
    msg: reported[1] as Out,
    code: (reported[0] as { code?: string }).code,
  };
}

/** Loads `nodeCase` wired to the double, with short timeouts and no retries unless told. */
export function loadCase(
  nodeCase: NodeCase,
  double: PlexTvDouble | undefined,
  options: FlowOptions = {},
): Promise<LoadedFlow> {
  return loadFlow({
    double,
    type: nodeCase.type,
    ...options,
    account: { timeout: 1000, retries: 0, ...options.account },
    node: { ...nodeCase.config, ...options.node },
  });
}

/**
 * Waits until `count` messages completed, or `ms` passed: it does not fail by itself, so
 * that checkInvariants counts what is missing as lost.
 */
export async function completed(flow: LoadedFlow, count: number, ms = 10_000): Promise<void> {
  await waitFor(() => flow.completions.length >= count, `${count} completions`, ms).catch(() => {});
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

export { helper };

/**
 * useNodeRedWithDouble, with a Plex Media Server stand-in listed in the double's resources,
 * and after each test: no request either saw had a token in its URL.
 */
export function useDouble(): () => PlexTvDouble {
  const current = useNodeRedWithDouble();
  beforeEach(async () => {
    plexTvNow = current();
    serverNow = new PlexServerDouble();
    await serverNow.start();
    plexTvNow.resources = [await serverNow.resource()];
  });
  afterEach(async () => {
    const server = currentServer();
    await server.stop();
    const urls = [...current().requests, ...server.requests].map((r) => r.url);
    const leaked = urls.filter((url) => url.includes(DOUBLE_TOKEN) || url.includes(SERVER_TOKEN));
    tally.leaks += leaked.length;
    assert.equal(leaked.length, 0, 'a token in a request URL');
  });
  return current;
}
