import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PlexTvDouble } from '../double/plex-tv-double';
import {
  ACCOUNT_TYPE,
  ROOT,
  examplePinCredential,
  examplesAsFlows,
  loadExamples,
  nodeId,
  packageInfo,
  plexInjects,
} from '../../scripts/node-red-runtime';
import { eventually, newToken, screenshotDir, startRuntime, type Runtime } from './support';

/**
 * The editor as a user meets it, in headless Chromium (Debian's package) driven by
 * playwright-core, against a real Node-RED with the packed package and the plex.tv double.
 */

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const IN_CI = !!process.env.CI && process.env.CI !== 'false';
/** With UPDATE_SCREENSHOTS=1 the README's screenshots in docs/ are rewritten. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(ROOT, 'docs') : screenshotDir();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

declare const RED: {
  nodes: {
    getType(type: string): { category?: string } | undefined;
    filterNodes(filter: { type: string }): Array<{ id: string }>;
    eachConfig(callback: (node: { id: string; type: string }) => void): void;
  };
};

describe('end to end: the editor in headless Chromium', function () {
  this.timeout(180_000);
  let double: PlexTvDouble;
  let runtime: Runtime;
  let browser: Browser;
  let page: Page;
  const token = newToken();
  const typedToken = newToken();
  /** Every answer and push message the editor received that could carry a credential. */
  const received: Array<{ what: string; text: string }> = [];
  const reading: Array<Promise<void>> = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      const why = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
      if (IN_CI) throw new Error(`${why}: the editor tests must run in CI`);
      console.log(`    skipped: ${why}`);
      this.skip();
    }
    double = new PlexTvDouble({ token });
    await double.start();
    runtime = await startRuntime('editor');
    const account = {
      id: nodeId('editor:plex-account'),
      type: ACCOUNT_TYPE,
      name: 'My Plex Home',
      clientIdentifier: '6a0e4f8c-2b1d-4c3e-9f5a-7b8c9d0e1f2a',
      product: 'Node-RED',
      baseUrl: double.url,
      timeout: 10000,
      retries: 0,
      maxConcurrent: 4,
      credentials: { token },
    };
    await runtime.nodeRed.deploy(
      examplesAsFlows(loadExamples(), account, examplePinCredential('2468')),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (/^\/(flows|credentials\/|nodes)/.test(url.pathname)) {
        reading.push(
          response
            .text()
            .then((text) => void received.push({ what: `${url.pathname} answer`, text }))
            .catch(() => undefined),
        );
      }
    });
    page.on('websocket', (socket) =>
      socket.on('framereceived', (frame) =>
        received.push({ what: 'comms message', text: String(frame.payload) }),
      ),
    );
    await page.goto(`${runtime.url}/`);
    await page.waitForSelector('#red-ui-palette-container .red-ui-palette-node', {
      state: 'visible',
    });
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    await double?.stop();
  });

  it('shows every Plex node in the palette under a "plex" category', async () => {
    const types = packageInfo().nodeTypes;
    const categories = await page.evaluate(
      (types) => types.map((type) => RED.nodes.getType(type)?.category ?? 'unregistered'),
      types,
    );
    const inPalette = types.filter((_, i) => categories[i] !== 'config');
    assert.ok(inPalette.includes('plex-remove-pin'));
    assert.deepEqual(
      categories.filter((c) => c !== 'config'),
      inPalette.map(() => 'plex'),
    );
    const header = page.locator('#red-ui-palette-header-plex');
    assert.equal((await header.innerText()).trim().toLowerCase(), 'plex');
    for (const type of inPalette) {
      const node = page.locator(
        `#red-ui-palette-container-plex .red-ui-palette-node[data-palette-type="${type}"]`,
      );
      await node.waitFor({ state: 'visible' });
    }
  });

  it('drags "remove PIN" onto the canvas; its dialog has the account picker, a typed input, the help', async () => {
    const before = await page.evaluate(() =>
      RED.nodes.filterNodes({ type: 'plex-remove-pin' }).map((n) => n.id),
    );
    const source = page.locator('.red-ui-palette-node[data-palette-type="plex-remove-pin"]');
    await source.scrollIntoViewIfNeeded();
    const from = await source.boundingBox();
    const canvas = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(from && canvas);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    // jQuery UI starts a drag only after the pointer has moved a little.
    await page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2, { steps: 5 });
    await page.mouse.move(canvas.x + 420, canvas.y + 330, { steps: 20 });
    await page.mouse.up();
    const added = await page.evaluate(
      (before) =>
        RED.nodes
          .filterNodes({ type: 'plex-remove-pin' })
          .map((n) => n.id)
          .filter((id) => !before.includes(id)),
      before,
    );
    assert.equal(added.length, 1, 'one node dropped');
    await page.locator(`[id="${added[0]}"] .red-ui-flow-node`).dblclick();

    const account = page.locator('select#node-input-account');
    await account.waitFor({ state: 'visible' });
    const options = await account.locator('option').allInnerTexts();
    assert.ok(options.includes('My Plex Home'), `lists the deployed account: ${options}`);
    await page.locator('#node-input-btn-account-add').waitFor({ state: 'visible' });
    await page.locator('#node-input-btn-account-edit').waitFor({ state: 'visible' });
    const typed = page.locator('#node-input-userId + .red-ui-typedInput-container');
    await typed.waitFor({ state: 'visible' });
    assert.equal(await typed.locator('.red-ui-typedInput-type-label').innerText(), 'msg.');
    assert.equal(await typed.locator('input.red-ui-typedInput-input').inputValue(), 'payload');
    assert.equal(await page.locator('#node-input-userIdType').inputValue(), 'msg');

    await page.locator('.red-ui-tray-footer-left button:has(i.fa-book)').click();
    const help = page.locator('#red-ui-sidebar-content .red-ui-help');
    await help.getByText('Removes the PIN of a Plex Home managed user').waitFor();
    await help.getByText('INVALID_USER_ID').first().waitFor();

    await account.selectOption({ label: 'My Plex Home' });
    await screenshot(page, 'node-dialog.png');
  });

  it('adds a plex-account: a UUID client id is filled in, the token is a password field', async () => {
    await page.locator('#node-input-btn-account-add').click();
    const clientId = page.locator('#node-config-input-clientIdentifier');
    await clientId.waitFor({ state: 'visible' });
    assert.match(await clientId.inputValue(), UUID);
    const tokenField = page.locator('#node-config-input-token');
    assert.equal(await tokenField.getAttribute('type'), 'password');
    await tokenField.fill(typedToken);
    await page.locator('#node-config-input-baseUrl').fill(double.url);
    await page.locator('#node-config-input-name').fill('Home administrator');
    await screenshot(page, 'config-dialog.png');
    await page.locator('#node-config-dialog-ok').click();
    await clientId.waitFor({ state: 'detached' });
    assert.match(
      await page.locator('select#node-input-account option:checked').innerText(),
      /Home administrator/,
    );
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-input-account').waitFor({ state: 'detached' });
  });

  it('after deploy, the editor is never sent a token', async () => {
    const deployed = page.waitForResponse(
      (r) => r.url().endsWith('/flows') && r.request().method() === 'POST',
    );
    await page.locator('#red-ui-header-button-deploy').click();
    assert.equal((await deployed).status(), 200);

    await page.reload();
    await page.waitForSelector('#red-ui-palette-container .red-ui-palette-node', {
      state: 'visible',
    });
    const accounts = await page.evaluate(() => {
      const ids: string[] = [];
      RED.nodes.eachConfig((n) => {
        if (n.type === 'plex-account') ids.push(n.id);
      });
      return ids;
    });
    assert.equal(accounts.length, 2, 'the example account and the new one');
    // Opening each account makes the editor ask for its credentials.
    for (const id of accounts) {
      const answer = page.waitForResponse((r) =>
        r.url().endsWith(`/credentials/plex-account/${id}`),
      );
      await page.evaluate((id) => {
        (
          window as unknown as { RED: { editor: { editConfig(...args: unknown[]): void } } }
        ).RED.editor.editConfig('', 'plex-account', id, 'node-input');
      }, id);
      assert.deepEqual(await (await answer).json(), { has_token: true });
      await page.locator('#node-config-dialog-cancel').click();
      await page.locator('#node-config-input-token').waitFor({ state: 'detached' });
    }

    await Promise.all(reading);
    const whats = new Set(received.map((r) => r.what));
    assert.ok(whats.has('/flows answer'), 'the flows answer was captured');
    assert.ok(whats.has('comms message'), 'comms messages were captured');
    assert.ok([...whats].some((w) => w.startsWith('/credentials/')));
    for (const { what, text } of received) {
      assert.ok(!text.includes(token), `the example account's token in a ${what}`);
      assert.ok(!text.includes(typedToken), `the typed token in a ${what}`);
    }
    const stored = fs.readFileSync(path.join(runtime.userDir, 'flows.json'), 'utf8');
    assert.ok(!stored.includes(typedToken), 'no token in the flow file');
  });

  it('runs an example: clicking its inject shows the user in the debug sidebar', async () => {
    const [inject] = plexInjects(loadExamples());
    assert.ok(inject, 'an example has an inject wired to a Plex node');
    await page.locator(`[id="${inject.id}"] .red-ui-flow-node-button-button`).click();
    await eventually(() => double.requests.length > 0, 'the request to plex.tv');
    await page.locator('#red-ui-tab-debug-link-button').click();
    const titles = [...double.users.values()].map((u) => u.title);
    const message = page.locator('#red-ui-sidebar-content .red-ui-debug-msg').first();
    await message.waitFor({ state: 'visible' });
    const text = await message.innerText();
    assert.ok(
      titles.some((title) => text.includes(title)),
      `debug message shows a user: ${text}`,
    );
  });
});

/** A screenshot once the open tray has finished sliding in. */
async function screenshot(page: Page, file: string): Promise<void> {
  const tray = page.locator('.red-ui-tray').last();
  let previous = '';
  for (let i = 0; i < 50; i++) {
    const box = JSON.stringify(await tray.boundingBox());
    if (box === previous) break;
    previous = box;
    await page.waitForTimeout(100);
  }
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, file) });
}
