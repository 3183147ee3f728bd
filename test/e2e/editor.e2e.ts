import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { PlexTvDouble } from '../double/plex-tv-double';
import { PlexServerDouble } from '../double/plex-server-double';
import {
  ACCOUNT_TYPE,
  ROOT,
  examplePinCredential,
  deployableExamples,
  examplesAsFlows,
  loadExamples,
  nodeId,
  packageInfo,
  plexInjects,
} from '../../scripts/node-red-runtime';
import { chromiumMissing, launchChromium } from '../../scripts/chromium';
import {
  eventually,
  newToken,
  openEditor,
  screenshot,
  startRuntime,
  type Runtime,
} from './support';

/**
 * The editor as a user meets it, in headless Chromium (Debian's package) driven by
 * playwright-core, against a real Node-RED with the packed package and the plex.tv double.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** A node type's palette label, as its catalogue has it. */
function paletteLabel(type: string): string {
  const file = path.join(ROOT, 'nodes/locales/en-US', `${type}.json`);
  const catalogue = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<
    string,
    { paletteLabel?: string }
  >;
  return catalogue[type]?.paletteLabel ?? '';
}

declare const RED: {
  actions: { invoke(name: string): void };
  nodes: {
    getType(type: string): { category?: string } | undefined;
    filterNodes(filter: { type: string; z?: string }): Array<{ id: string }>;
    node(id: string): { z?: string; validationErrors?: string[] } | undefined;
    eachConfig(callback: (node: { id: string; type: string }) => void): void;
  };
  workspaces: { show(id: string): void };
};

