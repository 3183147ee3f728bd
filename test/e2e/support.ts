import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PlexTvDouble } from '../double/plex-tv-double';
import type { Locator, Page } from 'playwright-core';
import {
  ROOT,
  NodeRedProcess,
  packPackage,
  prepareUserDir,
  type SettingsOptions,
} from '../../scripts/node-red-runtime';

/** Everything made for this run of the end-to-end suite lives here and goes at its end. */
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-home-e2e-'));
/** Runtimes started by this run: none may outlive it, even when a test run is cut short. */
const started = new Set<NodeRedProcess>();
process.on('exit', () => {
  for (const nodeRed of started) {
    try {
      process.kill(nodeRed.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(workDir, { recursive: true, force: true });
});

let tarball: Promise<string> | undefined;

/** With UPDATE_SCREENSHOTS=1 the README's screenshots in docs/ are rewritten; else they go to the run's folder. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.join(ROOT, 'docs')
  : path.join(workDir, 'screenshots');

/** A screenshot once the open tray has finished sliding in; returns its path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const tray = page.locator('.red-ui-tray').last();
  let previous = '';
  for (let i = 0; i < 50 && (await tray.count()) > 0; i++) {
    const box = JSON.stringify(await tray.boundingBox());
    if (box === previous) break;
    previous = box;
    await page.waitForTimeout(100);
  }
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const where = path.join(SCREENSHOTS, file);
  await page.screenshot({ path: where });
  return where;
}

/**
 * Double-clicks `node` until its edit tray opens, then waits until the tray has focused its
 * first field. Node-RED takes two presses as a double click only when the second comes within
 * 650 ms of the first by the page's clock, which a loaded machine can miss; and it focuses the
 * first field on a timer once the tray has slid in, so keys typed before that land elsewhere.
 */
export async function openEditor(page: Page, node: Locator): Promise<void> {
  const tray = page.locator('.red-ui-tray');
  for (let attempt = 0; attempt < 5 && (await tray.count()) === 0; attempt++) {
    await node.dblclick({ timeout: 5_000 }).catch(() => undefined);
    await tray
      .first()
      .waitFor({ timeout: 3_000 })
      .catch(() => undefined);
  }
  await page.waitForFunction(() => !!document.activeElement?.closest('.red-ui-tray'));
}

/** The package as `npm pack` makes it, packed once per run. */
export function packedPackage(): Promise<string> {
  tarball ??= packPackage(path.join(workDir, 'pack'));
  return tarball;
}

export interface Runtime {
  nodeRed: NodeRedProcess;
  url: string;
  userDir: string;
  /** Stops the runtime by its pid and removes its user directory. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A real Node-RED on an ephemeral port, with the packed package installed by npm. */
export async function startRuntime(
  name: string,
  settings: Omit<SettingsOptions, 'credentialSecret'> = {},
  /** Other packages installed beside ours (npm specs). */
  others: string[] = [],
): Promise<Runtime> {
  const userDir = fs.mkdtempSync(path.join(workDir, `${name}-`));
  await prepareUserDir(
    userDir,
    await packedPackage(),
    { credentialSecret: randomBytes(16).toString('hex'), ...settings },
    others,
  );
  const nodeRed = await NodeRedProcess.start({ userDir, port: 0 });
  started.add(nodeRed);
  void nodeRed.exit.then(() => started.delete(nodeRed));
  return {
    nodeRed,
    url: nodeRed.url,
    userDir,
    stop: async () => {
      const code = await nodeRed.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** POSTs JSON to one of the flow's http-in endpoints and returns the parsed answer. */
export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Polls until `condition` holds; fails after `ms`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits until the double has heard the check at start (GET /api/v2/user) of `accounts` deployed
 * accounts with a token, then takes those out of its record: the tests count what their
 * messages send.
 */
export async function startChecksHeard(double: PlexTvDouble, accounts: number): Promise<void> {
  const checks = () => double.requests.filter((r) => r.path === '/api/v2/user').length;
  await eventually(() => checks() >= accounts, `${accounts} checks at start`);
  double.forgetRequests(/^\/api\/v2\/user$/);
}

export function newToken(): string {
  return `e2e-token-${randomBytes(12).toString('hex')}`;
}
