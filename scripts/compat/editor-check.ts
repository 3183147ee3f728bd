/**
 * The package's editor side in one Node-RED release, in headless Chromium: the texts the nodes
 * look up (their own by short key through `this._`, the shared ones by full key through `RED._`
 * and `data-i18n`, core's `node-red:common.label.name`), the help, and a validator's message.
 * Returns the problems found; none means the editor of that release shows what the package says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../chromium';
import { ROOT } from '../npm-pack';

const SHARED = 'node-red-contrib-plex-home/plex-account:';
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};

type Catalogue = { [key: string]: string | Catalogue };

/** The English text of `key` in the package's catalogue `file`, if it has one. */
function lookup(file: string, key: string): string | undefined {
  const catalogue = path.join(ROOT, 'nodes/locales/en-US', `${file}.json`);
  let value: string | Catalogue | undefined = JSON.parse(
    fs.readFileSync(catalogue, 'utf8'),
  ) as Catalogue;
  for (const part of key.split('.')) value = typeof value === 'object' ? value[part] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function text(file: string, key: string): string {
  const value = lookup(file, key);
  if (value === undefined) throw new Error(`${file}.json has no ${key}`);
  return value;
}

/** The node types that have a palette label: every one but the config node. */
function paletteTypes(): string[] {
  return Object.keys(PACKAGE['node-red'].nodes).filter(
    (type) => lookup(type, `${type}.paletteLabel`) !== undefined,
  );
}

interface Seen {
  paletteLabels: Record<string, string>;
  shared: string;
  outputLabels: string[];
  help: boolean;
  validationErrors: string[];
  dialog: { account: string; user: string; name: string; placeholder: string };
}

declare const RED: {
  nodes: {
    node(id: string): { validationErrors?: string[] } | undefined;
  };
  view: { importNodes(nodes: unknown[]): void };
  workspaces: { active(): string };
  editor: { edit(node: unknown): void };
};

export async function checkEditor(url: string): Promise<string[]> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${url}/`);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="plex-set-pin"]');
    // Plain JavaScript: what runs in the page must not depend on helpers tsx adds to a build.
    const seen = (await page.evaluate(`(() => {
      const shared = ${JSON.stringify(SHARED)};
      const label = (type) => (document.querySelector(
        '.red-ui-palette-node[data-palette-type="' + type + '"] .red-ui-palette-label',
      )?.innerText ?? '').trim();
      const output = (type, index) => {
        const def = RED.nodes.getType(type);
        return def.outputLabels.call({ _: def._, type }, index);
      };
      return {
        paletteLabels: Object.fromEntries(
          ${JSON.stringify(paletteTypes())}.map((t) => [t, label(t)]),
        ),
        shared: RED._(shared + 'common.label.account'),
        outputLabels: [
          output('plex-remove-pin', 0),
          output('plex-remove-pin', 1),
          output('plex-home-users', 0),
        ],
        help: !!document
          .querySelector('script[data-help-name="plex-remove-pin"]')
          ?.textContent?.includes('NOT_MANAGED'),
      };
    })()`)) as Partial<Seen>;

    // A set-PIN node without a PIN, on the canvas, then its edit dialog.
    await page.evaluate(() =>
      RED.view.importNodes([
        { id: 'compat-set-pin', type: 'plex-set-pin', x: 300, y: 200, z: RED.workspaces.active() },
      ]),
    );
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    if (chart) await page.mouse.click(chart.x + 300, chart.y + 300);
    seen.validationErrors =
      (await page.evaluate(() => RED.nodes.node('compat-set-pin')?.validationErrors)) ?? [];
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('compat-set-pin')));
    await page.locator('#node-input-pin').waitFor({ state: 'visible' });
    const labelOf = async (id: string) =>
      (await page.locator(`label[for="${id}"]`).innerText()).trim();
    seen.dialog = {
      account: await labelOf('node-input-account'),
      user: await labelOf('node-input-userId'),
      name: await labelOf('node-input-name'),
      placeholder: (await page.locator('#node-input-name').getAttribute('placeholder')) ?? '',
    };

    const expected: Seen = {
      paletteLabels: Object.fromEntries(
        paletteTypes().map((type) => [type, text(type, `${type}.paletteLabel`)]),
      ),
      shared: text('plex-account', 'common.label.account'),
      outputLabels: [
        text('plex-account', 'common.outputs.user'),
        text('plex-account', 'common.outputs.error'),
        text('plex-home-users', 'plex-home-users.outputs.users'),
      ],
      help: true,
      validationErrors: [text('plex-set-pin', 'plex-set-pin.errors.no-pin')],
      dialog: {
        account: text('plex-account', 'common.label.account'),
        user: text('plex-account', 'common.label.user'),
        name: 'Name',
        placeholder: 'Name',
      },
    };
    // The new node has no account either; only the PIN's message is the package's own text.
    seen.validationErrors = seen.validationErrors?.filter((e) => e !== 'account');
    const problems: string[] = [];
    for (const key of Object.keys(expected) as Array<keyof Seen>) {
      if (JSON.stringify(seen[key]) !== JSON.stringify(expected[key])) {
        problems.push(
          `editor ${key}: ${JSON.stringify(seen[key])}, expected ${JSON.stringify(expected[key])}`,
        );
      }
    }
    return problems;
  } finally {
    await browser.close();
  }
}
