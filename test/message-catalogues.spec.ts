import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pkg from '../package.json';

/**
 * The message catalogues (nodes/locales/en-US/<type>.json) against the code that reads them:
 * every key used resolves, and every key defined is used, so a text shared by several nodes
 * lives once and nothing is left behind when a text goes.
 *
 * Node-RED gives each node file the namespace `<module>/<file>` and prefixes it to a key that
 * has no `:` of its own; a key with one (`node-red:common.label.name`, or the full key of a text
 * shared through the plex-account catalogue) is looked up as it is.
 */

const ROOT = path.resolve(__dirname, '..');
const LOCALES = path.join(ROOT, 'nodes/locales/en-US');
const MODULE = pkg.name;
const NODE_TYPES = Object.keys(pkg['node-red'].nodes);
/** Node-RED's own editor catalogue, for `node-red:` keys. */
const CORE_EDITOR_CATALOGUE = require.resolve('@node-red/editor-client/locales/en-US/editor.json');

type Catalogue = { [key: string]: string | Catalogue };

function leafKeys(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : leafKeys(value, `${prefix}${key}.`),
  );
}

function read(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

function namespaceOf(type: string): string {
  return `${MODULE}/${type}`;
}

/** `<namespace>:<key>` for every leaf of every catalogue of the package. */
function definedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of fs.readdirSync(LOCALES).filter((f) => f.endsWith('.json'))) {
    const catalogue = JSON.parse(fs.readFileSync(path.join(LOCALES, file), 'utf8')) as Catalogue;
    const namespace = namespaceOf(path.basename(file, '.json'));
    for (const key of leafKeys(catalogue)) keys.add(`${namespace}:${key}`);
  }
  return keys;
}

interface Use {
  key: string;
  where: string;
}

/** A key as Node-RED resolves it when the code of node file `type` asks for it. */
function resolve(key: string, type: string | undefined, where: string): Use {
  if (key.includes(':')) return { key, where };
  assert.ok(type, `${where}: "${key}" has no namespace, and ${where} belongs to no node type`);
  return { key: `${namespaceOf(type)}:${key}`, where };
}

/** Keys in `data-i18n` attributes: `key`, `[attr]key`, several joined by `;`. */
function attributeKeys(text: string): string[] {
  return [...text.matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) =>
    m[1].split(';').map((part) => part.replace(/^\[[^\]]+\]/, '')),
  );
}

/**
 * Keys in editor code: literal keys handed to an i18n function (`RED._`, `this._`) or to a
 * function of the shared editor script (`PlexHomeEditor.outputLabels('key')`; not formRows,
 * which takes a node type), and keys built from the node type (`this.type + '.paletteLabel'`),
 * which every node type that registers through the shared script needs. The shared script may
 * also pass on a key it was handed (a parameter); any other argument is refused, as this test
 * could not check it.
 */
