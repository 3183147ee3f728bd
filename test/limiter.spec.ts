import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from '../src/lib/limiter';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ConcurrencyLimiter', () => {
  it('runs at most max tasks at once, the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    assert.equal(limiter.running, 2);
    assert.equal(limiter.queued, 2);
    gates[1].resolve();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    gates.forEach((g) => g.resolve());
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
    assert.equal(limiter.running, 0);
  });

  it('drops an aborted waiter from the queue and frees the slot after a failure', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    const waiting = limiter.run(async () => 'never', controller.signal);
    controller.abort();
    await assert.rejects(waiting);
    assert.equal(limiter.queued, 0);
    await assert.rejects(limiter.run(async () => 'x', controller.signal));
    gate.resolve();
    await first;
    await assert.rejects(limiter.run(() => Promise.reject(new Error('task failed'))));
    assert.equal(await limiter.run(async () => 'free'), 'free');
  });
});
