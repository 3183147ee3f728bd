import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { helper, useNodeRedWithDouble, waitFor } from './support/flow';
import { nodeModules } from './support/nodes';
import { DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';

interface ExampleNode {
  id: string;
  type: string;
  payload?: string;
  payloadType?: string;
  wires?: string[][];
  [key: string]: unknown;
}

/**
 * Runs an example flow as shipped: its Plex nodes unchanged but for the account, its other
 * nodes (inject, debug, comment) replaced by recording helper nodes.
 */
async function runExample(
  double: PlexTvDouble,
  file: string,
  credentials: Record<string, object> = {},
) {
  const text = fs.readFileSync(path.join(__dirname, '..', 'examples', file), 'utf8');
  const example = JSON.parse(text) as ExampleNode[];
  const flow = [
    { id: 'tab', type: 'tab' },
    {
      id: 'acc',
      type: 'plex-account',
      clientIdentifier: '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11',
      baseUrl: double.url,
      retries: 0,
    },
    ...example.map((node) =>
      node.type.startsWith('plex-')
        ? { ...node, z: 'tab', account: 'acc' }
        : { id: node.id, z: 'tab', type: 'helper', wires: node.wires ?? [] },
    ),
  ];
  await helper.load(nodeModules() as Parameters<typeof helper.load>[0], flow, {
    acc: { token: DOUBLE_TOKEN },
    ...credentials,
  });
  const received: Record<string, NodeMessage[]> = {};
  for (const node of example.filter((n) => n.type === 'debug')) {
    received[String(node.name)] = [];
    helper
      .getNode(node.id)
      .on('input', (msg: NodeMessage) => received[String(node.name)].push(msg));
  }
  /** What the inject node `name` would send when it fires. */
  const fire = (name: string) => {
    const inject = example.find((n) => n.type === 'inject' && n.name === name);
    assert.ok(inject, `an inject named ${name}`);
    const payload = inject.payloadType === 'str' ? inject.payload : undefined;
    for (const target of inject.wires?.flat() ?? [])
      helper.getNode(target).receive({ payload, topic: inject.topic } as NodeMessage);
  };
  return { example, received, fire };
}

describe('examples run against the double', () => {
  const currentDouble = useNodeRedWithDouble();

  it('bedtime-routine sets the Kids PIN at 20:00 and removes it at 07:00', async () => {
    const double = currentDouble();
    delete double.users.get(12345678)?.pin;
    const example = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'examples', 'bedtime-routine.json'), 'utf8'),
    ) as ExampleNode[];
    const setPinId = example.find((n) => n.type === 'plex-set-pin')?.id;
    assert.ok(setPinId);
    assert.deepEqual(
      example.filter((n) => n.type === 'inject').map((n) => n.crontab),
      ['00 20 * * *', '00 07 * * *'],
    );
    // The flow ships without the PIN (a credential); the user types it into the node.
    const run = await runExample(double, 'bedtime-routine.json', { [setPinId]: { pin: '2020' } });
    run.fire('20:00 every day');
    await waitFor(() => run.received.done.length === 1, 'the PIN set');
    assert.equal(double.users.get(12345678)?.pin, '2020');
    run.fire('07:00 every day');
    await waitFor(() => run.received.done.length === 2, 'the PIN removed');
    assert.equal(double.users.get(12345678)?.pin, undefined);
    assert.equal(run.received.errors.length, 0);
    // Without a PIN in the node, the error reaches the errors debug node.
    await helper.unload();
    const bare = await runExample(double, 'bedtime-routine.json');
    bare.fire('20:00 every day');
    await waitFor(() => bare.received.errors.length === 1, 'the error');
    assert.equal(
      (bare.received.errors[0] as { error?: { code: string } }).error?.code,
      'INVALID_PIN',
    );
  });

  it('find-my-users lists the Home users', async () => {
    const double = currentDouble();
    const run = await runExample(double, 'find-my-users.json');
    run.fire('list');
    await waitFor(() => run.received.users.length === 1, 'the users');
    assert.deepEqual(
      (run.received.users[0].payload as Array<{ title: string }>).map((u) => u.title),
      ['Parent', 'Kids', 'Teen'],
    );
  });
});
