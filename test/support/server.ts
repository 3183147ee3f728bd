import { PlexServerDouble, type PlexServerDoubleOptions } from '../double/plex-server-double';
import type { PlexTvDouble } from '../double/plex-tv-double';

/**
 * Mocha hooks: a Plex Media Server stand-in for each test, listed in the resources of the
 * plex.tv double `plexTv()` gives (run after that double's own hooks), stopped after the test.
 */
export function useServerDouble(
  plexTv: () => PlexTvDouble,
  options: () => PlexServerDoubleOptions = () => ({}),
): () => PlexServerDouble {
  let server: PlexServerDouble | undefined;
  beforeEach(async () => {
    server = new PlexServerDouble(options());
    await server.start();
    plexTv().resources = [await server.resource()];
  });
  afterEach(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('no server stand-in outside a test');
    return server;
  };
}
