import { PlexTvError } from './errors';

/**
 * Accepts https URLs, and http URLs of this machine only (127.0.0.0/8, ::1, localhost: a
 * local double or proxy), without credentials, query or fragment; returns it without a
 * trailing slash. Anything else is NOT_CONFIGURED: over plain http to another host, the
 * token would cross the network readable by anyone on the way.
 */
export function normaliseBaseUrl(value: string, what = 'The plex.tv base URL'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw notConfigured(`${what} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw notConfigured(`${what} must start with https://`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw notConfigured(
      `${what} must start with https:// (http:// only for this machine: 127.0.0.1, ::1, localhost)`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw notConfigured(`${what} must not contain a user name, password, query or fragment`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Whether normaliseBaseUrl takes `value`: https, or http to this machine, nothing more in it. */
export function isAllowedBaseUrl(value: string): boolean {
  try {
    normaliseBaseUrl(value);
    return true;
  } catch {
    return false;
  }
}

/** Whether a URL's hostname (as URL writes it: IPv6 in brackets) names this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host (and port) a base URL sends the token to, for messages and warnings. */
export function tokenHost(baseUrl: string): string {
  return new URL(baseUrl).host;
}

/** Whether a base URL is plex.tv itself (or one of its subdomains). */
export function isPlexTvHost(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.toLowerCase();
  return host === 'plex.tv' || host.endsWith('.plex.tv');
}

function notConfigured(message: string): PlexTvError {
  return new PlexTvError('NOT_CONFIGURED', message);
}
