import { PlexTvError } from './errors';
import type { PlexUser } from './plex-user';
import { fold } from './text';

/** What the editor's user picker may learn about a user: no e-mail, no avatar, no token. */
export interface PickerUser {
  id: number;
  title: string;
  protected: boolean | null;
}

/**
 * The one user a name means: titles first, then usernames, both compared without regard to
 * case. None is NOT_FOUND, two or more is AMBIGUOUS_USER. The name is not echoed.
 */
export function findHomeUser(users: readonly PlexUser[], name: string): PlexUser {
  const wanted = fold(name);
  for (const key of ['title', 'username'] as const) {
    const matches = users.filter((user) => {
      const value = user[key];
      return typeof value === 'string' && value !== '' && fold(value) === wanted;
    });
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      const ids = matches.map((user) => user.id).join(', ');
      throw new PlexTvError(
        'AMBIGUOUS_USER',
        `${matches.length} Plex Home users have that ${key} (ids ${ids}): give the id instead`,
      );
    }
  }
  throw new PlexTvError('NOT_FOUND', 'No Plex Home user has that title or username');
}

/** The managed users of a Home, reduced to what the editor's picker shows. */
export function pickerUsers(users: readonly PlexUser[]): PickerUser[] {
  return users
    .filter((user) => user.restricted === true)
    .map((user) => ({ id: user.id, title: user.title ?? '', protected: user.protected ?? null }));
}
