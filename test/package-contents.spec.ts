import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, npmPack } from '../scripts/npm-pack';

/** Every file below `dir` (relative to the repository root), with forward slashes. */
function walk(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
}

/** The .js file tsc makes of each .ts file below src/<from>, as it lands in <to>/. */
function compiled(from: string, to: string): string[] {
  return walk(`src/${from}`)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${to}/${path.basename(f, '.ts')}.js`);
}

describe('the npm package', () => {
  let shipped: string[];

  before(function () {
    // --ignore-scripts: no build inside the test; `npm test` builds before it runs mocha.
    this.timeout(60000);
    shipped = npmPack(['--dry-run', '--ignore-scripts'])
      .files.map((f) => f.path)
      .sort();
  });

  it('ships package.json, README.md and LICENSE', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE']) assert.ok(shipped.includes(f), f);
  });

  it('ships the editor files: node HTML, icons, message catalogues and editor resources', () => {
    // resources/ is what Node-RED serves to the editor under /resources/<module>/.
    const editor = [...walk('nodes').filter((f) => !/\.js(\.map)?$/.test(f)), ...walk('resources')];
    assert.ok(
      editor.some((f) => f.startsWith('nodes/icons/')),
      'the repository has icons',
    );
    assert.ok(
      editor.some((f) => f.startsWith('nodes/locales/')),
      'the repository has locales',
    );
    for (const f of editor) assert.ok(shipped.includes(f), `${f} is shipped`);
  });

  it('ships the compiled JavaScript of every node and library module (run `npm run build` first)', () => {
    const js = [...compiled('nodes', 'nodes'), ...compiled('lib', 'lib')];
    assert.ok(js.length >= 4);
    for (const f of js) assert.ok(shipped.includes(f), `${f} is shipped`);
  });

  it('ships every file package.json names for Node-RED', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      'node-red': { nodes: Record<string, string> };
    };
    for (const js of Object.values(pkg['node-red'].nodes)) {
      assert.ok(shipped.includes(js), `${js} is shipped`);
      assert.ok(shipped.includes(js.replace(/\.js$/, '.html')), `the HTML of ${js} is shipped`);
    }
  });

  it('ships the example flows', () => {
    const examples = walk('examples').filter((f) => f.endsWith('.json'));
    assert.ok(examples.length > 0);
    for (const f of examples) assert.ok(shipped.includes(f), `${f} is shipped`);
  });

  it('ships nothing else: no tests, sources, benchmarks, scripts, docs or source maps', () => {
    const allowed = /^(package\.json|README\.md|LICENSE|(nodes|lib|resources|examples)\/.+)$/;
    const unexpected = shipped.filter(
      (f) => !allowed.test(f) || /\.(ts|map|png|tgz)$/.test(f) || f.split('/').includes('test'),
    );
    assert.deepEqual(unexpected, []);
    for (const dir of ['test/', 'src/', 'bench/', 'scripts/', 'docs/', 'coverage/', '.compat/'])
      assert.ok(!shipped.some((f) => f.startsWith(dir)), `nothing from ${dir}`);
  });
});
