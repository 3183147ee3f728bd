import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import sinon from 'sinon';
import util from 'node:util';
import type { Node, NodeMessage } from 'node-red';
import { DOUBLE_TOKEN, PlexTvDouble } from '../double/plex-tv-double';
import type { PlexErrorObject } from '../../src/lib/errors';
import type { PlexAccountNode } from '../../src/nodes/plex-account';
import { nodeModules, translate } from './nodes';

// The compatibility matrix (scripts/compat.ts) points the suite at another Node-RED install.
helper.init(process.env.NODE_RED_UNDER_TEST ?? require.resolve('node-red'));

export { helper };

export interface Completion {
  msg: NodeMessage;
  error?: Error;
}

/** A loaded flow: account -> action node -> one helper node per output, with everything it did recorded. */
export interface LoadedFlow {
  node: Node;
  user: NodeMessage[];
  error: NodeMessage[];
  completions: Completion[];
  statuses: unknown[];
  /** The flow and credentials it was loaded with, to redeploy it changed. */
  definition: Array<{ id: string; type: string; [key: string]: unknown }>;
  credentials: Record<string, unknown>;
  /** Every send() call of the node, in order, even when nothing is wired to receive it. */
  sent: Array<NodeMessage | Array<NodeMessage | null> | null>;
  /** Waits until `count` messages have completed (done() called). */
  completed(count: number): Promise<void>;
  /** Everything the flow let out, as text: outputs, statuses, logs, done(err) errors. */
  everythingSaid(): string;
}

export interface FlowOptions {
  double?: PlexTvDouble;
  token?: string | null;
  account?: Record<string, unknown>;
  node?: Record<string, unknown>;
  type?: string;
  errorWired?: boolean;
  nodes?: unknown[];
  /** Credentials of the action node (n1), e.g. a set-pin node's `pin`. */
  nodeCredentials?: Record<string, string>;
  /** RED._ gives the catalogue's texts, as in Node-RED, instead of the test helper's keys. */
  translated?: boolean;
  /** More nodes on the flow's tab (a Catch or Complete node watching n1, say). */
  extraNodes?: Array<{ id: string; type: string; [key: string]: unknown }>;
}

