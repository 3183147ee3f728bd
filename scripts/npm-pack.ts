import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');

export interface PackResult {
  /** The tarball's file name (in the pack destination). */
  filename: string;
  /** Every file in the package, relative to its root. */
  files: Array<{ path: string }>;
}

/** `npm pack --json` of this package with the given extra arguments. */
export function npmPack(args: string[]): PackResult {
  const out = execFileSync('npm', ['pack', '--json', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Lifecycle scripts (prepack) may print before the JSON.
  return (JSON.parse(out.slice(out.indexOf('['))) as PackResult[])[0];
}
