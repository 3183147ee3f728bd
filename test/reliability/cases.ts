import accountNode from '../../src/nodes/plex-account';
import removePinNode from '../../src/nodes/plex-remove-pin';
import { KIDS, USER_ID_SHAPES } from './shapes';
import type { NodeCase } from './support';

/**
 * The action nodes the suite runs every table against. A new node is one more entry:
 * its module, a message that succeeds, its inputs with their shapes, its secrets.
 */
export const NODE_CASES: NodeCase[] = [
  {
    type: 'plex-remove-pin',
    modules: [accountNode, removePinNode],
    good: () => ({ payload: KIDS, topic: 'remove' }),
    refused: () => ({ payload: 999 }),
    inputs: [
      {
        name: 'user id',
        message: (payload) => ({ payload }),
        invalidCode: 'INVALID_USER_ID',
        shapes: USER_ID_SHAPES,
      },
    ],
    secrets: [],
    xmlAnswer: (users) => users,
    jsonAnswer: (user) => JSON.stringify(user),
    path: new RegExp(`^/api/v2/home/users/restricted/${KIDS}$`),
  },
];
