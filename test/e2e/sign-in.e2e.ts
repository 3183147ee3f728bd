import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PlexTvDouble } from '../double/plex-tv-double';
import {
  ACCOUNT_TYPE,
  examplesAsFlows,
  loadExamples,
  nodeId,
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
 * "Sign in with Plex" as a newcomer meets it, in headless Chromium against a real Node-RED and
 * the plex.tv double, set up as `npm run demo` is: an account without a token whose sign-in
 * page is the double's. The token may be nowhere but the password field: not in a log line,
 * a URL the browser or the double saw, or any text of a page.
 */

declare const RED: {
  nodes: { node(id: string): { z?: string } | undefined };
  workspaces: { show(id: string): void };
};
const SIGN_IN_NEEDED = /^sign-in needed · \d\d:\d\d$/;

describe('end to end: Sign in with Plex in the editor', function () {
  this.timeout(180_000);
  /** The administrator's token: what "Sign in as Parent" on the double's page gives. */
  const token = newToken();
  let double: PlexTvDouble;
  let runtime: Runtime;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const doubleLog: string[] = [];
  /** Every request the browser made, from the editor and from Plex's window. */
  const browserUrls: string[] = [];
  /** The text of every page the browser showed, as it was shown. */
  const pageTexts: string[] = [];
  const frames: string[] = [];
  const account = {
    id: nodeId('sign-in:plex-account'),
    type: ACCOUNT_TYPE,
    name: 'My Plex Home',
    clientIdentifier: '8c1d2e3f-4a5b-4c6d-9e7f-0a1b2c3d4e5f',
    product: 'Node-RED',
    deviceName: 'Node-RED',
    timeout: 10000,
    retries: 0,
    maxConcurrent: 4,
  };
  const [example] = loadExamples().filter((e) => e.name === 'remove-a-pin');
  const [inject] = plexInjects([example]);
  const removePin = (inject?.wires as string[][] | undefined)?.[0]?.[0] ?? '';
  const polls = () => browserUrls.filter((u) => u.endsWith('/plex-account/sign-in/poll')).length;

  before(async function () {
    const missing = chromiumMissing('the editor tests');
    if (missing) {
      console.log(`    skipped: ${missing}`);
      this.skip();
    }
    double = new PlexTvDouble({ token, log: (line) => doubleLog.push(line) });
    await double.start();
    runtime = await startRuntime('sign-in');
    const tokenless = { ...account, baseUrl: double.url, authUrl: `${double.url}/auth` };
    await runtime.nodeRed.deploy(examplesAsFlows([example], tokenless));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    context.on('request', (request) => browserUrls.push(request.url()));
    context.on('page', (opened) =>
      opened.on('websocket', (socket) =>
        socket.on('framereceived', (frame) => frames.push(String(frame.payload))),
      ),
    );
    page = await context.newPage();
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

  /** The status text under a node of the canvas. */
  const statusOf = (id: string) =>
    page.locator(`[id="${id}"] .red-ui-flow-node-status-label`).textContent();

  /** Opens the account's dialog as a user does: the node's dialog, then the pencil. */
  async function openAccount(): Promise<void> {
    await openEditor(page, page.locator(`[id="${removePin}"] .red-ui-flow-node`));
    await page.locator('#node-input-btn-account-edit').click();
    await page.locator('#node-config-plex-account-sign-in').waitFor({ state: 'visible' });
  }

  /** Closes the account's dialog and the node's, keeping (`Update`) or dropping the changes. */
  async function closeAccount(keep: boolean): Promise<void> {
    await page.locator(keep ? '#node-config-dialog-ok' : '#node-config-dialog-cancel').click();
    await page.locator('#node-config-plex-account-sign-in').waitFor({ state: 'detached' });
    await page.locator(keep ? '#node-dialog-ok' : '#node-dialog-cancel').click();
    await page.locator('#node-input-account').waitFor({ state: 'detached' });
  }

  /** Clicks "Sign in with Plex" and returns the window Plex's page opened in. */
  async function startSignIn(): Promise<Page> {
    const popup = page.waitForEvent('popup');
    await page.locator('#node-config-plex-account-sign-in').click();
    const plex = await popup;
    await plex.waitForURL(/\/auth#\?clientID=/);
    return plex;
  }

  /** Clicks a member's button on the double's sign-in page; the editor may close the window after. */
  async function signInAs(plex: Page, member: string): Promise<void> {
    await plex.getByRole('button', { name: `Sign in as ${member}` }).click();
    const outcome = await plex
      .locator('#outcome')
      .textContent({ timeout: 5000 })
      .catch(() => undefined);
    if (outcome) pageTexts.push(outcome);
  }

  it('shows "sign-in needed" under the remove-PIN node before any message', async () => {
    await page.evaluate((id) => RED.workspaces.show(RED.nodes.node(id)?.z ?? ''), removePin);
    await eventually(
      async () => SIGN_IN_NEEDED.test((await statusOf(removePin)) ?? ''),
      'the status',
    );
    assert.equal(double.requests.filter((r) => r.path.startsWith('/api/v2/home')).length, 0);
  });

  it("cancel: the sign-in stops, and so does the polling; closing Plex's window says so", async () => {
    await openAccount();
    const cancelled = await startSignIn();
    await page.locator('#plex-home-sign-in-cancel').click();
    await eventually(() => cancelled.isClosed(), "Plex's window closed with the dialog");
    const after = polls();
    await page.waitForTimeout(2500);
    assert.equal(polls(), after, 'no poll after the cancel');

    const closed = await startSignIn();
    await eventually(() => polls() > after, 'a poll');
    await closed.close();
    const message = page.locator('.plex-home-sign-in-message');
    await eventually(
      async () =>
        (await message.textContent()) === "Plex's window was closed before anybody signed in.",
      'the dialog to say the window was closed',
    );
    await page.locator('#plex-home-sign-in-close').click();
    await closeAccount(false);
  });

  it('flags a member who is not the administrator, and keeps that token out of sight', async () => {
    await openAccount();
    const plex = await startSignIn();
    await signInAs(plex, 'Teen');
    const role = page.locator('.plex-home-sign-in-role');
    await role.waitFor();
    assert.equal(await page.locator('.plex-home-sign-in-message').innerText(), 'Signed in as Teen');
    assert.match(await role.innerText(), /^\s*Not the Home administrator: the Plex nodes need/);
    assert.equal(await role.evaluate((e) => e.classList.contains('plex-home-warning')), true);
    assert.equal(
      await page.locator('#node-config-plex-account-who').innerText(),
      'Teen · not the Home administrator',
    );
    assert.equal(
      await page.locator('#node-config-input-token').inputValue(),
      double.tokenOf(23456789),
    );
    pageTexts.push(await page.evaluate(() => document.body.innerText));
    await page.locator('#plex-home-sign-in-close').click();
    // Not kept: the next sign-in is the administrator's.
    await closeAccount(false);
  });

  it('signs in as Parent in a window of its own; the dialog says who; the token only in the password field', async () => {
    await openAccount();
    assert.equal(await page.locator('#node-config-input-deviceName').inputValue(), 'Node-RED');
    assert.equal(
      await page.locator('#node-config-input-authUrl').inputValue(),
      `${double.url}/auth`,
    );
    const plex = await startSignIn();
    const code = new URLSearchParams(new URL(plex.url()).hash.replace(/^#\??/, '')).get('code');
    assert.match(String(code), /^[0-9a-f]{25}$/);
    pageTexts.push(await plex.evaluate(() => document.body.innerText));
    await signInAs(plex, 'Parent');

    const message = page.locator('.plex-home-sign-in-message');
    await eventually(
      async () => (await message.textContent()) === 'Signed in as Parent',
      'the dialog to say who signed in',
    );
    assert.equal(
      (await page.locator('.plex-home-sign-in-role').innerText()).trim(),
      'Home administrator',
    );
    await eventually(() => plex.isClosed(), "Plex's window closed by the editor");
    const field = page.locator('#node-config-input-token');
    assert.equal(await field.getAttribute('type'), 'password');
    assert.equal(await field.inputValue(), token, 'the token is in the field, as if typed');
    await screenshot(page, 'sign-in-dialog.png');
    pageTexts.push(await page.evaluate(() => document.body.innerText));
    const otherFields = await page.$$eval('input, textarea', (inputs) =>
      inputs
        .filter((input) => input.id !== 'node-config-input-token')
        .map((input) => (input as HTMLInputElement).value),
    );
    assert.ok(otherFields.length > 5);
    assert.ok(
      otherFields.every((value) => !value.includes(token)),
      'no other field holds it',
    );

    await page.locator('#plex-home-sign-in-close').click();
    assert.equal(
      await page.locator('#node-config-plex-account-who').innerText(),
      'Parent · Home administrator',
    );
    await closeAccount(true);
  });

  it('deploys: "sign-in needed" goes, and the Kids inject removes the PIN with the new token', async () => {
    const deployed = page.waitForResponse(
      (r) => r.url().endsWith('/flows') && r.request().method() === 'POST',
    );
    await page.locator('#red-ui-header-button-deploy').click();
    assert.equal((await deployed).status(), 200);
    await eventually(
      () => doubleLog.includes('GET /api/v2/user -> 200 Parent'),
      'the check at start',
    );
    await eventually(
      async () => !SIGN_IN_NEEDED.test((await statusOf(removePin)) ?? ''),
      'the status gone',
    );

    assert.ok(double.users.get(12345678)?.pin, 'Kids has a PIN');
    await page.locator(`[id="${inject.id}"] .red-ui-flow-node-button-button`).click();
    await eventually(() => double.users.get(12345678)?.pin === undefined, 'the PIN removed');
    const removal = double.requests.find(
      (r) => r.path === '/api/v2/home/users/restricted/12345678',
    );
    assert.equal(removal?.headers['x-plex-token'], token);
    await eventually(
      async () => /PIN removed · Kids/.test((await statusOf(removePin)) ?? ''),
      'the status',
    );
  });

  it('"Check" says who the deployed token belongs to', async () => {
    await openAccount();
    await page.locator('#node-config-plex-account-check').click();
    const who = page.locator('#node-config-plex-account-who');
    await eventually(
      async () => (await who.innerText()) === 'Parent · Home administrator',
      'the answer',
    );
    pageTexts.push(await page.evaluate(() => document.body.innerText));
    await closeAccount(false);
  });

  it('the token is in no log line, no URL the browser or the double saw, no page text, no flow file', () => {
    assert.ok(browserUrls.length > 20 && doubleLog.length > 5 && pageTexts.length >= 5);
    assert.ok(browserUrls.some((u) => u.includes('/auth#?clientID=') || u.includes('/auth')));
    const places: Array<[string, string[]]> = [
      ['the Node-RED log', [runtime.nodeRed.log()]],
      ["the double's log", doubleLog],
      ['a URL the browser asked for', browserUrls],
      ['a URL the double received', double.requests.map((r) => r.url)],
      ['the text of a page', pageTexts],
      ['a comms message', frames],
      ['the flow file', [fs.readFileSync(path.join(runtime.userDir, 'flows.json'), 'utf8')]],
      [
        'the credentials file',
        [fs.readFileSync(path.join(runtime.userDir, 'flows_cred.json'), 'utf8')],
      ],
    ];
    for (const [where, texts] of places) {
      for (const text of texts) {
        assert.ok(!text.includes(token), `the token in ${where}`);
        assert.ok(!text.includes(double.tokenOf(23456789)), `the member's token in ${where}`);
      }
    }
  });
});
