import type { NodeAPI } from 'node-red';
import { registerPicker } from './user-picker';

/** Where the editor's server picker asks for an account's Plex Media Servers. */
export const SERVER_PICKER_PATH = '/plex-account/servers';

/**
 * The admin endpoint behind the Server setting's picker, with the user picker's permission
 * rules: `{ id }` lists the owned servers of the deployed account from its ten-minute
 * resources cache, `{ id, refresh: true }` asks plex.tv again (at most once per 10 s), and
 * pending settings need `plex-account.write`. It answers `{ servers: [{ name,
 * clientIdentifier }] }`: never a token, and no server is contacted, only plex.tv.
 */
export function registerServerPicker(RED: NodeAPI): void {
  const texts = {
    needsWrite: 'plex-account.errors.servers-need-write',
    failed: 'plex-account.errors.servers-failed',
  };
  registerPicker(RED, SERVER_PICKER_PATH, texts, async (client, { refresh, signal }) => {
    const servers = await client.servers.owned({ refresh, signal });
    return {
      servers: servers.map(({ name, clientIdentifier }) => ({ name, clientIdentifier })),
    };
  });
}
