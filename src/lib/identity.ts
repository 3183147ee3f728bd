import path from 'node:path';

/** Who is calling: plex.tv lists the device under these in the account's Authorized Devices. */
export interface Identity {
  /** One fixed UUID per installation (plex.tv lists each new one as a new device). */
  clientIdentifier: string;
  product: string;
  /** The name the device is listed under. */
  deviceName: string;
}

export const IDENTITY_DEFAULTS = { product: 'Node-RED', deviceName: 'Node-RED' } as const;

let version: string | undefined;

/** This package's version, read once from its package.json (one or two levels up, built or not). */
function packageVersion(): string {
  if (version !== undefined) return version;
  version = '0.0.0';
  for (const up of ['..', path.join('..', '..')]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require(path.join(__dirname, up, 'package.json')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'node-red-contrib-plex-home' && typeof pkg.version === 'string') {
        version = pkg.version;
        break;
      }
    } catch {
      // Not there: the other level is.
    }
  }
  return version;
}

/**
 * The identity headers every request sends, built in this one place. A missing client
 * identifier is left out rather than invented: plex.tv answers 400 (1000) and says so.
 */
export function identityHeaders(identity: Identity): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Plex-Product': identity.product || IDENTITY_DEFAULTS.product,
    'X-Plex-Version': packageVersion(),
    'X-Plex-Platform': 'Node.js',
    'X-Plex-Platform-Version': process.version,
    'X-Plex-Device': 'Node-RED',
    'X-Plex-Device-Name': identity.deviceName || IDENTITY_DEFAULTS.deviceName,
  };
  if (identity.clientIdentifier) headers['X-Plex-Client-Identifier'] = identity.clientIdentifier;
  return headers;
}
