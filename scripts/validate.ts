/**
 * The Node-RED flow library's scorecard (`node-red-dev validate`) on the package as npm packs it.
 *
 * The scorecard asks the npm registry about Node-RED's current releases and dependency versions,
 * which is reachable, and the flow library's catalogue (catalogue.nodered.org) for node type and
 * package names already in use, which is not. That one request is answered in process with an
 * empty catalogue, so the name-clash checks (N01, P08) run but find no other package; the script
 * says so. Every check in the scorecard must pass, or the script fails.
 *
 *   npm run validate
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { npmPack } from './npm-pack';

const CATALOGUE_URL = 'https://catalogue.nodered.org/catalogue.json';

/** Every check node-red-dev 0.1 scores; one missing from the scorecard is a failure too. */
const CHECKS: Record<string, string> = {
  P01: 'license',
  P03: 'repository or bugs link',
  P04: 'package name',
  P05: 'node-red keyword',
  P06: 'node-red.version covers the current Node-RED',
  P07: "engines.node covers the current Node-RED's minimum Node.js",
  P08: 'no similarly named package (empty local catalogue)',
  N01: 'unique node type names (empty local catalogue)',
  N02: 'an example flow for every node type',
  D01: 'at most 6 dependencies',
  D02: 'no incompatible package in the dependency tree',
  D03: 'dependencies at their latest versions',
};

interface Check {
  test: boolean;
  [detail: string]: unknown;
}

interface AxiosRequestConfig {
  url?: string;
  adapter?: (config: AxiosRequestConfig) => Promise<unknown>;
}

interface Axios021 {
  interceptors: { request: { use(f: (c: AxiosRequestConfig) => AxiosRequestConfig): void } };
}

/** Answers node-red-dev's catalogue requests with an empty catalogue; counts them. */
async function answerCatalogueLocally(nodeRedDevDir: string): Promise<{ asked: number }> {
  const seen = { asked: 0 };
  // node-red-dev brings its own axios; intercept that copy, the one its checks call.
  const axiosPath = require.resolve('axios', { paths: [nodeRedDevDir] });
  const axios = ((await import(axiosPath)) as { default: Axios021 }).default;
  axios.interceptors.request.use((config) => {
    if (config.url !== CATALOGUE_URL) return config;
    seen.asked++;
    config.adapter = async (c) => ({
      data: { modules: [] },
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
      config: c,
      request: {},
    });
    return config;
  });
  return seen;
}

/** Packs the package as npm would publish it and unpacks it into a temporary folder. */
function packAndExtract(into: string): string {
  const { filename } = npmPack(['--pack-destination', into]);
  execFileSync('tar', ['-xzf', path.join(into, filename), '-C', into]);
  return path.join(into, 'package');
}

/** Node types whose editor definition is not a config node: each needs an example flow. */
function flowNodeTypes(packageDir: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    'node-red': { nodes: Record<string, string> };
  };
  return Object.entries(pkg['node-red'].nodes)
    .filter(([, js]) => {
      const html = fs.readFileSync(path.join(packageDir, js.replace(/\.js$/, '.html')), 'utf8');
      return !/category:\s*['"]config['"]/.test(html);
    })
    .map(([type]) => type);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-home-validate-'));
  try {
    const packageDir = packAndExtract(work);
    const nodeRedDevDir = path.dirname(require.resolve('node-red-dev/package.json'));
    const catalogue = await answerCatalogueLocally(nodeRedDevDir);
    const scorecardFile = path.join(work, 'scorecard.json');
    const Validate = (
      (await import(path.join(nodeRedDevDir, 'src/commands/validate.js'))) as {
        default: { run(argv: string[], config: string): Promise<void> };
      }
    ).default;
    // --embed keeps node-red-dev from exiting the process when it is done.
    await Validate.run(['-p', packageDir, '-o', scorecardFile, '-e', 'yes'], nodeRedDevDir);

    if (!fs.existsSync(scorecardFile)) throw new Error('node-red-dev wrote no scorecard');
    const scorecard = JSON.parse(fs.readFileSync(scorecardFile, 'utf8')) as Record<string, Check>;
    const failures: string[] = [];
    for (const [id, what] of Object.entries(CHECKS)) {
      const check = scorecard[id];
      if (!check) failures.push(`${id} ${what}: not scored`);
      else if (check.test !== true) failures.push(`${id} ${what}: ${JSON.stringify(check)}`);
    }
    const expected = flowNodeTypes(packageDir);
    const withExample = (scorecard.N02?.nodes as string[] | undefined) ?? [];
    if (expected.length === 0 || expected.some((t) => !withExample.includes(t)))
      failures.push(`N02 saw examples for [${withExample}], expected [${expected}]`);
    if (catalogue.asked === 0) failures.push('the catalogue look-up was never made');

    console.log(
      `validate: catalogue.nodered.org answered locally with an empty catalogue ` +
        `(${catalogue.asked} requests): N01 and P08 found no clash because they had nothing to compare with`,
    );
    if (failures.length) {
      console.error(`validate: ${failures.length} scorecard check(s) failed:`);
      for (const f of failures) console.error(`  ${f}`);
      process.exitCode = 1;
    } else {
      console.log(`validate: all ${Object.keys(CHECKS).length} scorecard checks passed`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    // node-red-dev opens a readline interface on stdin when loaded; let the process end.
    process.stdin.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`validate: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
  process.stdin.destroy();
});
