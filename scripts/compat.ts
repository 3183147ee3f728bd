/**
 * Compatibility matrix: runs the mocha suite (the specs `npm test` runs, less the end-to-end ones,
 * which start their own runtime) against several Node-RED releases on several Node.js majors.
 *
 * Each Node-RED release is installed on its own under .compat/ (git-ignored), so the project's
 * own node_modules stays as `npm ci` made it; the test helper is pointed at that install through
 * NODE_RED_UNDER_TEST. A root hook records the runtime version the helper really loaded and the
 * Node.js that ran it, and a cell only passes when both are the expected ones.
 *
 *   npx tsx scripts/compat.ts            # the whole matrix
 *   npx tsx scripts/compat.ts 3.1 5.0    # only the cells of these Node-RED ranges
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

interface Cell {
  /** npm range of the Node-RED release under test; the newest match is installed. */
  nodeRed: string;
  /** Node.js major the suite runs on. */
  node: number;
}

export const MATRIX: Cell[] = [
  { nodeRed: '~3.1.0', node: 20 },
  { nodeRed: '~4.1.0', node: 20 },
  { nodeRed: '^5.0.0', node: 22 },
];

interface CellResult {
  cell: Cell;
  ok: boolean;
  line: string;
  seconds: number;
}

const ROOT = path.resolve(__dirname, '..');
const COMPAT_DIR = path.join(ROOT, '.compat');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function cellDir(cell: Cell): string {
  return path.join(COMPAT_DIR, `node-red-${cell.nodeRed.replace(/[^0-9.]/g, '')}`);
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

/** Installs the newest Node-RED in the cell's range into the cell's own folder. */
async function installNodeRed(cell: Cell): Promise<string> {
  const dir = cellDir(cell);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ private: true, description: `Node-RED ${cell.nodeRed} under test` }) + '\n',
  );
  const { code, output } = await run(
    NPM,
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--no-save',
      '--loglevel=error',
      `node-red@${cell.nodeRed}`,
    ],
    { cwd: dir },
  );
  if (code !== 0) throw new Error(`npm install node-red@${cell.nodeRed} failed:\n${output}`);
  return require.resolve('node-red', { paths: [dir] });
}

/** The node binary of the given major: this one, or one from the npm registry's `node` package. */
function nodeBinary(wanted: number): string {
  if (major(process.version) === wanted) return process.execPath;
  const out = execFileSync(NPX, ['-y', '-p', `node@${wanted}`, 'node', '-p', 'process.execPath'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop() ?? '';
}

interface MochaReport {
  stats: { passes: number; failures: number; pending: number };
  failures: Array<{ fullTitle: string; err: { message?: string } }>;
}

async function runCell(cell: Cell, nodeRedMain: string, node: string): Promise<CellResult> {
  const started = performance.now();
  const dir = cellDir(cell);
  const mochaJson = path.join(dir, 'mocha.json');
  const runtimeJson = path.join(dir, 'runtime.json');
  for (const f of [mochaJson, runtimeJson]) fs.rmSync(f, { force: true });
  const { code, output } = await run(
    node,
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
      env: { ...process.env, NODE_RED_UNDER_TEST: nodeRedMain, COMPAT_RUNTIME_REPORT: runtimeJson },
    },
  );
  const expectedVersion = (
    JSON.parse(
      fs.readFileSync(path.join(path.dirname(nodeRedMain), '..', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
  const runtime = fs.existsSync(runtimeJson)
    ? (JSON.parse(fs.readFileSync(runtimeJson, 'utf8')) as { nodeRed: string | null; node: string })
    : { nodeRed: null, node: '?' };
  const report = fs.existsSync(mochaJson)
    ? (JSON.parse(fs.readFileSync(mochaJson, 'utf8')) as MochaReport)
    : undefined;
  const problems: string[] = [];
  if (!report) problems.push(`mocha wrote no report (exit ${code}):\n${output}`);
  if (code !== 0) problems.push(`mocha exited with ${code}`);
  if (report && report.stats.passes === 0) problems.push('no test passed');
  if (runtime.nodeRed !== expectedVersion)
    problems.push(`the test helper loaded Node-RED ${runtime.nodeRed}, not ${expectedVersion}`);
  if (major(runtime.node) !== cell.node)
    problems.push(`ran on node ${runtime.node}, not node ${cell.node}`);
  for (const f of report?.failures ?? []) problems.push(`failed: ${f.fullTitle}: ${f.err.message}`);
  const stats = report?.stats ?? { passes: 0, failures: 0, pending: 0 };
  const counts =
    `${stats.passes} passing, ${stats.failures} failing` +
    (stats.pending ? `, ${stats.pending} pending` : '');
  const time = seconds(started);
  const head = `compat: node-red ${runtime.nodeRed ?? expectedVersion} on node ${runtime.node}: ${counts} (${time} s)`;
  const ok = problems.length === 0;
  return {
    cell,
    ok,
    seconds: time,
    line: ok ? head : `${head} FAILED\n${problems.map((p) => `  ${p}`).join('\n')}`,
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const cells = only.length
    ? MATRIX.filter((c) => only.some((o) => path.basename(cellDir(c)) === `node-red-${o}`))
    : MATRIX;
  if (cells.length === 0) throw new Error(`no matrix cell matches ${only.join(' ')}`);
  const started = performance.now();

  // Installing is network- and disk-bound: all cells at once. Test runs go one at a time.
  const installs = await Promise.all(
    cells.map(async (cell) => {
      const t = performance.now();
      const main = await installNodeRed(cell);
      return { main, seconds: seconds(t) };
    }),
  );
  const nodes = new Map<number, string>();
  for (const cell of cells) if (!nodes.has(cell.node)) nodes.set(cell.node, nodeBinary(cell.node));
  console.log(
    `compat: installed ${cells.map((c, i) => `node-red@${c.nodeRed} (${installs[i].seconds} s)`).join(', ')}; ` +
      `setup ${seconds(started)} s`,
  );

  const results: CellResult[] = [];
  for (const [i, cell] of cells.entries()) {
    const result = await runCell(cell, installs[i].main, nodes.get(cell.node) as string);
    console.log(result.line);
    results.push(result);
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(
    `compat: ${results.length - failed} of ${results.length} cells passed in ${seconds(started)} s`,
  );
  if (failed) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`compat: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
