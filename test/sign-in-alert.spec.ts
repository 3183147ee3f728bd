import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { helper, translateInHelper, useNodeRedWithDouble, waitFor } from './support/flow';
import { nodeModules } from './support/nodes';
import { DOUBLE_TOKEN } from './double/plex-tv-double';

/**
 * The sign-in-alert example as shipped, with Node-RED's own status, switch and change nodes
 * running as they are; its inject and debug nodes are recording helper nodes.
 */

interface ExampleNode {
  id: string;
  type: string;
  name?: string;
  wires?: string[][];
  [key: string]: unknown;
}

const RUNNING = {
  status: 'common/25-status',
  switch: 'function/10-switch',
  change: 'function/15-change',
} as const;

/** One of Node-RED's own node modules, from the Node-RED the suite runs against. */
function coreNode(file: string): unknown {
  const red = process.env.NODE_RED_UNDER_TEST ?? require.resolve('node-red');
  const module = require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(red)] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(module);
}

describe('the sign-in-alert example', () => {
  const currentDouble = useNodeRedWithDouble();

  it('tells a person when plex.tv refuses the token, and again per refused message', async () => {
    const double = currentDouble();
    const file = path.join(__dirname, '..', 'examples', 'sign-in-alert.json');
    const example = JSON.parse(fs.readFileSync(file, 'utf8')) as ExampleNode[];
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
          : node.type in RUNNING
            ? { ...node, z: 'tab' }
            : { id: node.id, z: 'tab', type: 'helper', wires: node.wires ?? [] },
      ),
    ];
    const modules = [...nodeModules(), ...Object.values(RUNNING).map(coreNode)];
    // Texts as Node-RED gives them: the status node sees what a person would read.
    const translation = translateInHelper();
    try {
      await helper.load(modules as Parameters<typeof helper.load>[0], flow, {
        acc: { token: DOUBLE_TOKEN },
      });
    } finally {
      translation.restore();
    }
    const received: Record<string, Array<NodeMessage & { status?: { text?: string } }>> = {};
    for (const node of example.filter((n) => n.type === 'debug')) {
      received[String(node.name)] = [];
      helper
        .getNode(node.id)
        .on('input', (msg: NodeMessage) => received[String(node.name)].push(msg));
    }
    const list = example.find((n) => n.type === 'inject' && n.name === 'list');
    assert.ok(list);
    const press = () => {
      for (const target of list.wires?.flat() ?? []) {
        helper.getNode(target).receive({ topic: list.topic } as NodeMessage);
      }
    };
    const told = () => received['tell a person'];

    press();
    await waitFor(() => received.users.length === 1, 'the users');
    double.revoke(DOUBLE_TOKEN, 422);
    press();
    await waitFor(() => received.error.length === 1, 'the error');
    await waitFor(() => told().length === 1, 'the alert');
    assert.equal(
      told()[0].payload,
      'The Plex nodes need a sign-in: open the plex-account node, click Sign in with Plex, then deploy.',
    );
    assert.match(String(told()[0].status?.text), /^sign-in needed · \d\d:\d\d$/);
    // The routine fails again: the person hears of it again, once.
    press();
    await waitFor(() => received.error.length === 2, 'the second error');
    await waitFor(() => told().length === 2, 'the second alert');
    // Signed in again: the next list works and tells nobody anything.
    double.revoked.clear();
    press();
    await waitFor(() => received.users.length === 2, 'the users again');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(told().length, 2);
    assert.ok(!JSON.stringify(received).includes(DOUBLE_TOKEN));
  });
});
