/**
 * node start-node-red.js <userDir> <nodeRedDir> <packageDir> <flowFile>
 *
 * Run in a fresh process by load.ts, by plain node: starts Node-RED (require, init, start,
 * until flows:started) on the given flow file and prints one JSON line with
 * - start: the whole start, in wall time and the CPU time the process had used by then;
 * - nodeFiles: inside Node-RED's require() of the package's node files (with everything they
 *   require that was not loaded yet);
 * - lateRequires: inside requires the package makes later, at run time (the plex.tv client
 *   when an account starts);
 * - deploy: from flows:starting to flows:started, where Node-RED creates the nodes;
 * - types: the package's node types registered; loaded: its dependencies loaded.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, run by plain node */
const path = require('node:path');
const Module = require('node:module');
const { clock, since, loadedDependencies } = require('./measure');

const [userDir, nodeRedDir, packageDir, flowFile] = process.argv.slice(2);
const pkg = require(path.join(packageDir, 'package.json'));
const nodeFilePaths = new Set(
  Object.values(pkg['node-red'].nodes).map((file) => path.join(packageDir, file)),
);
const inPackage = (file) => typeof file === 'string' && file.startsWith(packageDir + path.sep);

const nodeFiles = { cpuMs: 0, wallMs: 0 };
const lateRequires = { cpuMs: 0, wallMs: 0 };
let depth = 0;
const load = Module._load;
Module._load = function (request, parent) {
  // Only the outermost require is timed: it includes everything beneath it.
  const total =
    depth > 0
      ? undefined
      : nodeFilePaths.has(request)
        ? nodeFiles
        : inPackage(parent?.filename) && !Module.isBuiltin(request)
          ? lateRequires
          : undefined;
  if (!total) return load.apply(this, arguments);
  depth++;
  const from = clock();
  try {
    return load.apply(this, arguments);
  } finally {
    depth--;
    const spent = since(from);
    total.cpuMs += spent.cpuMs;
    total.wallMs += spent.wallMs;
  }
};

const started = clock();
const RED = require(require.resolve('node-red', { paths: [nodeRedDir] }));
let deployFrom;
RED.events.once('flows:starting', () => (deployFrom = clock()));
RED.events.once('flows:started', () => {
  const deploy = since(deployFrom);
  const start = since(started);
  const types = Object.keys(pkg['node-red'].nodes).filter((type) => RED.nodes.getType(type));
  const loaded = loadedDependencies(packageDir);
  process.stdout.write(
    `${JSON.stringify({ start, nodeFiles, lateRequires, deploy, types, loaded })}\n`,
  );
  process.exit(0);
});
RED.init(undefined, {
  userDir,
  flowFile,
  credentialSecret: false,
  httpAdminRoot: false,
  httpNodeRoot: false,
  disableEditor: true,
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false } },
  externalModules: { autoInstall: false },
});
RED.start();
