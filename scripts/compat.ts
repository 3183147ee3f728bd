/**
 * Compatibility matrix: for several Node-RED releases, each on a given Node.js major,
 *  1. runs the mocha suite (the specs `npm test` runs, less the end-to-end ones, which start their
 *     own runtime) with the Node-RED test helper pointed at that release;
 *  2. installs the package as npm packs it into a user directory and starts that release on it,
 *     checking that every node type registers without error, with its editor HTML, help and
 *     messages, and that a node file's RED._ finds a shared text by its full key;
 *  3. starts that release on the same user directory and checks its editor in headless Chromium
 *     (scripts/compat/editor-check.ts): palette labels, shared texts by full key in RED._,
 *     this._ and data-i18n, Node-RED's own Name label, the help, a validator's message.
 *
 * Each Node-RED release is installed on its own under .compat/ (git-ignored), so the project's
 * own node_modules stays as `npm ci` made it. The suite finds the release through
 * NODE_RED_UNDER_TEST; a root hook records the runtime the helper really loaded and the Node.js
 * that ran it, and a cell only passes when both are the expected ones.
 *
 *   npx tsx scripts/compat.ts            # the whole matrix
 *   npx tsx scripts/compat.ts 3.1 5      # only the cells named
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { chromiumMissing } from './chromium';
import { checkEditor } from './compat/editor-check';
import { NodeRedProcess, writeSettings } from './node-red-runtime';
import { ROOT, npmPack } from './npm-pack';

interface Cell {
  /** Short name, also the folder under .compat/. */
  name: string;
  /** npm range of the Node-RED release under test; the newest match is installed. */
  nodeRed: string;
  /** Node.js major the suite runs on. */
  node: number;
}

export const MATRIX: Cell[] = [
  { name: '3.1', nodeRed: '~3.1.0', node: 20 },
  { name: '4.1', nodeRed: '~4.1.0', node: 20 },
  { name: '5', nodeRed: '^5.0.0', node: 22 },
];

interface Prepared {
  cell: Cell;
  /** The Node-RED main module, as require.resolve finds it. */
  nodeRedMain: string;
  /** Node-RED user directory with the packed package installed. */
  userDir: string;
  node: string;
}

interface CellResult {
  ok: boolean;
  line: string;
}

const COMPAT_DIR = path.join(ROOT, '.compat');
const PACKAGE_NAME = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }
).name;

function cellDir(cell: Cell): string {
  return path.join(COMPAT_DIR, `node-red-${cell.name}`);
}

function major(version: string): number {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

/** Runs a command, collecting its output; resolves with the exit code. */
function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: output + String(err) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** `npm install` into a fresh folder of its own, no lock file: the newest match of each spec. */
async function npmInstallInto(dir: string, specs: string[]): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  const { code, output } = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...specs],
    { cwd: dir },
  );
  if (code !== 0) throw new Error(`npm install ${specs.join(' ')} in ${dir} failed:\n${output}`);
}

/**
 * The runtime check as plain CommonJS: run through tsx, the runtime would load the package's
 * JavaScript through tsx's transform too, which is not how users get it.
 */