function editorCallKeys(
  text: string,
  where: string,
  parametersAllowed = false,
): { literal: string[]; perType: string[] } {
  const literal: string[] = [];
  const perType: string[] = [];
  for (const match of text.matchAll(/\b(?:_|PlexHomeEditor\.(?!formRows\()\w+)\(\s*([^,)]*)/g)) {
    const argument = match[1].trim();
    const quoted = /^(['"])([^'"]+)\1$/.exec(argument);
    const built = /^this\.type \+ (['"])(\.[^'"]+)\1$/.exec(argument);
    if (quoted) literal.push(quoted[2]);
    else if (built) perType.push(built[2]);
    else if (argument === '' && match[0].startsWith('PlexHomeEditor')) continue;
    else if (!(parametersAllowed && /^[A-Za-z]\w*$/.test(argument)))
      assert.fail(`${where}: a message key the test cannot read: ${match[0]}`);
  }
  return { literal, perType };
}

/**
 * Every string literal of a node file shaped like a key of this package: a full key, or
 * `<type>.<group>.<name>` (keys are handed to helpers too; a permission such as
 * `plex-account.read` has a part less).
 */
function sourceKeys(text: string): string[] {
  const key = new RegExp(
    `^(?:${MODULE}/[\\w-]+:[\\w.-]+|(?:${NODE_TYPES.join('|')})(?:\\.[\\w-]+){2,})$`,
  );
  return [...text.matchAll(/'([^'\n]*)'/g)].map((m) => m[1]).filter((s) => key.test(s));
}

/** Node types whose editor code uses the shared script's functions. */
function typesUsingSharedScript(): string[] {
  return NODE_TYPES.filter((type) => /PlexHomeEditor\.\w+/.test(read(`nodes/${type}.html`)));
}

/**
 * The node type a module of src/nodes speaks for: its own, or for a module node files share, the
 * node file that imports it, directly or through other such modules (its RED._ is that file's).
 */
function ownerOf(module: string, seen = new Set<string>()): string | undefined {
  if (NODE_TYPES.includes(module)) return module;
  seen.add(module);
  const importers = fs
    .readdirSync(path.join(ROOT, 'src/nodes'))
    .map((file) => path.basename(file, '.ts'))
    .filter(
      (other) => !seen.has(other) && read(`src/nodes/${other}.ts`).includes(`from './${module}'`),
    );
  return (
    importers.find((other) => NODE_TYPES.includes(other)) ??
    importers.map((other) => ownerOf(other, seen)).find((owner) => owner !== undefined)
  );
}

function usedKeys(): Use[] {
  const uses: Use[] = [];
  for (const type of NODE_TYPES) {
    const file = `nodes/${type}.html`;
    const html = read(file);
    for (const key of attributeKeys(html)) uses.push(resolve(key, type, file));
    for (const key of editorCallKeys(html, file).literal) uses.push(resolve(key, type, file));
  }
  for (const file of fs.readdirSync(path.join(ROOT, 'resources'))) {
    const where = `resources/${file}`;
    const text = read(where);
    // The shared form rows' markup, and texts looked up in code.
    for (const key of attributeKeys(text)) uses.push(resolve(key, undefined, where));
    const { literal, perType } = editorCallKeys(text, where, true);
    for (const key of literal) uses.push(resolve(key, undefined, where));
    for (const suffix of perType) {
      for (const type of typesUsingSharedScript())
        uses.push(resolve(`${type}${suffix}`, type, where));
    }
  }
  for (const file of fs.readdirSync(path.join(ROOT, 'src/nodes'))) {
    const where = `src/nodes/${file}`;
    const type = path.basename(file, '.ts');
    const text = read(where);
    assert.doesNotMatch(text, /\b_\(`/, `${where}: a message key built at run time`);
    for (const key of sourceKeys(text)) uses.push(resolve(key, ownerOf(type), where));
  }
  return uses;
}

describe('message catalogues', () => {
  let defined: Set<string>;
  let uses: Use[];
  let core: Set<string>;

  before(() => {
    defined = definedKeys();
    uses = usedKeys();
    core = new Set(
      leafKeys(JSON.parse(fs.readFileSync(CORE_EDITOR_CATALOGUE, 'utf8')) as Catalogue).map(
        (key) => `node-red:${key}`,
      ),
    );
  });

  it('finds the keys the editor and the runtime use', () => {
    const where = new Set(uses.map((u) => u.where.split('/')[0]));
    assert.deepEqual([...where].sort(), ['nodes', 'resources', 'src']);
    assert.ok(uses.some((u) => u.key.startsWith('node-red:')));
    assert.ok(uses.some((u) => u.key.includes('/plex-account:common.')));
  });

  it('defines every key the editor and the runtime use', () => {
    const missing = uses
      .filter((u) => !(u.key.startsWith('node-red:') ? core : defined).has(u.key))
      .map((u) => `${u.key} (${u.where})`);
    assert.deepEqual(missing, []);
  });

  it('defines no key that nothing uses', () => {
    const used = new Set(uses.map((u) => u.key));
    assert.deepEqual(
      [...defined].filter((key) => !used.has(key)),
      [],
    );
  });

  it('keeps a shared text once: no two keys of the package carry the same text', () => {
    const texts = new Map<string, string[]>();
    for (const file of fs.readdirSync(LOCALES).filter((f) => f.endsWith('.json'))) {
      const catalogue = JSON.parse(fs.readFileSync(path.join(LOCALES, file), 'utf8')) as Catalogue;
      const walk = (node: Catalogue, prefix: string): void => {
        for (const [key, value] of Object.entries(node)) {
          if (typeof value !== 'string') walk(value, `${prefix}${key}.`);
          else texts.set(value, [...(texts.get(value) ?? []), `${file}:${prefix}${key}`]);
        }
      };
      walk(catalogue, '');
    }
    const repeated = [...texts].filter(([, keys]) => keys.length > 1);
    assert.deepEqual(repeated, []);
  });

  it('writes palette labels lower case like core, acronyms aside (home users, set PIN)', () => {
    const labels = uses.filter((u) => u.key.endsWith('.paletteLabel'));
    assert.ok(labels.length > 0);
    for (const { key } of labels) {
      const [namespace, keyPath] = key.split(':');
      const file = `${namespace.split('/')[1]}.json`;
      let value: string | Catalogue = JSON.parse(
        fs.readFileSync(`${LOCALES}/${file}`, 'utf8'),
      ) as Catalogue;
      for (const part of keyPath.split('.')) value = (value as Catalogue)[part];
      assert.match(String(value), /^[a-z]+( ([a-z]+|[A-Z]+))*$/, key);
    }
  });

  it("keeps each node type's help in nodes/locales/en-US/<type>.html, none in the node HTML", () => {
    for (const type of NODE_TYPES) {
      assert.doesNotMatch(read(`nodes/${type}.html`), /data-help-name/, `${type}: inline help`);
      const help = read(`nodes/locales/en-US/${type}.html`);
      const names = [...help.matchAll(/data-help-name="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(names, [type], `${type}: one help, for its own type`);
      assert.match(help, /^<script type="text\/html" data-help-name="[^"]+">\s*<p>/);
    }
  });
});
