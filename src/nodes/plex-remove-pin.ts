import type { NodeAPI, Node } from 'node-red';
import { handlePlexAction, readUserId, userProperty } from './plex-action';
import type { PlexRemovePinDef } from './types';

export = function register(RED: NodeAPI): void {
  function PlexRemovePin(this: Node, config: PlexRemovePinDef): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(
      RED,
      config,
      'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
    );
    const texts = {
      busy: RED._('plex-remove-pin.status.removing'),
      done: RED._('plex-remove-pin.status.removed'),
    };

    handlePlexAction(RED, this, config, texts, async (msg, context) => {
      const userId = await readUserId(RED, this, who, msg, context);
      const { user, statusCode } = await context.client.removeManagedUserPin(userId, context);
      return { payload: user, plex: { userId, statusCode }, statusText: user.title ?? '' };
    });
  }

  RED.nodes.registerType('plex-remove-pin', PlexRemovePin);
};
