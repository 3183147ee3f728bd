/** The package as a user installs it: npm pack, npm install of the tarball, and its size on disk. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function run(command: string, commandArgs: string[], cwd: string): string {
  const child = spawnSync(command, commandArgs, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (child.status !== 0)
    throw new Error(`${command} ${commandArgs.join(' ')} failed: ${child.stderr}`);
  return child.stdout;
}

export interface Installed {
  /** A Node-RED user dir with the packed package installed in its node_modules, as a user would have it. */
  userDir: string;
  /** Same, without the package. */
  emptyUserDir: string;
  packageDir: string;
  pack: { size: number; unpackedSize: number; entryCount: number };
}

/** npm pack, then npm install of the tarball into a fresh user dir (from npm's cache when it can). */
export function installPacked(repoRoot: string): Installed {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-home-bench-install-'));
  const userDir = path.join(root, 'with');
  const emptyUserDir = path.join(root, 'without');
  for (const dir of [userDir, emptyUserDir]) {
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'flows.json'),
      JSON.stringify([{ id: 'tab', type: 'tab', label: 'empty' }]),
    );
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'node-red-user-dir', private: true }),
    );
  }
  // A deployed account: starting it creates the client, which loads axios and sax.
  const accountFlow = [
    { id: 'tab', type: 'tab', label: 'account' },
    {
      id: 'acc',
      type: 'plex-account',
      name: '',
      clientIdentifier: '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11',
      baseUrl: 'http://127.0.0.1:9',
    },
    {
      id: 'n',
      z: 'tab',
      type: 'plex-remove-pin',
      account: 'acc',
      userId: 'payload',
      userIdType: 'msg',
      wires: [[], []],
    },
  ];
  fs.writeFileSync(path.join(userDir, 'flows-account.json'), JSON.stringify(accountFlow));
  fs.writeFileSync(
    path.join(userDir, 'flows-account_cred.json'),
    JSON.stringify({ acc: { token: 'not-used' } }),
  );
  const [pack] = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], repoRoot),
  ) as Array<Installed['pack'] & { filename: string }>;
  run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--omit=dev',
      path.join(root, pack.filename),
    ],
    userDir,
  );
  const name = (
    JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string }
  ).name;
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return { userDir, emptyUserDir, packageDir: path.join(userDir, 'node_modules', name), pack };
}

export interface InstallSize {
  packBytes: number;
  packUnpackedBytes: number;
  packFiles: number;
  /** node_modules of the user dir after installing the package, less the package itself. */
  dependencyBytes: number;
  dependencyPackages: string[];
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

export function measureInstallSize(installed: Installed): InstallSize {
  const modules = path.join(installed.userDir, 'node_modules');
  const lock = JSON.parse(fs.readFileSync(path.join(modules, '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const own = path.relative(installed.userDir, installed.packageDir);
  const dependencies = Object.keys(lock.packages).filter((p) => p !== own);
  return {
    packBytes: installed.pack.size,
    packUnpackedBytes: installed.pack.unpackedSize,
    packFiles: installed.pack.entryCount,
    dependencyBytes: directoryBytes(modules) - directoryBytes(installed.packageDir),
    dependencyPackages: dependencies
      .map((p) => p.slice(p.lastIndexOf('node_modules/') + 13))
      .sort(),
  };
}
