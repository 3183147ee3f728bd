import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pkg from '../package.json';

/**
 * Each node's editor HTML as the flow library reads it (flows.nodered.org and node-red-dev's
 * scorecard parse the `text/javascript` scripts with acorn): `registerType` with a literal type
 * and an inline object whose category, color, icon, inputs and outputs are literals and whose
 * defaults and credentials are inline objects. The library lists a node type, shows its icon and
 * colour, and the palette manager finds the package for a missing type, only from these.
 */

interface AstNode {
  type: string;
  [key: string]: unknown;
}
interface Property extends AstNode {
  key?: { name?: string; value?: string };
  value: AstNode & { value?: unknown };
}
type Parse = (code: string, options: { ecmaVersion: 'latest' }) => AstNode;
type Simple = (ast: AstNode, visitors: Record<string, (node: AstNode) => void>) => void;

const ROOT = path.resolve(__dirname, '..');
// The parser the scorecard itself uses: node-red-dev's acorn.
const nodeRedDev = path.dirname(require.resolve('node-red-dev/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require(require.resolve('acorn', { paths: [nodeRedDev] })) as { parse: Parse };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { simple } = require(require.resolve('acorn-walk', { paths: [nodeRedDev] })) as {
  simple: Simple;
};

interface Definition {
  type: unknown;
  properties: Map<string, Property['value']>;
  /** Entries of the literal that are not plain `key: value` (a spread, say). */
  others: number;
}

/** Every registerType call in the `text/javascript` scripts of an editor HTML file. */
function definitions(html: string): Definition[] {
  const found: Definition[] = [];
  const scripts = html.matchAll(
    /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi,
  );
  for (const [, code] of scripts) {
    simple(parse(code, { ecmaVersion: 'latest' }), {
      CallExpression(call) {
        const callee = call.callee as { property?: { name?: string } };
        if (callee.property?.name !== 'registerType') return;
        const [type, definition] = call.arguments as AstNode[];
        const properties = new Map<string, Property['value']>();
        let others = 0;
        for (const entry of (definition.properties as Property[] | undefined) ?? []) {
          const name = entry.type === 'Property' ? entry.key?.name : undefined;
          if (name) properties.set(name, entry.value);
          else others++;
        }
        found.push({
          type: type.type === 'Literal' ? type.value : undefined,
          properties: definition.type === 'ObjectExpression' ? properties : new Map(),
          others: definition.type === 'ObjectExpression' ? others : Infinity,
        });
      },
    });
  }
  return found;
}

describe('editor definitions, as the flow library reads them', () => {
  it('tells an inline literal from one it cannot read', () => {
    const [inline] = definitions(
      `<script type="text/javascript">RED.nodes.registerType('a', { category: 'x', icon: 'a.svg' });</script>`,
    );
    assert.equal(inline.type, 'a');
    assert.equal(inline.properties.get('icon')?.value, 'a.svg');
    const [spread] = definitions(
      `<script type="text/javascript">RED.nodes.registerType('b', { ...shared, icon: 'b.svg' });</script>`,
    );
    assert.equal(spread.others, 1);
    const [built] = definitions(
      `<script type="text/javascript">RED.nodes.registerType('c', make({}));</script>`,
    );
    assert.equal(built.others, Infinity);
  });

  for (const [type, js] of Object.entries(pkg['node-red'].nodes)) {
    it(`${type}: registerType with a literal type and an inline literal the library reads`, () => {
      const html = fs.readFileSync(path.join(ROOT, js.replace(/\.js$/, '.html')), 'utf8');
      const found = definitions(html);
      assert.deepEqual(
        found.map((d) => d.type),
        [type],
      );
      const [definition] = found;
      assert.equal(definition.others, 0, 'only plain key: value entries');
      const literal = (name: string) => {
        const value = definition.properties.get(name);
        assert.equal(value?.type, 'Literal', `${name} is a literal`);
        return value?.value;
      };
      const category = literal('category');
      literal('color');
      const icon = literal('icon');
      assert.ok(
        fs.existsSync(path.join(ROOT, 'nodes/icons', String(icon))),
        `nodes/icons/${String(icon)}`,
      );
      assert.equal(icon, `${type}.svg`, 'each node type its own icon');
      assert.equal(definition.properties.get('defaults')?.type, 'ObjectExpression');
      if (definition.properties.has('credentials')) {
        assert.equal(definition.properties.get('credentials')?.type, 'ObjectExpression');
      }
      if (category !== 'config') {
        literal('inputs');
        literal('outputs');
      }
    });
  }
});
