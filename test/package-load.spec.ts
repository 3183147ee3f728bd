import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

describe('loading the package', () => {
  it('leaves axios and xml2js unloaded until an account starts', () => {
    const root = path.resolve(__dirname, '..');
    const script = `
      const loaded = () => Object.keys(require.cache).filter((f) => /node_modules[\\\\/](axios|xml2js)[\\\\/]/.test(f)).length;
      const account = require('./src/nodes/plex-account');
      require('./src/nodes/plex-remove-pin');
      const before = loaded();
      require('./src/lib/plex-tv-client');
      process.stdout.write(JSON.stringify({ before, after: loaded(), type: typeof account }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as { before: number; after: number; type: string };
    assert.equal(result.type, 'function');
    assert.equal(result.before, 0);
    assert.ok(result.after > 0, 'the check sees axios and xml2js once the client is loaded');
  });
});
