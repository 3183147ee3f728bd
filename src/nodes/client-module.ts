/**
 * The plex.tv client module, loaded on first use rather than when Node-RED loads the
 * package: axios and sax under it take tens of ms to require, which every Node-RED start
 * would pay even with no plex-account in any flow.
 */
export function clientModule(): typeof import('../lib/plex-tv-client') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../lib/plex-tv-client') as typeof import('../lib/plex-tv-client');
}
