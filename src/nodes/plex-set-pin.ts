import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { parsePin } from '../lib/user-id';
import {
  handlePlexAction,
  type PlexActionDef,
  type PlexActionMessage,
  type Prepared,
} from './plex-action';
import { takeMessageProperty } from './take-property';
import { readUserId, userProperty, type UserSetting } from './user-property';

function register(RED: NodeAPI): void {
  function PlexSetPin(
    this: Node<register.PlexSetPinCredentials>,
    config: register.PlexSetPinDef,
  ): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(RED, config);
    const fromMsg = config.pinSource === 'msg';
    const pinProperty = (config.pinProperty ?? '').trim().replace(/^msg\./, '') || 'pin';
    // The node's own PIN is read once; a missing or malformed one fails each message alike.
    let nodePin: TakenPin;
    try {
      nodePin = { value: parsePin(this.credentials?.pin) };
    } catch (error) {
      nodePin = {
        error: this.credentials?.pin
          ? (error as PlexTvError)
          : new PlexTvError('INVALID_PIN', RED._('plex-set-pin.errors.no-pin')),
      };
    }
    const set = RED._('plex-set-pin.status.set');

    /**
     * Takes a msg PIN off the message before anything else happens; it is checked later,
     * after the account, so that a missing account is the problem reported.
     */
    const takePin = (msg: PlexActionMessage): Prepared<TakenPin> => {
      if (!fromMsg) return { msg, prepared: nodePin };
      const taken = takeMessageProperty(RED, msg, pinProperty);
      const prepared = taken.unreadable
        ? {
            error: new PlexTvError(
              'INVALID_PIN',
              RED._('plex-set-pin.errors.unreadable-pin', { property: `msg.${pinProperty}` }),
            ),
          }
        : { value: taken.value };
      return { msg: taken.msg as PlexActionMessage, prepared };
    };

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-set-pin.status.setting'),
      prepare: takePin,
      perform: async (msg, context) => {
        // The value is the caller's: only parsePin looks at it (a Proxy's traps may throw).
        if ('error' in context.prepared) throw context.prepared.error;
        const pin = parsePin(context.prepared.value);
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
  interface PlexSetPinDef extends PlexActionDef, UserSetting {
    /** `node`: the node's own `pin` credential; `msg`: the msg property named by pinProperty. */
    pinSource: 'node' | 'msg';
    pinProperty: string;
  }

  interface PlexSetPinCredentials {
    pin?: string;
  }
}

/** The PIN as taken for one message, not yet checked, or why there is none. */
type TakenPin = { value: unknown } | { error: PlexTvError };

export = register;
