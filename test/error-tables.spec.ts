import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pkg from '../package.json';
import { ERROR_CODES } from '../src/lib/errors';

/**
 * The error codes are one list, `ERROR_CODES` in src/lib/errors.ts. The README's Errors table
 * and the error table of every action node's help name exactly those codes: none missing, none
 * that does not exist.
 */

const ROOT = path.resolve(__dirname, '..');

function read(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** What differs between the codes a table names and ERROR_CODES. */
function compare(codes: string[]): { missing: string[]; extra: string[] } {
  return {
    missing: ERROR_CODES.filter((code) => !codes.includes(code)),
    extra: [...new Set(codes)].filter((code) => !(ERROR_CODES as readonly string[]).includes(code)),
  };
}

/** The codes in the first column of the Markdown table under `## Errors`. */
function readmeCodes(readme: string): string[] {
  const section = /^## Errors\n([\s\S]*?)(?=^## )/m.exec(readme);
  assert.ok(section, 'the README has an Errors section');
  return [...section[1].matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]);
}

/** Every code written in the help's table(s) of codes. */
function helpCodes(help: string): string[] {
  const tables = [...help.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((m) => m[1]);
  return tables.flatMap((table) =>
    [...table.matchAll(/<code>([A-Z][A-Z_]+)<\/code>/g)].map((m) => m[1]),
  );
}

/** Node types that act on messages (not the config node): each help has an error table. */
function actionNodeTypes(): string[] {
  return Object.keys(pkg['node-red'].nodes).filter(
    (type) => !/category:\s*'config'/.test(read(`nodes/${type}.html`)),
  );
}

describe('error tables', () => {
  it('reads the codes of a table, and tells a missing or an unknown one', () => {
    const all = [...ERROR_CODES];
    assert.deepEqual(compare(all), { missing: [], extra: [] });
    assert.deepEqual(compare([...all.slice(1), 'NO_SUCH_CODE']), {
      missing: [all[0]],
      extra: ['NO_SUCH_CODE'],
    });
    const table = '## Errors\n\n| `code` | when |\n| --- | --- |\n| `TIMEOUT` | x |\n\n## Next\n';
    assert.deepEqual(readmeCodes(table), ['TIMEOUT']);
    assert.deepEqual(helpCodes('<code>X_Y</code><table><td><code>NOT_FOUND</code></td></table>'), [
      'NOT_FOUND',
    ]);
  });

  it("the README's Errors table names every code of ERROR_CODES, and no other", () => {
    const codes = readmeCodes(read('README.md'));
    assert.deepEqual(compare(codes), { missing: [], extra: [] });
    assert.equal(new Set(codes).size, codes.length, 'each code has one row');
  });

  for (const type of actionNodeTypes()) {
    it(`the ${type} help's table names every code of ERROR_CODES, and no other`, () => {
      const codes = helpCodes(read(`nodes/locales/en-US/${type}.html`));
      assert.deepEqual(compare(codes), { missing: [], extra: [] });
      assert.equal(new Set(codes).size, codes.length, 'each code is named once');
    });
  }
});
