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

/** What a client id typed in the editor may hold: a header carries it (the editor makes a UUID). */
export function isClientIdentifier(value: string): boolean {
  return /^[0-9A-Za-z._-]{1,128}$/.test(value);
}

/** The longest name (product, device name) sent in a header. */
export const MAX_HEADER_TEXT = 64;

/**
 * A name as a header can carry it and plex.tv will show it: HTTP sends header values as
 * bytes, and axios silently drops what Node cannot send (emoji, line breaks) while letters
 * beyond ASCII arrive mangled. So accents are folded (`Küche` → `Kuche`), tabs and line
 * breaks become spaces, anything else outside printable ASCII goes, blanks are collapsed and
 * the result cut to MAX_HEADER_TEXT characters. Nothing left: `fallback`.
 */
export function headerText(value: string | undefined, fallback: string): string {
  const text = (value ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, MAX_HEADER_TEXT)
    .trim();
  return text || fallback;
}

/** Whether a token can travel in a header as it is: printable ASCII without blanks, at most 1024 characters. */
export function isHeaderToken(token: string): boolean {
  return /^[\x21-\x7e]{1,1024}$/.test(token);
}

let version: string | undefined;

/** This package's version, read once from its package.json (one or two levels up, built or not). */
function packageVersion(): string {
  if (version !== undefined) return version;
  version = '0.0.0';
  for (const up of ['..', path.join('..', '..')]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require(path.join(__dirname, up, 'package.json')) as {
        name?: unknown;
        version?: unknown;
      };
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
    'X-Plex-Product': headerText(identity.product, IDENTITY_DEFAULTS.product),
    'X-Plex-Version': packageVersion(),
    'X-Plex-Platform': 'Node.js',
    'X-Plex-Platform-Version': process.version,
    'X-Plex-Device': 'Node-RED',
    'X-Plex-Device-Name': headerText(identity.deviceName, IDENTITY_DEFAULTS.deviceName),
  };
  if (identity.clientIdentifier) headers['X-Plex-Client-Identifier'] = identity.clientIdentifier;
  return headers;
}
