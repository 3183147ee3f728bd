import type { NodeAPI } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { pickerUsers } from '../lib/home-users';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { accountRoute, answerAbout, needsWrite } from './admin-route';
import { clientModule } from './client-module';

/** Where the editor's user picker asks for a Home's managed users. */
export const USER_PICKER_PATH = '/plex-account/users';
/** What a request may hold for the deployed account; anything else is a pending setting. */
const DEPLOYED_FIELDS = new Set(['id', 'refresh']);

/**
 * What a picker lists, from a client: the deployed account's (`pending` false: from its
 * caches, fresh with `refresh`) or a temporary one made of pending settings. Resolves with the
 * body of a 200 answer, which must hold no secret.
 */
export type PickerList = (
  client: PlexTvClient,
  options: { refresh: boolean; pending: boolean; signal: AbortSignal },
) => Promise<unknown>;

/**
 * The admin endpoint behind the editor's user picker. POST `{ id }` lists the managed users
 * of the deployed account `id` from its Home users cache, `{ id, refresh: true }` asks
 * plex.tv again (at most once per 10 s per account). It answers `{ users: [{ id, title,
 * protected }] }` or `{ error: { code, message } }`, never the token.
 *
 * Anything else in the body is the editor's pending (not yet deployed) settings: `{ id,
 * token, baseUrl, clientIdentifier, product }`. Those make the server send a token of the
 * caller's choosing to a host of the caller's choosing, so they need `plex-account.write`
 * (the permission that can deploy such an account anyway); a reader gets 403 and nothing is
 * requested from any host. A stored token is only ever used with its own deployed settings.
 */
export function registerUserPicker(RED: NodeAPI): void {
  const texts = {
    needsWrite: 'plex-account.errors.needs-write',
    failed: 'plex-account.errors.picker-failed',
  };
  registerPicker(RED, USER_PICKER_PATH, texts, async (client, { refresh, pending, signal }) => {
    const { users } = await (pending
      ? client.listHomeUsers({ signal })
      : refresh
        ? client.refreshHomeUsers({ signal })
        : client.cachedHomeUsers({ signal }));
    return { users: pickerUsers(users) };
  });
}

/**
 * An admin endpoint behind one of the editor's pickers, at `path`, with the user picker's
 * rules (above): `plex-account.read` for the deployed account, `plex-account.write` for
 * pending settings, no caching, a failure answered again for 10 s per account.
 */
export function registerPicker(
  RED: NodeAPI,
  path: string,
  texts: { needsWrite: string; failed: string },
  list: PickerList,
): void {
  /**
   * Each account's last failed list, answered again for a while: a failure is not cached by
   * the client, and the picker must not let anybody who may read make plex.tv hear from us
   * once per call.
   */
  const recentFailures: RecentFailures = new WeakMap();
  const pendingNeedsWrite = needsWrite(RED, () => RED._(texts.needsWrite), DEPLOYED_FIELDS);
  accountRoute(RED, path, pendingNeedsWrite, (body, signal) =>
    answerAbout(RED, body, RED._(texts.failed), (subject) =>
      'pending' in subject
        ? list(subject.pending, { refresh: true, pending: true, signal })
        : deployedList(
            subject.account.getClient(),
            body.refresh === true,
            signal,
            list,
            recentFailures,
          ),
    ),
  );
}

type RecentFailures = WeakMap<PlexTvClient, { at: number; error: PlexTvError }>;

/** The deployed account's list, from its cache or refreshed; a recent failure answers again. */
async function deployedList(
  client: PlexTvClient,
  refresh: boolean,
  signal: AbortSignal,
  list: PickerList,
  recentFailures: RecentFailures,
): Promise<unknown> {
  const now = Date.now();
  const failed = recentFailures.get(client);
  const { HOME_USERS_REFRESH_MS } = clientModule();
  if (failed && now >= failed.at && now - failed.at < HOME_USERS_REFRESH_MS) throw failed.error;
  try {
    return await list(client, { refresh, pending: false, signal });
  } catch (error) {
    // ABORTED is this caller's own doing (the editor went away), not the account's state.
    if (error instanceof PlexTvError && error.code !== 'ABORTED') {
      recentFailures.set(client, { at: now, error });
    }
    throw error;
  }
}
