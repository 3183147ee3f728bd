import type { NodeAPI, Node } from 'node-red';
import { handlePlexAction, type PlexActionDef } from './plex-action';
import { readUserId, userProperty } from './user-property';

function register(RED: NodeAPI): void {
  function PlexRemovePin(this: Node, config: register.PlexRemovePinDef): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(
      RED,
      config,
      'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
    );
    const removed = RED._('plex-remove-pin.status.removed');

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-remove-pin.status.removing'),
      perform: async (msg, context) => {
        const userId = await readUserId(RED, this, who, msg, context);
        const { user, statusCode } = await context.client.removeManagedUserPin(userId, context);
        const status = { text: removed, name: user.title || String(user.id) };
        return { payload: user, plex: { userId, statusCode }, status };
      },
    });
  }

  RED.nodes.registerType('plex-remove-pin', PlexRemovePin);
}

declare namespace register {
  interface PlexRemovePinDef extends PlexActionDef {
    /** The user typed input: an id or a name, `msg.payload` by default. */
    userId: string;
    userIdType: string;
  }
}

export = register;
