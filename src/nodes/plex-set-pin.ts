import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { parsePin } from '../lib/user-id';
import {
  deleteMessageProperty,
  handlePlexAction,
  type PlexActionDef,
  type PlexActionMessage,
} from './plex-action';
import { readUserId, userProperty } from './user-property';

function register(RED: NodeAPI): void {
  function PlexSetPin(
    this: Node<register.PlexSetPinCredentials>,
    config: register.PlexSetPinDef,
  ): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(RED, config, 'plex-set-pin.errors.unreadable');
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
    const set = RED._('plex-set-pin.status.set');

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

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-set-pin.status.setting'),
      prepare: takePin,
      perform: async (msg, context) => {
        const pin = context.prepared;
        const userId = await readUserId(RED, this, who, msg, context);
        const { user, statusCode } = await context.client.setManagedUserPin(userId, pin, context);
        const status = { text: set, name: user.title || String(user.id) };
        return { payload: user, plex: { userId, statusCode }, status };
      },
    });
  }

  RED.nodes.registerType<
    Node<register.PlexSetPinCredentials>,
    register.PlexSetPinDef,
    unknown,
    register.PlexSetPinCredentials
  >('plex-set-pin', PlexSetPin, { credentials: { pin: { type: 'password' } } });
}

declare namespace register {
  interface PlexSetPinDef extends PlexActionDef {
    /** The user typed input: an id or a name, `msg.payload` by default. */
    userId: string;
    userIdType: string;
    /** `node`: the node's own `pin` credential; `msg`: the msg property named by pinProperty. */
    pinSource: 'node' | 'msg';
    pinProperty: string;
  }

  interface PlexSetPinCredentials {
    pin?: string;
  }
}

export = register;
