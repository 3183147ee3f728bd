import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { parseUserId } from '../lib/user-id';
import { evaluateProperty, handlePlexAction } from './plex-action';
import type { PlexRemovePinDef } from './types';

export = function register(RED: NodeAPI): void {
  function PlexRemovePin(this: Node, config: PlexRemovePinDef): void {
    RED.nodes.createNode(this, config);
    const property = config.userId ?? 'payload';
    const propertyType = config.userIdType || 'msg';
    const texts = {
      busy: RED._('plex-remove-pin.status.removing'),
      done: RED._('plex-remove-pin.status.removed'),
    };

    handlePlexAction(RED, this, config, texts, async (msg, { client, signal }) => {
      let value: unknown;
      try {
        value = await evaluateProperty(RED, this, property, propertyType, msg);
      } catch {
        throw new PlexTvError(
          'INVALID_USER_ID',
          RED._('plex-remove-pin.errors.unreadable', { property: `${propertyType}.${property}` }),
        );
      }
      const userId = parseUserId(value);
      const { user, statusCode } = await client.removeManagedUserPin(userId, { signal });
      return { payload: user, plex: { userId, statusCode }, statusText: user.title ?? '' };
    });
  }

  RED.nodes.registerType('plex-remove-pin', PlexRemovePin);
};
