import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { PlexTvError } from '../lib/errors';
import { clientModule } from './client-module';
import { registerServerPicker } from './server-picker';
import { registerUserPicker } from './user-picker';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function register(RED: NodeAPI): void {
  function PlexAccount(this: register.PlexAccountNode, config: register.PlexAccountDef): void {
    RED.nodes.createNode(this, config);
    const { DEFAULTS, PlexTvClient } = clientModule();
    let client: PlexTvClient | undefined;
    /** Why there is no client; set whenever `client` is not. */
    let problem = new PlexTvError('NOT_CONFIGURED', RED._('plex-account.errors.no-token'));
    const token = (this.credentials?.token ?? '').trim();
    const clientIdentifier = (config.clientIdentifier ?? '').trim();
    if (token) {
      try {
        client = new PlexTvClient({
          token,
          clientIdentifier,
          product: (config.product ?? '').trim() || DEFAULTS.product,
          baseUrl: (config.baseUrl ?? '').trim() || DEFAULTS.baseUrl,
          timeout: integer(config.timeout, DEFAULTS.timeout, 100, 300_000),
          retries: integer(config.retries, DEFAULTS.retries, 0, 10),
          maxConcurrent: integer(config.maxConcurrent, DEFAULTS.maxConcurrent, 1, 64),
        });
      } catch (error) {
        problem =
          error instanceof PlexTvError
            ? error
            : new PlexTvError('NOT_CONFIGURED', RED._('plex-account.errors.bad-config'));
      }
    }
    if (client) {
      const url = new URL(client.baseUrl);
      // Fine for a proxy or a test stand-in, but whoever runs that host gets the token.
      if (url.hostname !== 'plex.tv') {
        this.warn(RED._('plex-account.errors.not-plex-tv', { host: url.host }));
      }
      if (!UUID.test(clientIdentifier)) {
        // plex.tv itself decides (400, code 1000 when it is missing); the warning says where to fix it.
        this.warn(RED._('plex-account.errors.bad-client-identifier'));
      }
    }

    this.getClient = () => {
      if (client) return client;
      throw problem;
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      client?.close();
      done();
    });
  }

  RED.nodes.registerType<
    register.PlexAccountNode,
    register.PlexAccountDef,
    unknown,
    register.PlexAccountCredentials
  >('plex-account', PlexAccount, {
    credentials: { token: { type: 'password' } },
  });
  registerUserPicker(RED);
  registerServerPicker(RED);
}

declare namespace register {
  interface PlexAccountDef extends NodeDef {
    clientIdentifier: string;
    product: string;
    baseUrl: string;
    timeout: string | number;
    retries: string | number;
    maxConcurrent: string | number;
  }

  interface PlexAccountCredentials {
    token?: string;
  }

  interface PlexAccountNode extends Node<PlexAccountCredentials> {
    /** The account's shared client; throws NOT_CONFIGURED when it cannot have one. */
    getClient(): PlexTvClient;
  }
}

export = register;

/** Editor fields arrive as strings; out-of-range or blank values fall back to the default. */
function integer(value: unknown, fallback: number, min: number, max: number): number {
  const number = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  if (!Number.isFinite(number)) return fallback;
  return Math.min(Math.max(Math.round(number), min), max);
}
