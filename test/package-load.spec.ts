import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pkg from '../package.json';

describe('loading the package', () => {
  it('leaves axios and sax unloaded until a client is made', () => {
    const root = path.resolve(__dirname, '..');
    // Every node file Node-RED loads, from its TypeScript source.
    const sources = Object.values(pkg['node-red'].nodes).map((file) =>
      `./${file}`.replace(/^\.\/nodes\//, './src/nodes/').replace(/\.js$/, ''),
    );
    assert.ok(sources.length >= 2);
    const script = `
      const loaded = () => Object.keys(require.cache).filter((f) => /node_modules[\\\\/](axios|sax)[\\\\/]/.test(f)).length;
      const types = ${JSON.stringify(sources)}.map((file) => typeof require(file));
      const before = loaded();
      require('./src/lib/plex-tv-client');
      process.stdout.write(JSON.stringify({ before, after: loaded(), types }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as { before: number; after: number; types: string[] };
    assert.deepEqual(
      result.types,
      sources.map(() => 'function'),
    );
    assert.equal(result.before, 0);
    assert.ok(result.after > 0, 'the check sees axios and sax once the client is loaded');
  });
});
