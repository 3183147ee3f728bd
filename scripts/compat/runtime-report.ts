/**
 * Mocha root hook for the compatibility matrix: after the suite, records which Node-RED runtime
 * the test helper actually loaded and which Node.js ran it, so a cell cannot pass on the wrong one.
 */
import fs from 'node:fs';
import helper from 'node-red-node-test-helper';

interface LoadedRuntime {
  _RED?: { version(): string };
}

export const mochaHooks = {
  afterAll(): void {
    const out = process.env.COMPAT_RUNTIME_REPORT;
    if (!out) return;
    const red = (helper as unknown as LoadedRuntime)._RED;
    const report = { nodeRed: red ? red.version() : null, node: process.version };
    fs.writeFileSync(out, JSON.stringify(report));
  },
};
