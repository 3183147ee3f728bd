import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { DOUBLE_TOKEN, type PlexTvDouble } from '../double/plex-tv-double';
import { helper, waitFor, type LoadedFlow } from '../support/flow';
import { NODE_CASES } from './cases';
import {
  useDouble,
  actionTarget,
  checkInvariants,
  completed,
  figures,
  loadCase,
  outcomeOf,
  sendTagged,
  tally,
  type NodeCase,
} from './support';

const IN_FLIGHT = 100;
/** The account's upper bound: 64 requests at plex.tv, the other 36 waiting for a slot. */
const MAX_CONCURRENT = 64;
const EARLY = 20;
/** The package aims at 2 s; the bound leaves room for a loaded machine, the figure is reported. */
const CLOSE_BOUND_MS = 10_000;

interface Loaded {
  flow: LoadedFlow;
  early: Set<string>;
  late: Set<string>;
}

/**
 * A flow that answered EARLY messages, with IN_FLIGHT more now stuck at (or queued for) the
 * stand-in they end at: plex.tv, or the media server found through it.
 */
async function stuckFlow(
  nodeCase: NodeCase,
  plexTv: PlexTvDouble,
  options: { errorWired?: boolean; retries?: number; fault?: 'hang' | 'retry-later' } = {},
): Promise<Loaded> {
  const { double, path } = actionTarget(nodeCase);
  const flow = await loadCase(nodeCase, plexTv, {
    errorWired: options.errorWired ?? true,
    account: { timeout: 60_000, maxConcurrent: MAX_CONCURRENT, retries: options.retries ?? 0 },
  });
  const early = sendTagged(
    flow,
    Array.from({ length: EARLY }, () => nodeCase.good()),
  );
  await completed(flow, EARLY);
  assert.equal(flow.user.length, EARLY, 'the flow works before the fault');
  if (options.fault === 'retry-later') {
    double.inject(
      { kind: 'status', status: 503, body: '', headers: { 'Retry-After': '30' }, only: path },
      Infinity,
    );
  } else {
    double.inject({ kind: 'hang', only: path }, Infinity);
  }
  const late = sendTagged(
    flow,
    Array.from({ length: IN_FLIGHT }, () => nodeCase.good()),
  );
  if (options.fault === 'retry-later') {
    const asked = () => double.requests.filter((r) => path.test(r.path)).length;
    await waitFor(() => asked() >= EARLY + IN_FLIGHT, 'every request refused once');
  } else {
    await waitFor(() => double.inFlight >= MAX_CONCURRENT, `${MAX_CONCURRENT} requests at plex.tv`);
  }
  return { flow, early, late };
}