export async function loadFlow(options: FlowOptions = {}): Promise<LoadedFlow> {
  const account = {
    id: 'acc',
    type: 'plex-account',
    name: 'Test account',
    clientIdentifier: '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11',
    product: 'Node-RED',
    baseUrl: options.double?.url ?? 'http://127.0.0.1:9',
    timeout: 2000,
    retries: 0,
    maxConcurrent: 4,
    ...options.account,
  };
  const flow = [
    { id: 'tab', type: 'tab', label: 'test' },
    account,
    {
      id: 'n1',
      z: 'tab',
      type: options.type ?? 'plex-remove-pin',
      name: '',
      account: 'acc',
      userId: 'payload',
      userIdType: 'msg',
      wires: [['out-user'], options.errorWired === false ? [] : ['out-error']],
      ...options.node,
    },
    { id: 'out-user', z: 'tab', type: 'helper' },
    { id: 'out-error', z: 'tab', type: 'helper' },
    ...(options.extraNodes ?? []).map((node) => ({ z: 'tab', ...node })),
  ];
  const token = options.token === undefined ? DOUBLE_TOKEN : options.token;
  const credentials: Record<string, Record<string, string>> = token === null
    ? {}
    : { acc: { token } };
  if (options.nodeCredentials) credentials.n1 = options.nodeCredentials;
  const translation = options.translated ? translateInHelper() : undefined;
  try {
    await helper.load(
      (options.nodes ?? nodeModules()) as Parameters<typeof helper.load>[0],
      flow,
      credentials,
    );
  } finally {
    translation?.restore();
  }
  await settleStartCheck(options.double);
  const node = helper.getNode('n1');
  const loaded: LoadedFlow = {
    node,
    definition: flow,
    credentials,
    user: [],
    error: [],
    completions: [],
    statuses: [],
    sent: [],
    completed: async (count) => {
      await waitFor(() => loaded.completions.length >= count, `${count} completions`);
      // Node-RED delivers sent messages on a later setImmediate than the done() that follows them.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    },
    everythingSaid: () =>
      [
        ...loaded.user,
        ...loaded.error,
        ...loaded.statuses,
        ...loaded.completions.map((c) => [
          c.error?.message,
          c.error?.stack,
          c.error && { ...c.error },
        ]),
        ...helper.log().args,
        ...(node as unknown as { error: sinon.SinonSpy }).error.args,
        ...(node as unknown as { warn: sinon.SinonSpy }).warn.args,
      ]
        .map((item) => `${safeJson(item)}\n${util.inspect(item, { depth: 8, showHidden: true })}`)
        .join('\n'),
  };
  helper.getNode('out-user').on('input', (msg: NodeMessage) => loaded.user.push(msg));
  helper.getNode('out-error').on('input', (msg: NodeMessage) => loaded.error.push(msg));
  const internals = node as unknown as {
    _complete(msg: NodeMessage, error?: Error): void;
    status(s: unknown): void;
    send(msg: NodeMessage | Array<NodeMessage | null> | null): void;
  };
  const send = internals.send.bind(node);
  internals.send = (msg) => {
    loaded.sent.push(msg);
    send(msg);
  };
  const complete = internals._complete.bind(node);
  internals._complete = (msg, error) => {
    loaded.completions.push({ msg, error });
    complete(msg, error);
  };
  const status = internals.status.bind(node);
  internals.status = (s) => {
    loaded.statuses.push(s);
    status(s);
  };
  return loaded;
}

/**
 * Waits for the account's check at start (GET /api/v2/user: its own tests are in
 * plex-account-health.spec.ts), then takes it out of the double's record and counts
 * connections afresh, so that a test sees only what its messages made.
 */
async function settleStartCheck(double: PlexTvDouble | undefined): Promise<void> {
  const account = helper.getNode('acc') as unknown as PlexAccountNode | null;
  // Checks within 10 s share the one at start: this waits for it and asks nothing more.
  await account?.checkToken?.().catch(() => undefined);
  double?.forgetRequests(/^\/api\/v2\/user$/);
}

/**
 * The test helper hands nodes a RED whose `_` returns the key; this makes it the catalogue's
 * translation for the next load (the helper sets `_` after making RED, so the setter ignores it).
 */
export function translateInHelper(): sinon.SinonStub {
  const registry = (
    helper as unknown as { _registryUtil: { createNodeApi(node: unknown): object } }
  )._registryUtil;
  const original = registry.createNodeApi.bind(registry);
  return sinon
    .stub(registry, 'createNodeApi')
    .callsFake((node: unknown) =>
      Object.defineProperty(original(node), '_', { get: () => translate, set: () => {} }),
    );
}

/** Sends `msg` to the node under test and waits until `count` messages have completed in all. */
export async function send(
  flow: LoadedFlow,
  msg: Record<string, unknown>,
  count = 1,
): Promise<void> {
  flow.node.receive(msg as NodeMessage);
  await flow.completed(count);
}

/** Sends `msg` and returns the one message it produced, which must be on output 2. */
export async function failWith(
  flow: LoadedFlow,
  msg: Record<string, unknown>,
): Promise<NodeMessage & { error?: PlexErrorObject; [key: string]: unknown }> {
  await send(flow, msg);
  assert.equal(flow.user.length, 0, 'nothing on output 1');
  assert.equal(flow.error.length, 1, 'one message on output 2');
  return flow.error[0];
}

/** Polls (on real timers) until `condition` holds; fails after `ms`. */
export async function waitFor(
  condition: () => boolean,
  what = 'condition',
  ms = 10_000,
): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * `text` with its message ids blanked out: they are random hex, so a 4-digit PIN turns up in
 * some of them by chance. Searches for a secret run on this.
 */
export function withoutMessageIds(text: string): string {
  return text.replace(/_?msgid['"]?: ?['"][0-9a-f]+['"]/g, '_msgid');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/**
 * Mocha hooks for node specs: the helper's server for the suite, a fresh plex.tv double
 * for each test, and the flow unloaded after it. Returns a getter for the current double.
 */
export function useNodeRedWithDouble(): () => PlexTvDouble {
  let double: PlexTvDouble | undefined;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    double = new PlexTvDouble();
    await double.start();
  });
  afterEach(async () => {
    await helper.unload();
    await double?.stop();
  });
  return () => {
    if (!double) throw new Error('no double outside a test');
    return double;
  };
}
