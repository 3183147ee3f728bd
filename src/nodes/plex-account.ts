import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { AccountUser, PlexTvClient, TokenHealth } from '../lib/plex-tv-client';
import { PlexTvError } from '../lib/errors';
import { registerSignInRoutes } from './sign-in-routes';
import { clientModule } from './client-module';
import { registerServerPicker } from './server-picker';
import { registerUserPicker } from './user-picker';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function register(RED: NodeAPI): void {
  function PlexAccount(this: register.PlexAccountNode, config: register.PlexAccountDef): void {
    RED.nodes.createNode(this, config);
    const { DEFAULTS, PlexTvClient, TokenHealth, headerText } = clientModule();
    let client: PlexTvClient | undefined;
    /** Why there is no client; set whenever `client` is not. */
    let problem = new PlexTvError('NOT_CONFIGURED', RED._('plex-account.errors.no-token'));
    const token = (this.credentials?.token ?? '').trim();
    const clientIdentifier = (config.clientIdentifier ?? '').trim();
    const deviceName = headerText(config.deviceName, DEFAULTS.deviceName);
    if (token) {
      try {
        client = new PlexTvClient({
          token,
          clientIdentifier,
          product: (config.product ?? '').trim() || DEFAULTS.product,
          deviceName,
          baseUrl: (config.baseUrl ?? '').trim() || DEFAULTS.baseUrl,
          timeout: integer(config.timeout, DEFAULTS.timeout, 100, 300_000),
          retries: integer(config.retries, DEFAULTS.retries, 0, 10),
          maxConcurrent: integer(config.maxConcurrent, DEFAULTS.maxConcurrent, 1, 64),
          // Every answer to the token tells the health, which the account's nodes show.
          onTokenAnswer: (accepted) => (accepted ? health.accepted() : health.refused()),
        });
      } catch (error) {
        problem =
          error instanceof PlexTvError
            ? error
            : new PlexTvError('NOT_CONFIGURED', RED._('plex-account.errors.bad-config'));
      }
    }
    const working = client;
    const health: TokenHealth = new TokenHealth(
      working
        ? { whoAmI: () => working.currentUser(), ping: () => working.ping() }
        : { hasToken: token !== '' },
    );
    health.subscribe((state, user) => {
      if (state === 'signed-out') this.warn(RED._('plex-account.errors.signed-out'));
      if (state === 'not-admin') {
        const title = user?.title || user?.username || String(user?.id);
        this.warn(RED._('plex-account.errors.not-admin', { title }));
      }
    });
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
      const typedName = (config.deviceName ?? '').trim();
      if (typedName && typedName !== deviceName) {
        // A header carries only so much: say what plex.tv will list, rather than send it silently.
        this.warn(RED._('plex-account.errors.device-name', { name: deviceName }));
      }
    }

    this.getClient = () => {
      if (client) return client;
      throw problem;
    };
    this.health = health;
    this.checkToken = () => (client ? health.check() : Promise.reject(problem));
    health.start();

    this.on('close', (_removed: boolean, done: () => void) => {
      health.close();
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
  registerSignInRoutes(RED);
  registerUserPicker(RED);
  registerServerPicker(RED);
}

declare namespace register {
  interface PlexAccountDef extends NodeDef {
    clientIdentifier: string;
    product: string;
    /** How plex.tv lists this installation among the account's devices (X-Plex-Device-Name). */
    deviceName?: string;
    baseUrl: string;
    /** The sign-in page the editor opens (Plex's unless a test stand-in serves its own). */
    authUrl?: string;
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
    /** What is known of the sign-in; the account's nodes subscribe to show it. */
    health: TokenHealth;
    /** Who the token belongs to, asked of plex.tv at most once per 10 s. */
    checkToken(): Promise<AccountUser>;
  }
}

export = register;

/** Editor fields arrive as strings; out-of-range or blank values fall back to the default. */
function integer(value: unknown, fallback: number, min: number, max: number): number {
  const number = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
  if (!Number.isFinite(number)) return fallback;
  return Math.min(Math.max(Math.round(number), min), max);
}
