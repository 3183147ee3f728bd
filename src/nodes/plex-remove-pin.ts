import type { NodeAPI, Node } from 'node-red';
import { handlePlexAction, type PlexActionDef } from './plex-action';
import { readUserId, userProperty, type UserSetting } from './user-property';

function register(RED: NodeAPI): void {
  function PlexRemovePin(this: Node, config: register.PlexRemovePinDef): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(RED, config);
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
  type PlexRemovePinDef = PlexActionDef & UserSetting;
}

export = register;
