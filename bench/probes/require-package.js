/**
 * node require-package.js <packageDir>
 *
 * Run in a fresh process by load.ts, by plain node (no TypeScript loader takes part): times
 * require() of the package's node files as Node-RED loads them, then the first use of the
 * plex.tv client, which a plex-account makes when it starts, and says which runtime
 * dependencies were loaded after each step. Prints one JSON line.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, run by plain node */
const path = require('node:path');
const { clock, since, loadedDependencies } = require('./measure');

const packageDir = process.argv[2];
const pkg = require(path.join(packageDir, 'package.json'));

function timed(work) {
  const from = clock();
  work();
  return since(from);
}

const nodeFiles = timed(() => {
  for (const file of Object.values(pkg['node-red'].nodes)) require(path.join(packageDir, file));
});
const afterNodeFiles = loadedDependencies(packageDir);
const client = timed(() =>
  require(path.join(packageDir, 'nodes', 'client-module.js')).clientModule(),
);
const afterClient = loadedDependencies(packageDir);

process.stdout.write(`${JSON.stringify({ nodeFiles, client, afterNodeFiles, afterClient })}\n`);