function compileLoadCheck(): string {
  const source = fs.readFileSync(path.join(__dirname, 'compat/load-packed.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  const out = path.join(COMPAT_DIR, 'load-packed.cjs');
  fs.writeFileSync(out, outputText);
  return out;
}

/** The node binary of the given major: this one, or one from the npm registry's `node` package. */
function nodeBinary(wanted: number): string {
  if (major(process.version) === wanted) return process.execPath;
  const out = execFileSync(
    'npx',
    ['-y', '-p', `node@${wanted}`, 'node', '-p', 'process.execPath'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return out.trim().split('\n').pop() ?? '';
}

interface MochaReport {
  stats: { passes: number; failures: number; pending: number };
  failures: Array<{ fullTitle: string; err: { message?: string } }>;
}

function readJson<T>(file: string): T | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

async function runCell(p: Prepared, loadCheck: string): Promise<CellResult> {
  const started = performance.now();
  const dir = cellDir(p.cell);
  const mochaJson = path.join(dir, 'mocha.json');
  const runtimeJson = path.join(dir, 'runtime.json');
  for (const f of [mochaJson, runtimeJson]) fs.rmSync(f, { force: true });
  const expected = (
    JSON.parse(
      fs.readFileSync(path.join(path.dirname(p.nodeRedMain), '..', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
  const problems: string[] = [];

  // 1. The mocha suite, through the test helper.
  const mocha = await run(
    p.node,
    [
      path.join(ROOT, 'node_modules/mocha/bin/mocha.js'),
      '--ignore',
      'test/e2e/**',
      '--require',
      'scripts/compat/runtime-report.ts',
      '--reporter',
      'json',
      '--reporter-option',
      `output=${mochaJson}`,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_RED_UNDER_TEST: p.nodeRedMain,
        COMPAT_RUNTIME_REPORT: runtimeJson,
      },
    },
  );
  const runtime = readJson<{ nodeRed: string | null; node: string }>(runtimeJson);
  const report = readJson<MochaReport>(mochaJson);
  if (!report) problems.push(`mocha wrote no report (exit ${mocha.code}):\n${mocha.output}`);
  if (mocha.code !== 0) problems.push(`mocha exited with ${mocha.code}`);
  if (report && report.stats.passes === 0) problems.push('no test passed');
  if (runtime?.nodeRed !== expected)
    problems.push(`the test helper loaded Node-RED ${runtime?.nodeRed}, not ${expected}`);
  if (!runtime || major(runtime.node) !== p.cell.node)
    problems.push(`the suite ran on node ${runtime?.node}, not node ${p.cell.node}`);
  for (const f of report?.failures ?? []) problems.push(`failed: ${f.fullTitle}: ${f.err.message}`);

  // 2. The packed package in a real runtime of that release.
  const load = await run(p.node, [loadCheck, p.nodeRedMain, p.userDir, PACKAGE_NAME], {
    cwd: p.userDir,
  });
  const loaded = (() => {
    try {
      return JSON.parse(load.output.trim().split('\n').pop() ?? '') as {
        nodeRed?: string;
        problems: string[];
      };
    } catch {
      return { problems: [`the runtime check printed no result:\n${load.output}`] };
    }
  })();
  if (load.code !== 0 && loaded.problems.length === 0) problems.push(`runtime exit ${load.code}`);
  if (loaded.nodeRed !== undefined && loaded.nodeRed !== expected)
    problems.push(`the runtime check started Node-RED ${loaded.nodeRed}, not ${expected}`);
  problems.push(...loaded.problems.map((m) => `packed package in Node-RED: ${m}`));

  // 3. The same release's editor in Chromium, on that user directory.
  const editor = await editorProblems(p);
  problems.push(...editor.map((m) => `packed package in the editor: ${m}`));

  const stats = report?.stats ?? { passes: 0, failures: 0, pending: 0 };
  const counts =
    `${stats.passes} passing, ${stats.failures} failing` +
    (stats.pending ? `, ${stats.pending} pending` : '');
  const head =
    `compat: node-red ${runtime?.nodeRed ?? expected} on node ${runtime?.node ?? p.cell.node}: ` +
    `${counts}; packed package ${loaded.problems.length ? 'fails to load cleanly' : 'loads'}, ` +
    `editor ${editor.length ? 'shows problems' : 'checked'} ` +
    `(${seconds(started)} s)`;
  const ok = problems.length === 0;
  return { ok, line: ok ? head : `${head} FAILED\n${problems.map((m) => `  ${m}`).join('\n')}` };
}

/** Starts the cell's Node-RED on its user directory and checks its editor in Chromium. */
async function editorProblems(p: Prepared): Promise<string[]> {
  let missing: string | undefined;
  try {
    missing = chromiumMissing('the editor check');
  } catch (error) {
    return [(error as Error).message];
  }
  if (missing) {
    console.log(`compat: ${missing}; the editor check is skipped`);
    return [];
  }
  // The runtime check left its flows behind; the editor starts on an empty workspace.
  for (const file of ['flows.json', 'flows_cred.json']) {
    fs.rmSync(path.join(p.userDir, file), { force: true });
  }
  writeSettings(p.userDir, { credentialSecret: 'compat editor check' });
  const redJs = path.join(
    path.dirname(require.resolve('node-red/package.json', { paths: [cellDir(p.cell)] })),
    'red.js',
  );
  const nodeRed = await NodeRedProcess.start({ userDir: p.userDir, redJs, node: p.node });
  try {
    return await checkEditor(nodeRed.url);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    await nodeRed.stop();
  }
}

async function prepare(cell: Cell, tarball: string): Promise<Prepared> {
  const dir = cellDir(cell);
  const userDir = path.join(COMPAT_DIR, `user-${cell.name}`);
  await Promise.all([
    npmInstallInto(dir, [`node-red@${cell.nodeRed}`]),
    npmInstallInto(userDir, [tarball]),
  ]);
  return {
    cell,
    nodeRedMain: require.resolve('node-red', { paths: [dir] }),
    userDir,
    node: nodeBinary(cell.node),
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const cells = only.length ? MATRIX.filter((c) => only.includes(c.name)) : MATRIX;
  if (cells.length === 0) throw new Error(`no matrix cell is named ${only.join(' ')}`);
  const started = performance.now();
  fs.mkdirSync(COMPAT_DIR, { recursive: true });
  // prepack builds the package first, as for a publish.
  const tarball = path.join(COMPAT_DIR, npmPack(['--pack-destination', COMPAT_DIR]).filename);
  const loadCheck = compileLoadCheck();

  // Installing is network- and disk-bound: all cells at once. Test runs go one at a time.
  const prepared = await Promise.all(cells.map((cell) => prepare(cell, tarball)));
  console.log(
    `compat: packed ${path.basename(tarball)}, installed ` +
      `${cells.map((c) => `node-red@${c.nodeRed}`).join(', ')} in ${seconds(started)} s`,
  );

  let failed = 0;
  for (const p of prepared) {
    const result = await runCell(p, loadCheck);
    console.log(result.line);
    if (!result.ok) failed++;
  }
  console.log(
    `compat: ${cells.length - failed} of ${cells.length} cells passed in ${seconds(started)} s`,
  );
  if (failed) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`compat: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
