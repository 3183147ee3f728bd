import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { helper, loadFlow, useNodeRedWithDouble } from './support/flow';
import { DOUBLE_TOKEN, type PlexTvDouble } from './double/plex-tv-double';
import type { PlexAccountNode } from '../src/nodes/plex-account';

describe('plex-account node', () => {
  const currentDouble = useNodeRedWithDouble();
  let double: PlexTvDouble;
  beforeEach(() => (double = currentDouble()));

  it('gives its nodes one shared client built from its settings and credential', async () => {
    const flow = await loadFlow({
      double,
      account: { product: 'Home Automation', timeout: '1500', retries: '1', maxConcurrent: '2' },
    });
    const account = helper.getNode('acc') as PlexAccountNode;
    const client = account.getClient();
    assert.equal(client, account.getClient());
    assert.equal(client.timeout, 1500);
    assert.equal(client.retries, 1);
    assert.equal(client.baseUrl, double.url);
    flow.node.receive({ payload: 12345678 } as NodeMessage);
    await flow.completed(1);
    assert.equal(double.requests[0].headers['x-plex-product'], 'Home Automation');
  });

  it('falls back to the defaults for blank or out-of-range numbers', async () => {
    await loadFlow({ double, account: { timeout: '', retries: 'many', maxConcurrent: -5 } });
    const client = (helper.getNode('acc') as PlexAccountNode).getClient();
    assert.equal(client.timeout, 10000);
    assert.equal(client.retries, 2);
  });

  it('warns, without the token, when the client id is not a UUID', async () => {
    await loadFlow({ double, account: { clientIdentifier: 'my-node-red' } });
    const entries = helper.log().args.map((args) => args[0] as { level: number; msg: unknown });
    const warnings = entries.filter((entry) => /bad-client-identifier/.test(String(entry.msg)));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].level, 30, 'logged as a warning');
    assert.ok(!JSON.stringify(helper.log().args).includes(DOUBLE_TOKEN));
  });

  const warningsOf = () =>
    helper
      .log()
      .args.map((args) => args[0] as { level: number; type?: string; msg: unknown })
      .filter((entry) => entry.level === 30 && entry.type === 'plex-account')
      .map((entry) => String(entry.msg));

  it('warns once, naming the host and not the token, when the token goes elsewhere than plex.tv', async () => {
    await loadFlow({ double, translated: true, account: { baseUrl: `${double.url}/proxy/` } });
    const host = new URL(double.url).host;
    const warnings = warningsOf().filter((text) => text.includes('not to plex.tv'));
    assert.deepEqual(warnings, [
      `This Plex account sends its token to ${host}, not to plex.tv: keep that only for a proxy or a test stand-in you trust`,
    ]);
    assert.ok(!JSON.stringify(helper.log().args).includes(DOUBLE_TOKEN));
  });

  for (const baseUrl of ['', 'https://plex.tv', 'https://PLEX.TV/', 'https://plex.tv:443']) {
    it(`does not warn about the host for ${JSON.stringify(baseUrl)}`, async () => {
      await loadFlow({ double, translated: true, account: { baseUrl } });
      assert.equal(
        (helper.getNode('acc') as PlexAccountNode).getClient().baseUrl,
        'https://plex.tv',
      );
      assert.deepEqual(warningsOf(), []);
    });
  }

  it('does not warn about the host when there is no token (nothing is sent)', async () => {
    await loadFlow({ double, token: null });
    assert.deepEqual(warningsOf(), []);
  });

  it('throws NOT_CONFIGURED from getClient when there is no token', async () => {
    await loadFlow({ double, token: '   ' });
    const account = helper.getNode('acc') as PlexAccountNode;
    assert.throws(() => account.getClient(), { code: 'NOT_CONFIGURED' });
  });
});

describe('examples', () => {
  const dir = path.join(__dirname, '..', 'examples');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    'node-red': { nodes: Record<string, string> };
  };

  it('has an example for every action node type', () => {
    const used = new Set(
      files.flatMap((f) =>
        (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Array<{ type: string }>).map(
          (n) => n.type,
        ),
      ),
    );
    const actionTypes = Object.keys(pkg['node-red'].nodes).filter((t) => t !== 'plex-account');
    assert.ok(actionTypes.length > 0);
    for (const type of actionTypes) assert.ok(used.has(type), `no example uses ${type}`);
  });

  for (const file of files) {
    it(`${file} is a flow with no token and wired outputs`, () => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const flow = JSON.parse(text) as Array<{
        id: string;
        type: string;
        wires?: string[][];
        credentials?: unknown;
      }>;
      const ids = new Set(flow.map((n) => n.id));
      assert.equal(ids.size, flow.length, 'ids are unique');
      for (const node of flow) {
        assert.equal(node.credentials, undefined);
        for (const wire of (node.wires ?? []).flat())
          assert.ok(ids.has(wire), `${node.id} wires to ${wire}`);
        if (node.type.startsWith('plex-') && node.type !== 'plex-account')
          assert.equal(node.wires?.length, 2);
      }
      assert.ok(!/token"\s*:\s*"[^"]/i.test(text));
    });
  }
});
