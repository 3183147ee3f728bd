import assert from 'node:assert/strict';
import sinon from 'sinon';
import { PlexTvClient, type PlexTvClientOptions } from '../../src/lib/plex-tv-client';
import { PlexTvError } from '../../src/lib/errors';
import { DOUBLE_TOKEN, PlexTvDouble } from '../double/plex-tv-double';

export const CLIENT_ID = '0d2b5f4c-2c41-4f3a-9d7e-6a1f0c9e8b11';

/** The PlexTvError a call rejects with; fails the test when it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<PlexTvError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PlexTvError, `expected a PlexTvError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

export interface ClientEnv {
  /** The plex.tv double of the current test. */
  double: PlexTvDouble;
  /** The client `make` built last. */
  client: PlexTvClient;
  /** A client of the double's token, client id and URL, without retries unless told. */
  make(options?: Partial<PlexTvClientOptions>): PlexTvClient;
}

/** Mocha hooks for client specs: a fresh double per test; the client, sinon and the double cleaned up after. */
export function useClientWithDouble(
  defaults: () => Partial<PlexTvClientOptions> = () => ({}),
): ClientEnv {
  const env = {
    make(options: Partial<PlexTvClientOptions> = {}) {
      env.client = new PlexTvClient({
        token: DOUBLE_TOKEN,
        clientIdentifier: CLIENT_ID,
        baseUrl: env.double.url,
        retries: 0,
        ...defaults(),
        ...options,
      });
      return env.client;
    },
  } as ClientEnv;
  beforeEach(async () => {
    env.double = new PlexTvDouble();
    await env.double.start();
  });
  afterEach(async () => {
    sinon.restore();
    env.client?.close();
    await env.double.stop();
  });
  return env;
}
