import fs from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import pkg from '../../package.json';

const ROOT = path.resolve(__dirname, '..', '..');

/** The node modules package.json names for Node-RED, loaded from their TypeScript sources. */
export function nodeModules(): unknown[] {
  return Object.values(pkg['node-red'].nodes).map((file) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.join(ROOT, file.replace(/^nodes\//, 'src/nodes/').replace(/\.js$/, ''))),
  );
}

let messages: Record<string, unknown> | undefined;

/**
 * RED._ as Node-RED gives it to a node: the key looked up in the package's en-US message
 * catalogues, `__name__` filled in from the options; a missing key comes back as it is.
 */
export function translate(key: string, options: Record<string, unknown> = {}): string {
  messages ??= Object.assign(
    {},
    ...fs
      .readdirSync(path.join(ROOT, 'nodes', 'locales', 'en-US'))
      .filter((file) => file.endsWith('.json'))
      .map((file) =>
        JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes/locales/en-US', file), 'utf8')),
      ),
  ) as Record<string, unknown>;
  const text = key
    .slice(key.indexOf(':') + 1)
    .split('.')
    .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], messages);
  if (typeof text !== 'string') return key;
  return text.replace(/__(\w+)__/g, (whole, name: string) =>
    name in options ? String(options[name]) : whole,
  );
}

/**
 * Fakes the process clock's Date only (timers stay real, the HTTP double needs them) at a
 * local time of day; sinon.restore() puts it back.
 */
export function clockAt(hours: number, minutes: number): sinon.SinonFakeTimers {
  return sinon.useFakeTimers({ now: new Date(2026, 5, 1, hours, minutes, 30), toFake: ['Date'] });
}
