import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { parsePin } from '../lib/user-id';
import {
  deleteMessageProperty,
  handlePlexAction,
  readUserId,
  userProperty,
  type PlexActionMessage,
} from './plex-action';
import type { PlexSetPinCredentials, PlexSetPinDef } from './types';

export = function register(RED: NodeAPI): void {
  function PlexSetPin(this: Node<PlexSetPinCredentials>, config: PlexSetPinDef): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(
      RED,
      config,
      'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
    );
    const fromMsg = config.pinSource === 'msg';
    const pinProperty = (config.pinProperty ?? '').trim() || 'pin';
    // The node's own PIN is read once; a missing or malformed one fails each message alike.
    let nodePin: string | PlexTvError;
    try {
      nodePin = parsePin(this.credentials?.pin);
    } catch (error) {
      nodePin = this.credentials?.pin
        ? (error as PlexTvError)
        : new PlexTvError('INVALID_PIN', RED._('plex-set-pin.errors.no-pin'));
    }
    const texts = {
      busy: RED._('plex-set-pin.status.setting'),
      done: RED._('plex-set-pin.status.set'),
    };

    /** The PIN for this message; a msg PIN is taken off the msg before anything else happens. */
    const takePin = (msg: PlexActionMessage): string => {
      if (!fromMsg) {
        if (nodePin instanceof PlexTvError) throw nodePin;
        return nodePin;
      }
      let value: unknown;
      try {
        value = RED.util.getMessageProperty(msg, pinProperty);
        deleteMessageProperty(RED, msg, pinProperty);
      } catch {
        throw new PlexTvError(
          'INVALID_PIN',
          RED._('plex-set-pin.errors.unreadable-pin', { property: `msg.${pinProperty}` }),
        );
      }
      return parsePin(value);
    };

    handlePlexAction(
      RED,
      this,
      config,
      texts,
      async (msg, context) => {
        const userId = await readUserId(RED, this, who, msg, context);
        const { client, prepared: pin } = context;
        const { user, statusCode } = await client.setManagedUserPin(userId, pin, context);
        return { payload: user, plex: { userId, statusCode }, statusText: user.title ?? '' };
      },
      takePin,
    );
  }

  RED.nodes.registerType<
    Node<PlexSetPinCredentials>,
    PlexSetPinDef,
    unknown,
    PlexSetPinCredentials
  >('plex-set-pin', PlexSetPin, { credentials: { pin: { type: 'password' } } });
};
