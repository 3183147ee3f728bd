import type { ChildSetup } from './protocol';

/**
 * The two Node-RED flows the benchmark compares. Both start at the node with id `entry`
 * and end in junction nodes `sink` (results) and `errors`, where the driver listens.
 */

export interface BenchFlow {
  flows: Array<Record<string, unknown>>;
  credentials: Record<string, Record<string, string>>;
}

const TAB = { id: 'tab', type: 'tab', label: 'bench' };
const SINKS = [
  { id: 'sink', z: 'tab', type: 'junction', wires: [] },
  { id: 'errors', z: 'tab', type: 'junction', wires: [] },
];

/** plex-remove-pin with its account: what a user of this package wires. */
export function oursFlow(setup: ChildSetup): BenchFlow {
  return {
    flows: [
      TAB,
      {
        id: 'acc',
        type: 'plex-account',
        name: 'bench',
        clientIdentifier: setup.clientIdentifier,
        product: 'Node-RED',
        baseUrl: setup.baseUrl,
        timeout: 10_000,
        retries: 2,
        maxConcurrent: setup.concurrency,
      },
      {
        id: 'entry',
        z: 'tab',
        type: 'plex-remove-pin',
        name: '',
        account: 'acc',
        userId: 'payload',
        userIdType: 'msg',
        wires: [['sink'], ['errors']],
      },
      ...SINKS,
    ],
    credentials: { acc: { token: setup.token } },
  };
}

/** Types the user's attributes as plex-remove-pin does: numbers for id/updatedAt, booleans for flags. */
const TYPE_USER = `(
  $a := payload.user.\`$\`;
  $merge([$a, {
    "id": $number($a.id),
    "updatedAt": $number($a.updatedAt),
    "hasPassword": $a.hasPassword = "1",
    "restricted": $a.restricted = "1",
    "admin": $a.admin = "1",
    "guest": $a.guest = "1",
    "protected": $a.protected = "1"
  }])
)`;

/**
 * change -> http request -> xml -> change: the same request with the same headers, and the
 * same output object, built from core nodes. Keep-alive is on (the http request node's
 * "persist" option), as a careful user would set it; the driver bounds what is in flight.
 */
export function diyFlow(setup: ChildSetup): BenchFlow {
  const headers = {
    Accept: 'application/xml',
    'X-Plex-Token': setup.token,
    'X-Plex-Product': 'Node-RED',
    'X-Plex-Client-Identifier': setup.clientIdentifier,
  };
  const base = `${setup.baseUrl}/api/v2/home/users/restricted/`;
  return {
    flows: [
      TAB,
      {
        id: 'entry',
        z: 'tab',
        type: 'change',
        name: 'build request',
        rules: [
          { t: 'set', p: 'plex.userId', pt: 'msg', to: 'payload', tot: 'msg' },
          {
            t: 'set',
            p: 'url',
            pt: 'msg',
            to: `"${base}" & payload & "?removePin=1"`,
            tot: 'jsonata',
          },
          { t: 'set', p: 'headers', pt: 'msg', to: JSON.stringify(headers), tot: 'json' },
          { t: 'delete', p: 'payload', pt: 'msg' },
        ],
        wires: [['request']],
      },
      {
        id: 'request',
        z: 'tab',
        type: 'http request',
        name: '',
        method: 'POST',
        ret: 'txt',
        paytoqs: 'ignore',
        url: '',
        tls: '',
        persist: true,
        proxy: '',
        insecureHTTPParser: false,
        authType: '',
        senderr: false,
        headers: [],
        wires: [['parse']],
      },
      {
        id: 'parse',
        z: 'tab',
        type: 'xml',
        name: '',
        property: 'payload',
        attr: '',
        chr: '',
        wires: [['shape']],
      },
      {
        id: 'shape',
        z: 'tab',
        type: 'change',
        name: 'shape output',
        rules: [
          { t: 'set', p: 'plex.statusCode', pt: 'msg', to: 'statusCode', tot: 'msg' },
          { t: 'set', p: 'payload', pt: 'msg', to: TYPE_USER, tot: 'jsonata' },
          // The request headers hold the token: they must not travel on with the message.
          { t: 'delete', p: 'headers', pt: 'msg' },
          { t: 'delete', p: 'statusCode', pt: 'msg' },
          { t: 'delete', p: 'responseUrl', pt: 'msg' },
          { t: 'delete', p: 'redirectList', pt: 'msg' },
          { t: 'delete', p: 'retry', pt: 'msg' },
          { t: 'delete', p: 'url', pt: 'msg' },
        ],
        wires: [['sink']],
      },
      ...SINKS,
    ],
    credentials: {},
  };
}
