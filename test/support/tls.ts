import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PlexTvClient } from '../../src/lib/plex-tv-client';
import { PlexTvError } from '../../src/lib/errors';

/** Certificates made by test/fixtures/tls/make.sh: all for 127.0.0.1, with one flaw each. */
export const TLS_FIXTURES = path.join(__dirname, '..', 'fixtures', 'tls');
export type Certificate = 'self-signed' | 'expired' | 'wrong-host' | 'valid';

export interface TlsOutcome {
  /** The user id on success, else the error's code and message. */
  userId?: number;
  code?: string;
  message?: string;
  /** TCP connections the server accepted: one per attempt. */
  connections: number;
}

/**
 * Removes a PIN through an https server presenting `certificate`, with 2 retries allowed,
 * and tells what came of it.
 */
export async function probeTls(certificate: Certificate): Promise<TlsOutcome> {
  let connections = 0;
  const server = https.createServer(
    {
      cert: fs.readFileSync(path.join(TLS_FIXTURES, `${certificate}.pem`)),
      key: fs.readFileSync(path.join(TLS_FIXTURES, 'leaf-key.pem')),
    },
    (_req, res) => {
      res.writeHead(201, { 'Content-Type': 'application/xml' });
      res.end('<user id="5" title="Kids"/>');
    },
  );
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new PlexTvClient({
    token: 'tls-test-token',
    clientIdentifier: 'tls-test',
    baseUrl: `https://127.0.0.1:${port}`,
    retries: 2,
  });
  try {
    const { user } = await client.removeManagedUserPin(5);
    return { userId: user.id, connections };
  } catch (error) {
    if (!(error instanceof PlexTvError)) throw error;
    return { code: error.code, message: error.message, connections };
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

// Run as a script (by tls.spec.ts, in a process that trusts the test CA): probe the
// certificates named on the command line and print the outcomes as JSON.
if (require.main === module) {
  void (async () => {
    const outcomes: Record<string, TlsOutcome> = {};
    for (const name of process.argv.slice(2)) outcomes[name] = await probeTls(name as Certificate);
    process.stdout.write(JSON.stringify(outcomes));
  })();
}