/** Runs `fault` on a stuck flow and checks: a done() each, nothing sent after, no socket left open. */
async function closeUnder(
  nodeCase: NodeCase,
  double: PlexTvDouble,
  what: string,
  fault: (flow: LoadedFlow) => Promise<unknown>,
  options: Parameters<typeof stuckFlow>[2] = {},
): Promise<LoadedFlow> {
  const { flow, early, late } = await stuckFlow(nodeCase, double, options);
  const sentBefore = flow.sent.length;
  tally.faults++;
  const started = performance.now();
  await fault(flow);
  await completed(flow, EARLY + IN_FLIGHT, CLOSE_BOUND_MS);
  const closeMs = Math.round(performance.now() - started);
  figures.push(`${nodeCase.type}, ${what}: ${IN_FLIGHT} in flight closed in ${closeMs} ms`);
  const secrets = [DOUBLE_TOKEN, ...nodeCase.secrets];
  checkInvariants(flow, early, { errorWired: true }, secrets);
  checkInvariants(flow, late, { errorWired: true, closed: true }, secrets);
  assert.ok(closeMs < CLOSE_BOUND_MS, `close took ${closeMs} ms`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(flow.sent.length, sentBefore, 'nothing sent after close');
  const target = actionTarget(nodeCase).double;
  await waitFor(() => double.inFlight === 0 && target.inFlight === 0, 'every request ended');
  return flow;
}

/** Sends `msg` to the (new) n1 and returns the first message it puts out. */
async function probe(msg: Record<string, unknown>): Promise<{ output: number; msg: NodeMessage }> {
  const seen: Array<{ output: number; msg: NodeMessage }> = [];
  helper.getNode('out-user').on('input', (m: NodeMessage) => seen.push({ output: 1, msg: m }));
  helper.getNode('out-error').on('input', (m: NodeMessage) => seen.push({ output: 2, msg: m }));
  tally.messages++;
  helper.getNode('n1').receive(msg as NodeMessage);
  await waitFor(() => seen.length > 0, 'an answer from the redeployed node');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(seen.length, 1, 'one output message');
  return seen[0];
}

describe('reliability: runtime faults', () => {
  const currentDouble = useDouble();

  for (const nodeCase of NODE_CASES) {
    describe(nodeCase.type, () => {
      it(`redeploy with ${IN_FLIGHT} requests in flight`, async () => {
        const double = currentDouble();
        await closeUnder(nodeCase, double, 'full redeploy', (flow) =>
          helper.setFlows(flow.definition, 'full', flow.credentials),
        );
        double.reset();
        actionTarget(nodeCase).double.reset();
        const answer = await probe(nodeCase.good());
        assert.equal(answer.output, 1, 'the redeployed node works');
      });

      it('the node deleted with requests in flight', async () => {
        const double = currentDouble();
        await closeUnder(nodeCase, double, 'node deleted', (flow) =>
          helper.setFlows(
            flow.definition.filter((n) => n.id !== 'n1'),
            'nodes',
            flow.credentials,
          ),
        );
      });

      for (const type of ['full', 'nodes'] as const) {
        it(`the config node deleted while its users run (${type} deploy)`, async () => {
          const double = currentDouble();
          await closeUnder(nodeCase, double, `account deleted (${type})`, (flow) =>
            helper.setFlows(
              flow.definition.filter((n) => n.id !== 'acc'),
              type,
              {},
            ),
          );
          double.reset();
          actionTarget(nodeCase).double.reset();
          const answer = await probe(nodeCase.good());
          assert.equal(answer.output, 2);
          assert.equal((answer.msg as { error?: { code: string } }).error?.code, 'NOT_CONFIGURED');
          assert.equal(double.requests.length + actionTarget(nodeCase).double.requests.length, 0);
        });
      }

      it('the account edited while requests wait for a retry (modified nodes deploy)', async () => {
        const double = currentDouble();
        await closeUnder(
          nodeCase,
          double,
          'account edited during retry waits',
          (flow) =>
            helper.setFlows(
              flow.definition.map((n) => (n.id === 'acc' ? { ...n, timeout: 5000 } : n)),
              'nodes',
              flow.credentials,
            ),
          { retries: 2, fault: 'retry-later' },
        );
      });

      it('close with every message waiting 30 s for a retry', async () => {
        const double = currentDouble();
        await closeUnder(nodeCase, double, 'close during retry waits', () => helper.clearFlows(), {
          retries: 2,
          fault: 'retry-later',
        });
      });

      for (const errorWired of [true, false]) {
        const away = nodeCase.mediaServer ? 'the server' : 'plex.tv';
        it(`${away} goes away with requests in flight, output 2 ${errorWired ? 'wired' : 'not wired'}`, async () => {
          const double = currentDouble();
          const { flow, early, late } = await stuckFlow(nodeCase, double, { errorWired });
          tally.faults++;
          await actionTarget(nodeCase).double.stop();
          await completed(flow, EARLY + IN_FLIGHT);
          const secrets = [DOUBLE_TOKEN, ...nodeCase.secrets];
          checkInvariants(flow, early, { errorWired }, secrets);
          checkInvariants(flow, late, { errorWired }, secrets);
          for (const tag of late) assert.equal(outcomeOf(flow, tag).code, 'NETWORK');
        });
      }
    });
  }
});
