import assert from 'node:assert/strict';
import net from 'node:net';
import { BODIES, DOUBLE_TOKEN, PlexTvDouble, type Fault } from '../double/plex-tv-double';
import { helper } from '../support/flow';
import { NODE_CASES } from './cases';
import { KIDS, PIN } from './shapes';
import {
  useDouble,
  targets,
  type Target,
  checkInvariants,
  completed,
  figures,
  loadCase,
  outcomeOf,
  sendTagged,
  measureBlock,
  tally,
  type NodeCase,
} from './support';

const TIMEOUT_MS = 400;
const TEN_MB = 10 * 1024 * 1024;
const KIDS_XML = `<user id="${KIDS}" uuid="0000000000bc614e" title="Kids" restricted="1" protected="0"/>`;
const LAUGHS =
  '<!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from(
    { length: 9 },
    (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`,
  ).join('') +
  ']>';

interface Context {
  /** The stand-in whose answer is replaced (plex.tv, or the media server). */
  double: PlexTvDouble;
  /** A second server, standing for any host that is not plex.tv. */
  other: PlexTvDouble;
  /** The token of the requests it receives. */
  token: string;
  /** The request whose answer is replaced. */
  path: RegExp;
}

/** One way plex.tv (or whatever stands in its place) can answer, and what the node must make of it. */
interface Answer {
  what: string;
  fault?: (nodeCase: Pick<NodeCase, 'xmlAnswer' | 'jsonAnswer'>, context: Context) => Fault;
  /** Another place to send the request to, for answers that are no HTTP at all. */
  baseUrl?: () => Promise<string>;
  /** The account's timeout for this answer, when the default would cut it short. */
  timeout?: number;
  /** Retries for this answer (each retry gets the same fault); none by default. */
  retries?: number;
  /** A body built to make parsing slow: its longest event-loop block is printed. */
  hostile?: true;
  /** The error code on output 2 (or in done(err)), or 'ok' for output 1. */
  expect: string;
  check?: (output: string, context: Context) => void;
}

function status(status: number, body = '', headers?: Record<string, string>): Fault {
  return { kind: 'status', status, body, headers };
}

function created(body: string, contentType = 'application/xml'): Fault {
  return { kind: 'status', status: 201, body, contentType };
}

/** A port that refuses connections: bound, then closed, so nothing else listens on it. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const ANSWERS: Answer[] = [
  // Every status class.
  {
    what: '103 Early Hints, then the answer',
    fault: () => ({ kind: 'informational' }),
    expect: 'ok',
  },
  { what: '200 with the user', fault: (c) => status(200, c.xmlAnswer(KIDS_XML)), expect: 'ok' },
  { what: '202 with no body', fault: () => status(202), expect: 'BAD_RESPONSE' },
  { what: '204 No Content', fault: () => status(204), expect: 'BAD_RESPONSE' },
  ...[301, 302, 307, 308].map<Answer>((code) => ({
    what: `${code} to another host`,
    fault: (_c, { other }) => status(code, '', { Location: `${other.url}/steal` }),
    expect: 'HTTP_ERROR',
    check: (_output, { other }) =>
      assert.equal(other.requests.length, 0, 'the redirect is not followed'),
  })),
  { what: '304 Not Modified', fault: () => status(304), expect: 'HTTP_ERROR' },
  {
    what: '400 with a JSON error',
    fault: () => status(400, '{"errors":[{"code":1000}]}'),
    expect: 'BAD_REQUEST',
  },
  {
    what: '401 with a plain error',
    fault: () => status(401, BODIES.pleaseSignIn),
    expect: 'UNAUTHORIZED',
  },
  { what: '403 with no body', fault: () => status(403), expect: 'FORBIDDEN' },
  {
    what: '404 with HTML (an outage)',
    fault: () => status(404, BODIES.html),
    expect: 'SERVER_ERROR',
  },
  { what: '404 with no body (an outage)', fault: () => status(404), expect: 'SERVER_ERROR' },
  {
    what: "404 with plex.tv's error",
    fault: () => status(404, BODIES.notFound),
    expect: 'NOT_FOUND',
  },
  { what: '405', fault: () => status(405, 'Method Not Allowed'), expect: 'HTTP_ERROR' },
  { what: '410', fault: () => status(410), expect: 'HTTP_ERROR' },
  { what: '418', fault: () => status(418, '{"error":"teapot"}'), expect: 'HTTP_ERROR' },
  {
    what: '429 with a bad Retry-After',
    fault: () => status(429, BODIES.rateLimitedJson, { 'Retry-After': 'soon' }),
    expect: 'RATE_LIMITED',
  },
  {
    what: '500 with an error that names the token',
    fault: (_c, { token }) =>
      status(500, `<errors><error code="1" message="bad token ${token}"/></errors>`),
    expect: 'SERVER_ERROR',
  },
  { what: '502 with HTML', fault: () => status(502, BODIES.html), expect: 'SERVER_ERROR' },
  {
    what: '503 with Retry-After',
    fault: () => status(503, '', { 'Retry-After': '3600' }),
    expect: 'SERVER_ERROR',
  },
  { what: '504', fault: () => status(504, '<errors>'), expect: 'SERVER_ERROR' },
  { what: '599', fault: () => status(599), expect: 'SERVER_ERROR' },
  { what: '999', fault: () => status(999), expect: 'HTTP_ERROR' },
  // Bodies of a 2xx that do not hold a user.
  { what: 'an empty body', fault: () => created(''), expect: 'BAD_RESPONSE' },
  { what: 'blanks only', fault: () => created(' \r\n\t '), expect: 'BAD_RESPONSE' },
  {
    what: 'truncated XML',
    fault: (c) => created(c.xmlAnswer(KIDS_XML).slice(0, 30)),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'a bare XML declaration',
    fault: () => created('<?xml version="1.0"?>'),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'XML with a DOCTYPE and entity expansion (billion laughs)',
    fault: (c) => created(`${LAUGHS}${c.xmlAnswer(`<user id="${KIDS}" title="&lol9;"/>`)}`),
    expect: 'BAD_RESPONSE',
    check: (output) => assert.ok(!output.includes('lollollol'), 'no entity was expanded'),
  },
  {
    what: 'XML with an external entity',
    fault: (c) =>
      created(
        `<!DOCTYPE user [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${c.xmlAnswer(`<user id="${KIDS}" title="&xxe;"/>`)}`,
      ),
    expect: 'BAD_RESPONSE',
    check: (output) => assert.ok(!output.includes('root:'), 'no file was read'),
  },
  {
    what: 'XML with an unused DOCTYPE',
    fault: (c) => created(`<!DOCTYPE user>${c.xmlAnswer(KIDS_XML)}`),
    expect: 'ok',
  },
  { what: 'a 10 MB body', fault: () => ({ kind: 'huge', bytes: TEN_MB }), expect: 'BAD_RESPONSE' },
  {
    // Bytes written = what the client read (capped at 1 MB) + what the kernel's socket buffers
    // took (several MB on loopback): a 64 MB answer shows the reading stopped far from its end.
    what: 'a 64 MB body',
    fault: () => ({ kind: 'huge', bytes: 64 * 1024 * 1024 }),
    expect: 'BAD_RESPONSE',
    check: (_output, { double }) => {
      const written = double.hugeBytesWritten;
      figures.push(
        `64 MB answer: ${(written / 1024 / 1024).toFixed(1)} MB written before the client hung up`,
      );
      assert.ok(written < 32 * 1024 * 1024, `${written} bytes written before the client hung up`);
    },
  },
  {
    what: 'nested XML, 100,000 levels',
    fault: () => created(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'nested XML, a megabyte',
    fault: () => created(`${'<a>'.repeat(149_000)}${'</a>'.repeat(149_000)}`),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'a user with 100,000 attributes',
    fault: (c) =>
      created(
        c.xmlAnswer(
          `<user id="${KIDS}" ${Array.from({ length: 100_000 }, (_, i) => `a${i.toString(36)}=""`).join(' ')}/>`,
        ),
      ),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'a user with 200,000 child elements',
    fault: (c) => created(c.xmlAnswer(`<user id="${KIDS}">${'<x/>'.repeat(200_000)}</user>`)),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'a 60 KB comment before the answer',
    fault: (c) => created(`<!--${'x'.repeat(60 * 1024)}-->${c.xmlAnswer(KIDS_XML)}`),
    expect: 'ok',
  },
  {
    what: 'a 900 KB comment before the answer',
    fault: (c) => created(`<!--${'x'.repeat(900 * 1024)}-->${c.xmlAnswer(KIDS_XML)}`),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'a 900 KB title',
    fault: (c) => created(c.xmlAnswer(`<user id="${KIDS}" title="${'K'.repeat(900 * 1024)}"/>`)),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: '900 KB of text in the answer',
    fault: (c) =>
      created(c.xmlAnswer(`<user id="${KIDS}" title="Kids">${'t'.repeat(900 * 1024)}</user>`)),
    expect: 'ok',
    hostile: true,
  },
  {
    what: '503 with a megabyte of nested XML, retried twice',
    fault: () =>
      status(503, `${'<a>'.repeat(149_000)}${'</a>'.repeat(149_000)}`, { 'Retry-After': '0' }),
    retries: 2,
    expect: 'SERVER_ERROR',
    hostile: true,
    check: (_output, { double, path }) =>
      assert.equal(double.requests.filter((r) => path.test(r.path)).length, 3, 'three attempts'),
  },
  {
    what: 'a megabyte of JSON [',
    fault: () => created('['.repeat(1024 * 1024 - 1), 'application/json'),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'JSON with 80,000 keys',
    fault: (c) =>
      created(
        c.jsonAnswer(
          Object.fromEntries([
            ['id', KIDS],
            ...Array.from({ length: 80_000 }, (_, i) => [`k${i}`, '']),
          ]),
        ),
        'application/json',
      ),
    expect: 'BAD_RESPONSE',
    hostile: true,
  },
  {
    what: 'JSON with a 900 KB string',
    fault: (c) =>
      created(
        c.jsonAnswer({ id: KIDS, title: 'Kids', extra: { s: 'x'.repeat(900 * 1024) } }),
        'application/json',
      ),
    expect: 'ok',
    hostile: true,
  },
  {
    what: 'JSON where XML was asked',
    fault: (c) =>
      created(c.jsonAnswer({ id: KIDS, title: 'Kids', restricted: true }), 'application/json'),
    expect: 'ok',
  },
  {
    what: 'JSON wrapped in a user key',
    fault: () => created(JSON.stringify({ user: { id: KIDS } }), 'application/json'),
    expect: 'ok',
  },
  {
    what: 'JSON with a __proto__ key',
    fault: (c) =>
      created(
        c.jsonAnswer(
          JSON.parse(`{"__proto__":{"polluted":"yes"},"id":${KIDS}}`) as Record<string, unknown>,
        ),
        'application/json',
      ),
    expect: 'ok',
    check: (output) => {
      assert.ok(!output.includes('polluted'), 'no prototype key copied');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    },
  },
  {
    what: 'truncated JSON',
    fault: () => created(`{"id":${KIDS},"title":"Ki`, 'application/json'),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'a JSON array',
    fault: () => created(`[${KIDS}]`, 'application/json'),
    expect: 'BAD_RESPONSE',
  },
  { what: 'JSON null', fault: () => created('null', 'application/json'), expect: 'BAD_RESPONSE' },
  {
    what: 'HTML with 200',
    fault: () => ({ kind: 'status', status: 200, body: BODIES.html, contentType: 'text/html' }),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'binary garbage',
    fault: () => created('\u0000\u00ff\ufffd<\u0001>\u0002', 'application/octet-stream'),
    expect: 'BAD_RESPONSE',
  },
  // A user element that is not quite one.
  {
    what: 'a user element with no attributes',
    fault: (c) => created(c.xmlAnswer('<user/>')),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'a user element without id',
    fault: (c) => created(c.xmlAnswer('<user title="Kids" restricted="1"/>')),
    expect: 'BAD_RESPONSE',
  },
  ...['', '0', '-1', '1.5', '1e400', '0x10', '99999999999999999999', 'NaN', '12 34'].map<Answer>(
    (id) => ({
      what: `a user id of "${id}"`,
      fault: (c) => created(c.xmlAnswer(`<user id="${id}" title="Kids"/>`)),
      expect: 'BAD_RESPONSE',
    }),
  ),
  {
    what: 'a user id with blanks',
    fault: (c) => created(c.xmlAnswer(`<user id=" ${KIDS} "/>`)),
    expect: 'ok',
  },
  {
    what: 'attributes with odd values',
    fault: (c) =>
      created(
        c.xmlAnswer(
          `<user id="${KIDS}" updatedAt="soon" protected="maybe" restricted="2" admin="" title="${'K'.repeat(60_000)}" email="&#9;&#x85;&#xfffd;" friendlyName="ℌ𝔢𝔩𝔩𝔬 👋" thumb="javascript:alert(1)" extra=""/>`,
        ),
      ),
    expect: 'ok',
  },
  {
    what: 'a character reference XML forbids',
    fault: (c) => created(c.xmlAnswer(`<user id="${KIDS}" email="&#1;"/>`)),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'attributes named like Object.prototype members',
    fault: (c) =>
      created(
        c.xmlAnswer(
          `<user id="${KIDS}" constructor="x" toString="y" __proto__="w" valueOf="v" isPrototypeOf="u"/>`,
        ),
      ),
    expect: 'ok',
    check: (output) =>
      assert.ok(
        !/"(constructor|toString|valueOf|isPrototypeOf)":/.test(output),
        'no Object.prototype member shadowed on the user',
      ),
  },
  // xml2js stops at a hasOwnProperty attribute followed by another one: a clean refusal.
  {
    what: 'a hasOwnProperty attribute',
    fault: (c) => created(c.xmlAnswer(`<user id="${KIDS}" hasOwnProperty="z" title="x"/>`)),
    expect: 'BAD_RESPONSE',
  },
  {
    what: 'a user that carries the token',
    fault: (c) =>
      created(c.xmlAnswer(`<user id="${KIDS}" title="Kids" authToken="${DOUBLE_TOKEN}"/>`)),
    expect: 'ok',
    check: (output) => assert.ok(!output.includes('authToken'), 'the attribute is dropped by name'),
  },
  {
    what: 'a user that carries its own tokens (a switch answer)',
    fault: (c) =>
      created(
        c.xmlAnswer(
          `<user id="${KIDS}" title="Kids" authenticationToken="own-token-1" accessToken="own-token-2"/>`,
        ),
      ),
    expect: 'ok',
    check: (output) => assert.ok(!output.includes('own-token'), 'no token of any name comes out'),
  },
  {
    what: 'a 400 that echoes the PIN',
    fault: () =>
      status(400, `<errors><error code="1038" message="PIN ${PIN} is not allowed"/></errors>`),
    expect: 'BAD_REQUEST',
  },
  {
    what: 'a user that carries the PIN',
    fault: (c) => created(c.xmlAnswer(`<user id="${KIDS}" title="Kids" pin="${PIN}"/>`)),
    expect: 'ok',
    check: (output) => assert.ok(!/"pin"/.test(output), 'the attribute is dropped by name'),
  },
  // Transport failures.
  { what: 'no answer at all', fault: () => ({ kind: 'hang' }), expect: 'TIMEOUT' },
  {
    what: 'a body that trickles in slower than the timeout',
    fault: () => ({ kind: 'trickle', intervalMs: 50, chunks: 40 }),
    expect: 'TIMEOUT',
  },
  { what: 'a reset before the answer', fault: () => ({ kind: 'reset' }), expect: 'NETWORK' },
  {
    what: 'a reset in the middle of the body',
    fault: () => ({ kind: 'reset-mid-body' }),
    expect: 'NETWORK',
  },
  {
    what: 'bytes that are not HTTP',
    fault: () => ({ kind: 'raw', data: 'SSH-2.0-OpenSSH_9.6\r\n' }),
    expect: 'NETWORK',
  },
  {
    what: 'a body shorter than its Content-Length',
    fault: () => ({
      kind: 'raw',
      data: 'HTTP/1.1 201 Created\r\nContent-Type: application/xml\r\nContent-Length: 500\r\n\r\n<user id="1"/>',
    }),
    expect: 'NETWORK',
  },
  { what: 'connection refused', baseUrl: closedPort, expect: 'NETWORK' },
  // RFC 2606: .invalid never resolves, so no traffic leaves the machine.
  {
    what: 'plain http to a host that is not this machine',
    baseUrl: async () => 'http://plex.invalid',
    expect: 'NOT_CONFIGURED',
  },
  {
    what: 'an address that does not resolve',
    baseUrl: async () => 'https://plex.invalid',
    // Room for a resolver that is slow to say no: the answer must still be NETWORK, not TIMEOUT.
    timeout: 15_000,
    expect: 'NETWORK',
  },
];

describe('reliability: bad answers', () => {
  const currentDouble = useDouble();
  const other = new PlexTvDouble();
  before(() => other.start());
  after(() => other.stop());
  beforeEach(() => other.reset());

  it(`covers at least ${ANSWERS.length} answers`, () => {
    assert.ok(ANSWERS.length >= 40);
  });

  for (const nodeCase of NODE_CASES) {
    const from = nodeCase.mediaServer ? ['plex.tv', 'the server'] : ['plex.tv'];
    for (const [which, source] of from.entries()) {
      for (const answer of ANSWERS) {
        const expectations =
          which === 0 ? nodeCase.expectations : nodeCase.mediaServer?.expectations;
        const expect = expectations?.[answer.what] ?? answer.expect;
        const title = `${nodeCase.type}${which ? ', from the server' : ''}: ${answer.what}`;
        it(`${title} -> ${expect}, output 2 wired and not`, async function () {
          this.timeout(2 * (answer.timeout ?? TIMEOUT_MS) + 20_000);
          const plexTv = currentDouble();
          const target: Target = targets(nodeCase)[which];
          const double = target.double;
          const context = { double, other, token: target.token, path: target.path };
          const moved = answer.baseUrl ? await answer.baseUrl() : undefined;
          const retries = answer.retries ?? 0;
          let block = 0;
          for (const errorWired of [true, false]) {
            plexTv.reset();
            double.reset();
            // An unreachable far end: plex.tv's URL, or the one connection listed for the server.
            const baseUrl = which === 0 ? (moved ?? plexTv.url) : plexTv.url;
            if (which === 1 && moved) {
              plexTv.resources[0].connections = [{ uri: moved, local: true, relay: false }];
            }
            if (answer.fault) {
              const fault = { ...answer.fault(target, context), only: target.path };
              double.inject(fault, retries + 1);
            }
            const flow = await loadCase(nodeCase, plexTv, {
              errorWired,
              account: { baseUrl, timeout: answer.timeout ?? TIMEOUT_MS, retries },
            });
            const msg = nodeCase.good();
            const ms = await measureBlock(`${title}`, async () => {
              const tags = sendTagged(flow, [msg]);
              tally.answers++;
              await completed(flow, 1, (answer.timeout ?? TIMEOUT_MS) + 10_000);
              checkInvariants(flow, tags, { errorWired }, [DOUBLE_TOKEN, ...nodeCase.secrets]);
            });
            block = Math.max(block, ms);
            const tags = new Set([(msg as { rel: string }).rel]);
            if (answer.fault) {
              assert.ok(
                double.requests.some((r) => target.path.test(r.path)),
                `the answer went to a real request (${source})`,
              );
            }
            const { msg: out, code } = outcomeOf(flow, [...tags][0]);
            assert.equal(out, msg, 'the incoming msg is sent on');
            assert.equal(code ?? 'ok', expect, JSON.stringify(out.error));
            const output = flow.everythingSaid();
            assert.ok(
              output.length < 1024 * 1024,
              `what the node said stays small (${output.length} chars)`,
            );
            answer.check?.(output, context);
            await helper.unload();
          }
          if (answer.hostile) {
            figures.push(`${title}: longest event-loop block ${block.toFixed(0)} ms`);
          }
        });
      }
    }
  }
});
