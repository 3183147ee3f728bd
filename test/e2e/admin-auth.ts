import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { PlexTvDouble } from '../double/plex-tv-double';
import { adminApi } from '../../scripts/node-red-runtime';
import { startChecksHeard, type Runtime } from './support';

/**
 * Node-RED's `adminAuth` for the permission tests: two admins who may do anything, a viewer
 * who may only read, and anonymous users refused or given `read`; and the account they test
 * the plex-account routes on.
 */

/** The client id of the deployed account `acc`. */
export const CLIENT_ID = '3b7f0c1e-9a4d-4e2b-8c6f-1d2e3f4a5b6c';

const PASSWORDS = {
  admin: 'admin-password-5e1f',
  other: 'other-password-3a7b',
  viewer: 'viewer-password-9c2d',
};

/** The bcrypt Node-RED itself checks passwords with. */
const bcrypt = createRequire(require.resolve('@node-red/editor-api'))('bcryptjs') as {
  hashSync(password: string, rounds: number): string;
};

export function adminAuth(anonymous: 'none' | 'read'): Record<string, unknown> {
  return {
    type: 'credentials',
    users: [
      { username: 'admin', password: bcrypt.hashSync(PASSWORDS.admin, 8), permissions: '*' },
      { username: 'other', password: bcrypt.hashSync(PASSWORDS.other, 8), permissions: '*' },
      { username: 'viewer', password: bcrypt.hashSync(PASSWORDS.viewer, 8), permissions: 'read' },
    ],
    ...(anonymous === 'read' ? { default: { permissions: 'read' } } : {}),
  };
}

/** Signs in through the Admin API as the editor does; returns the Authorization header. */
export async function signIn(
  url: string,
  user: keyof typeof PASSWORDS,
): Promise<Record<string, string>> {
  const answer = await adminApi<{ access_token: string }>(url, 'POST', '/auth/token', {
    client_id: 'node-red-editor',
    grant_type: 'password',
    scope: '',
    username: user,
    password: PASSWORDS[user],
  });
  assert.ok(answer.access_token, `${user} signed in`);
  return { Authorization: `Bearer ${answer.access_token}` };
}

/** A POST to an admin route, its answer read whatever the status (`B`: what its body holds). */
export async function postAdmin<B = Record<string, unknown>>(
  url: string,
  route: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{
  status: number;
  cacheControl: string | null;
  text: string;
  body: B;
}> {
  const response = await fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    text,
    body: (text.startsWith('{') ? JSON.parse(text) : {}) as B,
  };
}

/**
 * Deploys, as `admin` (its Authorization header), the plex-account `acc` on the plex.tv double
 * `double` with `token` and the `settings` given besides, and waits for its check at start.
 */
export async function deployAccount(
  runtime: Runtime,
  admin: Record<string, string>,
  double: PlexTvDouble,
  token: string,
  settings: Record<string, unknown> = {},
): Promise<void> {
  await runtime.nodeRed.deploy(
    [
      { id: 'e2e0000000000002', type: 'tab', label: 'permissions' },
      {
        id: 'acc',
        type: 'plex-account',
        name: 'account',
        clientIdentifier: CLIENT_ID,
        product: 'Node-RED',
        baseUrl: double.url,
        ...settings,
        credentials: { token },
      },
    ],
    30_000,
    admin,
  );
  await startChecksHeard(double, 1);
}
