import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, or the one CHROMIUM_PATH names. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Under CI nothing may be skipped. */
const IN_CI = !!process.env.CI && process.env.CI !== 'false';

/**
 * Why Chromium cannot be used here, or undefined when it can. Under CI its absence throws,
 * since `what` (the checks that need it) must run there; elsewhere the caller skips them.
 */
export function chromiumMissing(what: string): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  const why = `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
  if (IN_CI) throw new Error(`${why}: ${what} must run in CI`);
  return why;
}

/** Headless Chromium through playwright-core, quiet: no GPU, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
