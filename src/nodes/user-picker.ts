import type { NodeAPI } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { pickerUsers } from '../lib/home-users';
import type { PlexTvClient } from '../lib/plex-tv-client';
import {
  accountRoute,
  failureOf,
  hasFieldsBeyond,
  needsWrite,
  subjectOf,
  type Answer,
  type Subject,
} from './admin-route';
import { clientModule } from './client-module';

/** Where the editor's user picker asks for a Home's managed users. */
export const USER_PICKER_PATH = '/plex-account/users';
/** What a request may hold for the deployed account; anything else is a pending setting. */
const DEPLOYED_FIELDS = new Set(['id', 'refresh']);
/**
 * Each account's last failed list, answered again for a while: a failure is not cached by
 * the client, and the picker must not let anybody who may read make plex.tv hear from us
 * once per call.
 */
const recentFailures = new WeakMap<PlexTvClient, { at: number; error: PlexTvError }>();

/**
 * The admin endpoint behind the editor's user picker. POST `{ id }` lists the managed users
 * of the deployed account `id` from its Home users cache, `{ id, refresh: true }` asks
 * plex.tv again (at most once per 10 s per account). It answers `{ users: [{ id, title,
 * protected }] }` or `{ error: { code, message } }`, never the token.
 *
 * Anything else in the body is the editor's pending (not yet deployed) settings: `{ id,
 * token, baseUrl, clientIdentifier, product, deviceName }`. Those make the server send a token of the
 * caller's choosing to a host of the caller's choosing, so they need `plex-account.write`
 * (the permission that can deploy such an account anyway); a reader gets 403 and nothing is
 * requested from any host. A stored token is only ever used with its own deployed settings.
 */
export function registerUserPicker(RED: NodeAPI): void {
  accountRoute(
    RED,
    USER_PICKER_PATH,
    needsWrite(
      RED,
      () => RED._('plex-account.errors.needs-write'),
      (body) => hasFieldsBeyond(body, DEPLOYED_FIELDS),
    ),
    (body, signal) => listForPicker(RED, body, signal),
  );
}

async function listForPicker(
  RED: NodeAPI,
  request: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Answer> {
  let subject: Subject | Answer | undefined;
  try {
    subject = subjectOf(RED, request, {
      badId: RED._('plex-account.errors.bad-id'),
      notDeployed: RED._('plex-account.errors.not-deployed'),
    });
    if ('status' in subject) return subject;
    const { users } =
      'pending' in subject
        ? await subject.pending.listHomeUsers({ signal })
        : await deployedUsers(subject.account.getClient(), request.refresh === true, signal);
    return { status: 200, body: { users: pickerUsers(users) } };
  } catch (error) {
    return failureOf(error, RED._('plex-account.errors.picker-failed'));
  } finally {
    if (subject && 'pending' in subject) subject.pending.close();
  }
}

/** The deployed account's list, from its cache or refreshed; a recent failure answers again. */
async function deployedUsers(
  client: PlexTvClient,
  refresh: boolean,
  signal: AbortSignal,
): ReturnType<PlexTvClient['cachedHomeUsers']> {
  const now = Date.now();
  const failed = recentFailures.get(client);
  const { HOME_USERS_REFRESH_MS } = clientModule();
  if (failed && now >= failed.at && now - failed.at < HOME_USERS_REFRESH_MS) throw failed.error;
  try {
    return await (refresh
      ? client.refreshHomeUsers({ signal })
      : client.cachedHomeUsers({ signal }));
  } catch (error) {
    // ABORTED is this caller's own doing (the editor went away), not the account's state.
    if (error instanceof PlexTvError && error.code !== 'ABORTED') {
      recentFailures.set(client, { at: now, error });
    }
    throw error;
  }
}
