import assert from 'node:assert/strict';
import { DOUBLE_TOKEN, type PlexTvDouble } from '../double/plex-tv-double';
import { helper } from '../support/flow';
import type { PlexAccountNode } from '../../src/nodes/plex-account';
import { NODE_CASES } from './cases';
import {
  useDouble,
  actionTarget,
  currentServer,
  checkInvariants,
  completed,
  figures,
  loadCase,
  sendTagged,
  type NodeCase,
} from './support';

const BURST = 10_000;
const MAX_CONCURRENT = 8;
const MB = 1024 * 1024;
/** What may stay on the heap after the burst is gone: far below what the burst itself holds. */
const HEAP_BOUND = 8 * MB;

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The heap after GC. node-red-node-test-helper's log spy keeps every log call of the last
 * flow, each with a stack whose closures reach that flow's messages, until the next load:
 * its history is dropped first so the figure is the package's, not the test harness's.
 */
async function heapAfterGc(): Promise<number> {
  assert.ok(gc, 'mocha runs node with --expose-gc (.mocharc.json)');
  (helper as unknown as { _logSpy?: { resetHistory(): void } })._logSpy?.resetHistory();
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * A mixed burst: most succeed, every fifth is refused by plex.tv and every fifth is bad
 * input that never leaves, where the node has such messages. Returns how many must fail.
 */
function burst(
  nodeCase: NodeCase,
  count: number,
): { msgs: Array<Record<string, unknown>>; failing: number } {
  const input = nodeCase.inputs[0];
  let failing = 0;
  const msgs = Array.from({ length: count }, (_, i) => {
    if (i % 5 === 3 && nodeCase.refused) {
      failing++;
      return nodeCase.refused();
    }
    if (i % 5 === 4 && input) {
      failing++;
      return input.message('not an id');
    }
    return nodeCase.good();
  });
  return { msgs, failing };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** Loads a flow, sends `count` messages at once, checks them all, and unloads it again. */
async function runBurst(nodeCase: NodeCase, plexTv: PlexTvDouble, count: number) {
  // Where the burst's requests end up: plex.tv, or the media server the node finds through it.
  const double = actionTarget(nodeCase).double;
  const flow = await loadCase(nodeCase, plexTv, {
    account: { maxConcurrent: MAX_CONCURRENT, timeout: 30_000 },
  });
  // The client's own count of requests in flight, sampled while the burst runs.
  const client = (helper.getNode('acc') as unknown as PlexAccountNode).getClient();
  let clientPeak = 0;
  const sampler = setInterval(() => (clientPeak = Math.max(clientPeak, client.inFlight)), 2);
  const started = performance.now();
  const { msgs, failing } = burst(nodeCase, count);
  const tags = sendTagged(flow, msgs);
  await completed(flow, count, 150_000);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  checkInvariants(flow, tags, { errorWired: true }, [DOUBLE_TOKEN, ...nodeCase.secrets]);
  assert.equal(flow.error.length, failing);
  assert.equal(flow.user.length, count - failing);
  assert.ok(double.peakInFlight <= MAX_CONCURRENT, `peak ${double.peakInFlight} in flight`);
  assert.ok(clientPeak <= MAX_CONCURRENT, `the client had ${clientPeak} in flight`);
  const held = await heapAfterGc();
  const stats = {
    seconds,
    held,
    clientPeak,
    peak: double.peakInFlight,
    connections: double.connections,
    requests: double.requests.length,
  };
  await helper.unload();
  double.reset();
  plexTv.reset();
  return stats;
}

describe('reliability: load', () => {
  const currentDouble = useDouble();
  // Every message of a burst finds the streams it stops: they play on after each stop.
  beforeEach(() => (currentServer().endOnTerminate = false));

  for (const nodeCase of NODE_CASES) {
    it(`${nodeCase.type}: ${BURST} messages in one burst through one account`, async function () {
      this.timeout(180_000);
      const double = currentDouble();
      // Warm up: code paths compiled and Node-RED's lazy state created before the baseline.
      await runBurst(nodeCase, double, 500);
      const baseline = await heapAfterGc();
      const run = await runBurst(nodeCase, double, BURST);
      const after = await heapAfterGc();
      const delta = after - baseline;
      figures.push(
        `${nodeCase.type}, ${BURST} burst: ${Math.round(BURST / run.seconds)} msg/s (${run.seconds.toFixed(1)} s), ` +
          `${run.requests} requests, peak in flight ${run.peak} at the double and ${run.clientPeak} in the client ` +
          `(max ${MAX_CONCURRENT}), ${run.connections} connections, heap ${mb(baseline)} before, ` +
          `${mb(run.held)} holding the outputs, ${mb(after)} after (${delta >= 0 ? '+' : ''}${mb(delta)})`,
      );
      assert.ok(run.held - baseline > HEAP_BOUND, 'the measure sees the burst while it is held');
      assert.ok(delta < HEAP_BOUND, `heap grew by ${mb(delta)} after the burst was gone`);
    });

    it(`${nodeCase.type}: 1,000 messages with output 2 not wired, 2 ms round trips`, async () => {
      const double = actionTarget(nodeCase).double;
      double.latencyMs = 2;
      const flow = await loadCase(nodeCase, currentDouble(), {
        errorWired: false,
        account: { maxConcurrent: 4 },
      });
      const { msgs, failing } = burst(nodeCase, 1000);
      const tags = sendTagged(flow, msgs);
      await completed(flow, 1000, 60_000);
      checkInvariants(flow, tags, { errorWired: false }, [DOUBLE_TOKEN, ...nodeCase.secrets]);
      assert.equal(flow.user.length, 1000 - failing);
      assert.equal(flow.completions.filter((c) => c.error).length, failing);
      assert.ok(double.peakInFlight <= 4, `peak ${double.peakInFlight} in flight`);
      figures.push(
        `${nodeCase.type}, 1,000 with output 2 not wired: peak ${double.peakInFlight} in flight at the double (max 4)`,
      );
    });
  }
});
