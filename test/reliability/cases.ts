import { KIDS, PIN, PIN_SHAPES, USER_ID_SHAPES } from './shapes';
import type { NodeCase, NodeInput } from './support';

const RESTRICTED = new RegExp(`^/api/v2/home/users/restricted/${KIDS}$`);

const userId = (message: NodeInput['message']): NodeInput => ({
  name: 'user id',
  property: 'payload',
  message,
  invalidCode: 'INVALID_USER_ID',
  shapes: USER_ID_SHAPES,
});

/** A node that answers with one user element. */
const oneUser = {
  xmlAnswer: (users: string) => users,
  jsonAnswer: (user: Record<string, unknown>) => JSON.stringify(user),
};

/**
 * The action nodes the suite runs every table against. A new node is one more entry:
 * a message that succeeds, its inputs with their shapes, its secrets.
 */
export const NODE_CASES: NodeCase[] = [
  {
    type: 'plex-remove-pin',
    good: () => ({ payload: KIDS, topic: 'remove' }),
    refused: () => ({ payload: 999 }),
    inputs: [userId((payload) => ({ payload }))],
    secrets: [],
    ...oneUser,
    path: RESTRICTED,
  },
  {
    type: 'plex-set-pin',
    config: { pinSource: 'msg', pinProperty: 'pin' },
    good: () => ({ payload: KIDS, pin: PIN }),
    refused: () => ({ payload: 999, pin: PIN }),
    inputs: [
      userId((payload) => ({ payload, pin: PIN })),
      {
        name: 'PIN',
        property: 'pin',
        message: (pin) => ({ payload: KIDS, pin }),
        invalidCode: 'INVALID_PIN',
        shapes: PIN_SHAPES,
      },
    ],
    secrets: [PIN],
    ...oneUser,
    path: RESTRICTED,
  },
  {
    type: 'plex-home-users',
    config: { filter: '', filterType: 'str' },
    good: () => ({ topic: 'list' }),
    // Its filter reads names and ids like the PIN nodes; its input table is theirs, not repeated.
    inputs: [],
    secrets: [],
    // A list drops a user it cannot read rather than failing, and a single user is no list.
    expectations: {
      'JSON wrapped in a user key': 'BAD_RESPONSE',
      'a user element with no attributes': 'ok',
      'a user element without id': 'ok',
      ...Object.fromEntries(
        ['', '0', '-1', '1.5', '1e400', '0x10', '99999999999999999999', 'NaN', '12 34'].map(
          (id) => [`a user id of "${id}"`, 'ok'],
        ),
      ),
    },
    xmlAnswer: (users) =>
      `<home id="1" name="My Home" guestUserID="9" guestEnabled="0" subscription="1"><users>${users}</users></home>`,
    jsonAnswer: (user) => JSON.stringify({ id: 1, name: 'My Home', users: [user] }),
    path: /^\/api\/v2\/home\/users$/,
  },
];