describe('end to end: the editor in headless Chromium', function () {
  this.timeout(180_000);
  let double: PlexTvDouble;
  /** The account's Plex Media Server, where Kids is watching: bedtime stops that stream. */
  let server: PlexServerDouble;
  let runtime: Runtime;
  let browser: Browser;
  let page: Page;
  const token = newToken();
  const typedToken = newToken();
  /** The set-PIN node of the example imported in the editor, once its PIN is typed. */
  let importedSetPin = '';
  /** Every answer and push message the editor received that could carry a credential. */
  const received: Array<{ what: string; text: string }> = [];
  const reading: Array<Promise<void>> = [];

  before(async function () {
    const missing = chromiumMissing('the editor tests');
    if (missing) {
      console.log(`    skipped: ${missing}`);
      this.skip();
    }
    double = new PlexTvDouble({ token });
    await double.start();
    server = new PlexServerDouble();
    await server.start();
    double.resources = [await server.resource()];
    runtime = await startRuntime('editor');
    // Only examples of Node-RED's and this package's nodes: home-assistant-bedtime needs a Home Assistant.
    const { usable } = await deployableExamples(runtime.url, loadExamples());
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
    await runtime.nodeRed.deploy(examplesAsFlows(usable, account, examplePinCredential('2468')));
    browser = await launchChromium();
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
    await server?.stop();
  });

  it('shows every Plex node in the palette under "plex", each with its label and its own icon', async () => {
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
    const icons = new Set<string>();
    for (const type of inPalette) {
      const node = page.locator(
        `#red-ui-palette-container-plex .red-ui-palette-node[data-palette-type="${type}"]`,
      );
      await node.waitFor({ state: 'visible' });
      assert.equal(await node.locator('.red-ui-palette-label').innerText(), paletteLabel(type));
      const image = await node
        .locator('.red-ui-palette-icon')
        .evaluate((icon) => getComputedStyle(icon).backgroundImage);
      const url = /url\("?([^")]+)"?\)/.exec(image)?.[1] ?? '';
      assert.ok(url.endsWith(`/icons/node-red-contrib-plex-home/${type}.svg`), `${type}: ${image}`);
      const served = await page.request.get(url);
      assert.equal(served.status(), 200, url);
      assert.match(served.headers()['content-type'] ?? '', /image\/svg\+xml/);
      icons.add(await served.text());
    }
    assert.equal(icons.size, inPalette.length, 'no two nodes share an icon');
  });

  it('drags "remove PIN" onto the canvas; its dialog has the account picker, a typed input, the help', async () => {
    const before = await page.evaluate(() =>
      RED.nodes.filterNodes({ type: 'plex-remove-pin' }).map((n) => n.id),
    );
    // Onto a flow of its own: the example flows stay as they are for the screenshots below.
    await page.evaluate(() => RED.actions.invoke('core:add-flow'));
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
    const dropped = page.locator(`[id="${added[0]}"] .red-ui-flow-node`);

    // Help, as a user finds it: select the node, then open the help tab of the sidebar.
    await dropped.click();
    await page.locator('#red-ui-tab-help-link-button').click();
    const help = page.locator('#red-ui-sidebar-content .red-ui-help');
    await help.getByText('Removes the PIN of a Plex Home managed user').waitFor();
    for (const code of ['INVALID_USER_ID', 'NOT_MANAGED', 'INTERNAL']) {
      await help.getByText(code, { exact: true }).first().waitFor();
    }

    await openEditor(page, dropped);
    const account = page.locator('select#node-input-account');
    await account.waitFor({ state: 'visible' });
    const options = await account.locator('option').allInnerTexts();
    assert.ok(options.includes('My Plex Home'), `lists the deployed account: ${options}`);
    await page.locator('#node-input-btn-account-add').waitFor({ state: 'visible' });
    await page.locator('#node-input-btn-account-edit').waitFor({ state: 'visible' });
    assert.equal(
      (await page.locator('label[for="node-input-account"]').innerText()).trim(),
      'Account',
    );
    assert.equal((await page.locator('label[for="node-input-userId"]').innerText()).trim(), 'User');
    assert.equal((await page.locator('label[for="node-input-name"]').innerText()).trim(), 'Name');
    assert.equal(await page.locator('#node-input-name').getAttribute('placeholder'), 'Name');
    const typed = page.locator('#node-input-userId + .red-ui-typedInput-container');
    await typed.waitFor({ state: 'visible' });
    assert.equal(await typed.locator('.red-ui-typedInput-type-label').innerText(), 'msg.');
    assert.equal(await typed.locator('input.red-ui-typedInput-input').inputValue(), 'payload');
    assert.equal(await page.locator('#node-input-userIdType').inputValue(), 'msg');
    await account.selectOption({ label: 'My Plex Home' });

    // The user picker: the deployed account's managed users, then a fresh list on request.
    const asked: unknown[] = [];
    const listen = (request: Request) => {
      if (request.url().endsWith('/plex-account/users')) asked.push(request.postDataJSON());
    };
    page.on('request', listen);
    const picker = page.locator('.plex-home-user-picker');
    await page.locator('#node-input-userId-pick').click();
    await picker.getByText('Kids').waitFor();
    assert.deepEqual(await picker.locator('li').allInnerTexts(), [
      'Kids (12345678)',
      'Teen (23456789)',
      'Refresh the list from plex.tv',
    ]);
    await picker.getByText('Refresh the list from plex.tv').click();
    await picker.getByText('Kids').waitFor();
    await picker.getByText('Kids').click();
    await picker.waitFor({ state: 'detached' });
    page.off('request', listen);
    const accountId = await account.inputValue();
    assert.deepEqual(asked, [{ id: accountId }, { id: accountId, refresh: true }]);
    assert.equal(await typed.locator('.red-ui-typedInput-type-label').innerText(), '');
    assert.equal(await typed.locator('input.red-ui-typedInput-input').inputValue(), '12345678');
    assert.equal(await page.locator('#node-input-userIdType').inputValue(), 'num');

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

    // The picker sends the pending (undeployed) settings; a user who may only read is refused.
    let sent: Record<string, unknown> | undefined;
    await page.route('**/plex-account/users', async (route) => {
      sent = route.request().postDataJSON() as Record<string, unknown>;
      await route.fulfill({ status: 403, contentType: 'application/json', body: '{}' });
    });
    await page.locator('#node-input-userId-pick').click();
    const refusal = page.locator('.red-ui-notification').filter({ hasText: 'deploy the account' });
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /ask an admin/);
    await page.unroute('**/plex-account/users');
    assert.equal(sent?.token, typedToken, 'the pending token went to the picker');
    assert.equal(sent?.baseUrl, double.url);

    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-input-account').waitFor({ state: 'detached' });
  });

  it('marks a set-PIN node without a PIN with the warning triangle until 4 digits are typed', async () => {
    const deployedPins = await page.evaluate(() =>
      RED.nodes.filterNodes({ type: 'plex-set-pin' }).map((n) => n.id),
    );
    const [deployed] = deployedPins;
    assert.ok(deployed, 'the bedtime-routine example is deployed with a PIN');
    await showTabOf(page, deployed);
    assert.equal(await warning(page, deployed).count(), 0, 'a deployed PIN: no triangle');

    // Menu > Import > Examples > node-red-contrib-plex-home > bedtime-routine, to a new flow.
    await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'));
    const dialog = page.locator('.ui-dialog').filter({ hasText: 'Import nodes' });
    await dialog.getByText('node-red-contrib-plex-home', { exact: true }).click();
    await dialog.getByText('bedtime-routine', { exact: true }).click();
    await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
    await page.locator('#red-ui-clipboard-dialog-ok').click();
    // The example is deployed already, so Node-RED offers a copy with new ids.
    await page.locator('.red-ui-notification button', { hasText: 'Import copy' }).click();
    const imported = await eventuallyValue(
      () =>
        page.evaluate(
          (before) =>
            RED.nodes
              .filterNodes({ type: 'plex-set-pin' })
              .map((n) => n.id)
              .find((id) => !before.includes(id)),
          // The copy has new ids: none of the examples' own.
          [...deployedPins, ...loadExamples().flatMap((e) => e.nodes.map((n) => n.id))],
        ),
      'the imported set-PIN node',
    );
    const canvas = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(canvas);
    await page.mouse.click(canvas.x + 300, canvas.y + 300);
    const triangle = warning(page, imported);
    await triangle.waitFor({ state: 'visible' });
    // Its account is missing too (the example names none); the PIN has its own message.
    const problems = await page.evaluate((id) => RED.nodes.node(id)?.validationErrors, imported);
    assert.ok(
      problems?.includes('This node has no PIN: open it and enter 4 digits'),
      `${problems}`,
    );

    const pin = page.locator('#node-input-pin');
    const red = async () => (await pin.getAttribute('class'))?.includes('input-error') === true;
    // With its account chosen and 3 digits typed, the PIN alone keeps it unfinished.
    await openEditor(page, page.locator(`[id="${imported}"] .red-ui-flow-node`));
    await page.locator('select#node-input-account').selectOption({ label: 'My Plex Home' });
    // Typed key by key: Node-RED validates a field on keyup and change, not on input.
    await pin.fill('');
    await pin.pressSequentially('123');
    await eventually(red, 'a red PIN field');
    await page.locator('#node-dialog-ok').click();
    await pin.waitFor({ state: 'detached' });
    assert.deepEqual(await page.evaluate((id) => RED.nodes.node(id)?.validationErrors, imported), [
      'This node has no PIN: open it and enter 4 digits',
    ]);
    assert.equal(await triangle.count(), 1);
    // 4 digits: the field and the node are fine.
    await openEditor(page, page.locator(`[id="${imported}"] .red-ui-flow-node`));
    await pin.fill('');
    await pin.pressSequentially('2468');
    await eventually(async () => !(await red()), 'the red gone');
    await page.locator('#node-dialog-ok').click();
    await pin.waitFor({ state: 'detached' });
    await triangle.waitFor({ state: 'detached' });

    // The imported remove-PIN and stop-streams nodes need their account too, before the flows
    // deploy cleanly.
    const tab = await page.evaluate((id) => RED.nodes.node(id)?.z ?? '', imported);
    for (const type of ['plex-remove-pin', 'plex-stop-streams']) {
      const other = await page.evaluate(
        ([type, z]) => RED.nodes.filterNodes({ type, z }).map((n) => n.id)[0],
        [type, tab],
      );
      await openEditor(page, page.locator(`[id="${other}"] .red-ui-flow-node`));
      await page.locator('select#node-input-account').selectOption({ label: 'My Plex Home' });
      await page.locator('#node-dialog-ok').click();
      await page.locator('select#node-input-account').waitFor({ state: 'detached' });
      await warning(page, other).waitFor({ state: 'detached' });
    }
    importedSetPin = imported;
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
    // The PIN typed into the imported set-PIN node outlives the reload: no triangle.
    await showTabOf(page, importedSetPin);
    await page.locator(`[id="${importedSetPin}"] .red-ui-flow-node`).waitFor();
    assert.equal(await warning(page, importedSetPin).count(), 0);
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

  it('runs the walkthrough: the Kids inject of remove-a-pin shows the user in the debug sidebar', async () => {
    const [inject] = plexInjects(loadExamples().filter((e) => e.name === 'remove-a-pin'));
    assert.ok(inject, 'remove-a-pin has an inject wired to a Plex node');
    await showTabOf(page, inject.id);
    await page.locator('#red-ui-tab-debug-link-button').click();
    const removed = () =>
      double.requests.some((r) => r.method === 'POST' && r.path.endsWith('/restricted/12345678'));
    assert.ok(!removed());
    await page.locator(`[id="${inject.id}"] .red-ui-flow-node-button-button`).click();
    await eventually(removed, 'the request to plex.tv');
    const titles = [...double.users.values()].map((u) => u.title);
    const message = page.locator('#red-ui-sidebar-content .red-ui-debug-msg').first();
    await message.waitFor({ state: 'visible' });
    const text = await message.innerText();
    assert.ok(
      titles.some((title) => text.includes(title)),
      `debug message shows a user: ${text}`,
    );
    const [removePin] = (inject.wires as string[][]).flat();
    await page.locator(`[id="${removePin}"] .red-ui-flow-node-status-label`).waitFor();
    // For the README: the plex palette in view, and no notification over the flow.
    await page.locator('#red-ui-palette-container-plex').scrollIntoViewIfNeeded();
    await page.locator('.red-ui-notification').last().waitFor({ state: 'detached' });
    await screenshot(page, 'flow.png');
  });

  it("runs bedtime: 20:00 sets the Kids' PIN and stops their stream; the nodes say so", async () => {
    const bedtime = loadExamples().filter((e) => e.name === 'bedtime-routine');
    const inject = plexInjects(bedtime).find((n) => n.name === '20:00 every day');
    assert.ok(inject, 'bedtime-routine has its 20:00 inject');
    await showTabOf(page, inject.id);
    await page.locator('#red-ui-tab-debug-link-button').click();
    await page.locator('#red-ui-sidebar-debug-clear').click();
    await page.locator(`[id="${inject.id}"] .red-ui-flow-node-button-button`).click();
    const [setPin, stopStreams] = ['plex-set-pin', 'plex-stop-streams'].map(
      (type) =>
        (inject.wires as string[][])
          .flat()
          .find((id) => bedtime[0].nodes.some((n) => n.id === id && n.type === type)) ?? '',
    );
    const status = (id: string) =>
      page.locator(`[id="${id}"] .red-ui-flow-node-status-label`).textContent();
    await eventually(
      async () => /^PIN set · Kids · \d\d:\d\d$/.test((await status(setPin)) ?? ''),
      'PIN set',
    );
    await eventually(
      async () => /^stopped 1 · Kids · \d\d:\d\d$/.test((await status(stopStreams)) ?? ''),
      'stopped 1',
    );
    assert.equal(double.users.get(12345678)?.pin, '2468');
    assert.deepEqual(
      [...server.sessions.values()].map((s) => s.userTitle),
      ['Teen'],
    );
    await page.locator('#red-ui-sidebar-content .red-ui-debug-msg').nth(1).waitFor();
    await page.locator('.red-ui-notification').last().waitFor({ state: 'detached' });
    await screenshot(page, 'bedtime-flow.png');
  });
});

/** Shows the flow tab that holds node `id`. */
async function showTabOf(page: Page, id: string): Promise<void> {
  await page.evaluate((id) => RED.workspaces.show(RED.nodes.node(id)?.z ?? ''), id);
  await page.locator(`[id="${id}"]`).waitFor({ state: 'visible' });
}

/** The red warning triangle Node-RED draws on a node whose properties are not valid. */
function warning(page: Page, id: string): Locator {
  return page.locator(`[id="${id}"] .red-ui-flow-node-error:not(.hide)`);
}

/** Polls `read` until it gives a value. */
async function eventuallyValue<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  let value: T | undefined;
  await eventually(async () => (value = await read()) !== undefined, what);
  return value as T;
}
