/** What both probes measure with: a clock of CPU and wall time, and which dependencies loaded. */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, run by plain node */
const path = require('node:path');

/** Now, in CPU time the process has used (user + system, all threads) and wall time. */
function clock() {
  return { cpu: process.cpuUsage(), wall: performance.now() };
}

/** CPU and wall time since `from`, in ms. */
function since(from) {
  const used = process.cpuUsage(from.cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - from.wall };
}

/**
 * The package's runtime dependencies whose own installed copy (next to the package, or inside
 * it) has code in the require cache. Node-RED's xml node loads a sax of its own, and Node-RED
 * requires the package.json of every module it finds in node_modules, so .json files do not count.
 */
function loadedDependencies(packageDir) {
  const pkg = require(path.join(packageDir, 'package.json'));
  const files = Object.keys(require.cache).filter((file) => !file.endsWith('.json'));
  return Object.keys(pkg.dependencies ?? {}).filter((name) => {
    const dirs = [path.dirname(packageDir), path.join(packageDir, 'node_modules')].map(
      (modules) => path.join(modules, name) + path.sep,
    );
    return files.some((file) => dirs.some((dir) => file.startsWith(dir)));
  });
}

module.exports = { clock, since, loadedDependencies };
