import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { findHomeUser } from '../lib/home-users';
import { parseUserRef } from '../lib/user-id';
import { handlePlexAction, type PlexActionDef } from './plex-action';
import { evaluateUserProperty, userProperty, type TypedInputSetting } from './user-property';

function register(RED: NodeAPI): void {
  function PlexHomeUsers(this: Node, config: register.PlexHomeUsersDef): void {
    RED.nodes.createNode(this, config);
    const filter = userProperty(
      RED,
      { userId: config.filter ?? '', userIdType: config.filterType || 'str' },
      'plex-home-users.errors.unreadable',
    );

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-home-users.status.listing'),
      perform: async (msg, { client, signal }) => {
        const wanted =
          filter.value === '' ? '' : await evaluateUserProperty(RED, this, filter, msg);
        const all = wanted === '' || wanted === undefined || wanted === null;
        // Checked before the request: a bad filter sends nothing.
        const ref = all ? undefined : parseUserRef(wanted);
        const { home, users, statusCode } = await client.listHomeUsers({ signal });
        const plex = { statusCode };
        if (!ref) {
          const status = { text: RED._('plex-home-users.status.count', { count: users.length }) };
          return { payload: users, plex, fields: { home }, status };
        }
        const user =
          'name' in ref ? findHomeUser(users, ref.name) : users.find((u) => u.id === ref.id);
        if (!user) throw new PlexTvError('NOT_FOUND', RED._('plex-home-users.errors.no-such-id'));
        return {
          payload: user,
          plex,
          fields: { home },
          status: { name: user.title || String(user.id) },
        };
      },
    });
  }

  RED.nodes.registerType('plex-home-users', PlexHomeUsers);
}

declare namespace register {
  /** `filter`: a user reference (title, username or id); empty lists every user. */
  type PlexHomeUsersDef = PlexActionDef & TypedInputSetting<'filter'>;
}

export = register;
