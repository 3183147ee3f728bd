import { SERVER_TOKEN } from '../double/plex-server-double';
import { KIDS, PIN, PIN_SHAPES, USER_ID_SHAPES } from './shapes';
import { currentServer, type NodeCase, type NodeInput } from './support';

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

/** Where a stream node's own request goes: the media server's sessions list. */
const SESSIONS = /^\/status\/sessions$/;

/** The server as plex.tv's resources list it, pointing at this test's stand-in. */
const serverFields = () => ({
  name: 'Home Server',
  provides: 'server',
  owned: '1',
  clientIdentifier: currentServer().machineIdentifier,
  accessToken: SERVER_TOKEN,
});

/** One Kids episode playing, as `/status/sessions` lists it. */
const KIDS_STREAM = {
  sessionKey: '11',
  type: 'episode',
  title: 'Sleepytime',
  grandparentTitle: 'Bluey',
};
const KIDS_PARTS = {
  User: { id: String(KIDS), title: 'Kids' },
  Player: { title: 'Living Room TV', platform: 'Roku', state: 'playing' },
  Session: { id: 'kids-living-room-1' },
};
const attributes = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key}="${value}"`)
    .join(' ');

/**
 * A stream node's answers: plex.tv's resources list (the `user` elements inside the server's
 * resource, where they are read and ignored) and the server's sessions list (inside the Kids
 * episode). A list drops what it cannot read rather than failing, as the Home users list does.
 */
const streamNode = {
  path: /^\/api\/v2\/resources$/,
  xmlAnswer: (users: string) =>
    `<resources><resource ${attributes(serverFields())}><connections>` +
    `<connection uri="${currentServer().url}" local="1" relay="0"/></connections>${users}</resource></resources>`,
  jsonAnswer: (user: Record<string, unknown>) =>
    JSON.stringify([
      {
        ...serverFields(),
        owned: true,
        connections: [{ uri: currentServer().url, local: true, relay: false }],
        extra: user,
      },
    ]),
  secrets: [SERVER_TOKEN],
};
const listsDrop = {
  'a user element with no attributes': 'ok',
  'a user element without id': 'ok',
  ...Object.fromEntries(
    ['', '0', '-1', '1.5', '1e400', '0x10', '99999999999999999999', 'NaN', '12 34'].map((id) => [
      `a user id of "${id}"`,
      'ok',
    ]),
  ),
};
const mediaServer = {
  path: SESSIONS,
  xmlAnswer: (users: string) =>
    `<MediaContainer size="1"><Video ${attributes(KIDS_STREAM)}>` +
    `<User ${attributes(KIDS_PARTS.User)}/><Player ${attributes(KIDS_PARTS.Player)}/>` +
    `<Session ${attributes(KIDS_PARTS.Session)}/>${users}</Video></MediaContainer>`,
  jsonAnswer: (user: Record<string, unknown>) =>
    JSON.stringify({
      MediaContainer: { size: 1, Metadata: [{ ...KIDS_STREAM, ...KIDS_PARTS, extra: user }] },
    }),
  expectations: {
    ...listsDrop,
    // A media server's 404 is a plain not found: no plex.tv front layer to have an outage.
    '404 with HTML (an outage)': 'NOT_FOUND',
    '404 with no body (an outage)': 'NOT_FOUND',
    'JSON wrapped in a user key': 'BAD_RESPONSE',
  },
};
/** What plex.tv's resources list means to a stream node, where it differs from a user answer. */
const resourcesExpectations = {
  ...listsDrop,
  'JSON wrapped in a user key': 'BAD_RESPONSE',
  // An array of no device: the account owns no server.
  'a JSON array': 'NOT_FOUND',
};

/** A stream node's user input: the PIN nodes' shapes; what they accept ends in a sessions list. */
const streamUser = (blankIsEverybody: boolean): NodeInput => ({
  name: 'user',
  property: 'payload',
  message: (payload) => ({ payload }),
  invalidCode: 'INVALID_USER_ID',
  shapes: USER_ID_SHAPES.map((shape) => {
    const blank = ['undefined', 'null', 'an empty string', 'blanks only'].includes(shape.what);
    return shape.accepts !== undefined || (blankIsEverybody && blank)
      ? { ...shape, accepts: '/status/sessions' }
      : shape;
  }),
});

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
  {
    type: 'plex-sessions',
    config: { server: '' },
    good: () => ({ payload: '' }),
    inputs: [streamUser(true)],
    ...streamNode,
    expectations: resourcesExpectations,
    mediaServer,
  },
  {
    type: 'plex-stop-streams',
    config: { server: '', reason: 'Bedtime', reasonType: 'str' },
    good: () => ({ payload: KIDS }),
    inputs: [streamUser(false)],
    ...streamNode,
    expectations: resourcesExpectations,
    mediaServer,
  },
];
