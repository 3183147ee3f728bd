import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PlexTvError } from '../../src/lib/errors';
import { parseUser } from '../../src/lib/plex-user';
import { parseErrorBody, parseJson, parseXml, type XmlElement } from '../../src/lib/response';
import { parsePin, parseUserId, parseUserRef } from '../../src/lib/user-id';
import { DOUBLE_TOKEN } from '../double/plex-tv-double';
import { NODE_CASES } from './cases';
import { hostileProxy } from './shapes';
import {
  useDouble,
  actionTarget,
  checkInvariants,
  completed,
  loadCase,
  outcomeOf,
  sendTagged,
  tally,
} from './support';

/** CI replays one fixed seed; locally every run explores new inputs and prints its seed. */
const SEED = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : process.env.CI === 'true'
    ? 20_261_127
    : Math.floor(Math.random() * 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS) > 0 ? Math.floor(Number(process.env.FUZZ_RUNS)) : 300;
/** Runs that go through Node-RED and real HTTP cost more: a fifth of the pure ones. */
const NODE_RUNS = Math.max(20, Math.floor(RUNS / 5));
const settings = { seed: SEED, numRuns: RUNS };

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join();
const TRICKY_NAMES = [
  'user',
  'errors',
  'error',
  'Response',
  'home',
  'users',
  'id',
  'code',
  'message',
  'status',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '$',
  '_',
  '$$',
  '#name',
];

function assertNoPollution(): void {
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(), PROTOTYPE_KEYS);
  for (const key in {}) assert.fail(`Object.prototype gained an enumerable ${key}`);
}

function assertPlainObject(value: unknown, what: string): asserts value is Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null, `${what} is an object`);
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${what} has Object.prototype`);
}

function assertElement(element: XmlElement, depth = 0): void {
  assertPlainObject(element, 'element');
  assert.equal(typeof element.name, 'string');
  assert.equal(typeof element.text, 'string');
  assertPlainObject(element.attributes, 'attributes');
  for (const value of Object.values(element.attributes)) assert.equal(typeof value, 'string');
  assert.ok(Array.isArray(element.children));
  assert.ok(depth <= 64, 'bounded depth');
  for (const child of element.children) assertElement(child, depth + 1);
}

function assertUser(user: unknown): void {
  if (user === undefined) return;
  assertPlainObject(user, 'user');
  assert.ok(Number.isSafeInteger(user.id) && (user.id as number) > 0, 'a positive id');
  for (const [key, value] of Object.entries(user)) {
    assert.ok(
      !(key in Object.prototype) && key !== 'prototype',
      `no key ${key} shadowing Object.prototype`,
    );
    assert.ok(
      value === null || ['string', 'number', 'boolean'].includes(typeof value),
      `${key} is a plain value`,
    );
  }
}

const name = fc.oneof(
  fc.constantFrom(...TRICKY_NAMES),
  fc.stringMatching(/^[A-Za-z_][\w.-]{0,8}$/),
);
const attributeValue = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '1',
    '0',
    '-1',
    '',
    '12345678',
    '1e400',
    '0x10',
    'NaN',
    'true',
    '&amp;',
    '&lol;',
    '&#1;',
    '&#x10FFFF;',
    ']]>',
  ),
  fc.integer().map(String),
);
const escape = (text: string) => text.replace(/[<&"]/g, (c) => `&#${c.charCodeAt(0)};`);

const renderElement = (
  tag: string,
  attributes: Array<[string, string, boolean]>,
  text: string,
  children: string[],
) => {
  const attrs = attributes
    .map(([key, value, raw]) => ` ${key}="${raw ? value : escape(value)}"`)
    .join('');
  return `<${tag}${attrs}>${escape(text)}${children.join('')}</${tag}>`;
};
const elementParts = {
  name,
  attributes: fc.array(fc.tuple(name, attributeValue, fc.boolean()), { maxLength: 6 }),
  text: fc.string({ maxLength: 20 }),
};

/** XML-shaped documents: element trees with tricky names, sometimes raw, truncated or with a DTD. */
const xmlDocument = fc
  .letrec<{ element: string }>((tie) => ({
    element: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'xml' },
      fc.record(elementParts).map((e) => renderElement(e.name, e.attributes, e.text, [])),
      fc
        .record({
          ...elementParts,
          children: fc.array(tie('element'), { maxLength: 3, depthIdentifier: 'xml' }),
        })
        .map((e) => renderElement(e.name, e.attributes, e.text, e.children)),
    ),
  }))
  .element.chain((element) =>
    fc.record({
      prolog: fc.constantFrom(
        '',
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '\ufeff',
        '<!DOCTYPE user>',
        '<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      ),
      cut: fc.option(fc.nat({ max: element.length }), { nil: undefined }),
      element: fc.constant(element),
    }),
  )
  .map(
    ({ prolog, cut, element }) => prolog + (cut === undefined ? element : element.slice(0, cut)),
  );

/** JSON-shaped bodies, with prototype keys written as own keys the way JSON.parse makes them. */
const jsonObject: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...TRICKY_NAMES), fc.string()), fc.jsonValue()), {
    maxLength: 6,
  })
  .map(
    (entries) =>
      `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
  );
const jsonBody = fc.oneof(
  jsonObject,
  jsonObject.map((inner) => `{"user":${inner}}`),
  jsonObject.map((inner) => `{"errors":[${inner}]}`),
  fc.json(),
);

/** Any body a server could send: XML-ish, JSON-ish, text, and raw bytes. */
const body = fc.oneof(
  xmlDocument,
  jsonBody,
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
);

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  key: fc.oneof(fc.constantFrom(...TRICKY_NAMES), fc.string()),
});

describe('reliability: fuzz', () => {
  before(() => {
    const line = `fuzz: seed ${SEED}, ${RUNS} runs per property (FUZZ_SEED=${SEED} replays, FUZZ_RUNS=n runs longer)`;
    console.log(`      ${line}`);
  });
  afterEach(assertNoPollution);

  describe('parseUserId', () => {
    it('reads a positive safe integer or refuses with INVALID_USER_ID, for any value', () => {
      const idLike = fc.oneof(
        anything,
        fc.double(),
        fc.integer({ min: -10, max: Number.MAX_SAFE_INTEGER }),
        fc
          .tuple(
            fc.constantFrom('', ' ', '\t', '\n', '\u00a0', '\u200b', '\ufeff', '+', '-', '0'),
            fc.stringMatching(/^\d{1,20}$/),
            fc.constantFrom('', ' ', '\r\n', 'x', '\u0000', '.0', '/..'),
          )
          .map((parts) => parts.join('')),
        fc.record({ id: anything }),
        fc.record({ id: fc.stringMatching(/^\s*\d{1,18}\s*$/) }),
      );
      fc.assert(
        fc.property(idLike, (value) => {
          let id: number;
          try {
            id = parseUserId(value);
          } catch (error) {
            assert.ok(error instanceof PlexTvError, 'only PlexTvError is thrown');
            assert.equal(error.code, 'INVALID_USER_ID');
            if (typeof value === 'string' && value.trim().length > 3) {
              assert.ok(!error.message.includes(value.trim()), 'the value is not echoed');
            }
            return;
          }
          assert.ok(Number.isSafeInteger(id) && id > 0, 'a positive safe integer');
          const source =
            typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : value;
          if (typeof source === 'string') {
            assert.match(source.trim(), /^\d+$/);
            assert.equal(Number(source.trim()), id);
          } else {
            assert.equal(source, id);
          }
        }),
        settings,
      );
    });

    it('reads every positive safe integer, as a number, a string and an object', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
          assert.equal(parseUserId(n), n);
          assert.equal(parseUserId(` ${n} `), n);
          assert.equal(parseUserId({ id: String(n) }), n);
        }),
        settings,
      );
    });
  });

  describe('parseUserRef and parsePin', () => {
    const revoked = () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    };
    const value = fc.oneof(
      anything,
      fc.record({ id: anything, title: anything }, { requiredKeys: [] }),
      fc.stringMatching(/^\s*\d{1,6}\s*$/),
    );

    // fast-check looks into the values it makes, so proxies that throw are tried here by hand.
    it('refuses proxies that throw on every trap, and revoked ones, with a PlexTvError', () => {
      for (const input of [hostileProxy(), revoked()]) {
        for (const [parse, code] of [
          [parseUserId, 'INVALID_USER_ID'],
          [parseUserRef, 'INVALID_USER_ID'],
          [parsePin, 'INVALID_PIN'],
        ] as const) {
          assert.throws(
            () => parse(input),
            (error) => error instanceof PlexTvError && error.code === code,
            parse.name,
          );
        }
      }
    });

    it('parseUserRef gives an id or a short clean name, or refuses with INVALID_USER_ID', () => {
      fc.assert(
        fc.property(value, (input) => {
          let ref: ReturnType<typeof parseUserRef>;
          try {
            ref = parseUserRef(input);
          } catch (error) {
            assert.ok(
              error instanceof PlexTvError,
              `only PlexTvError is thrown, not ${String(error)}`,
            );
            assert.equal(error.code, 'INVALID_USER_ID');
            return;
          }
          if ('id' in ref) assert.ok(Number.isSafeInteger(ref.id) && ref.id > 0);
          else {
            assert.ok(
              ref.name.length > 0 && ref.name.length <= 256 && ref.name === ref.name.trim(),
            );
            // eslint-disable-next-line no-control-regex
            assert.doesNotMatch(ref.name, /[\u0000-\u001f\u007f]/);
          }
        }),
        settings,
      );
    });

    it('parsePin gives 4 ASCII digits or refuses with INVALID_PIN, never echoing the value', () => {
      fc.assert(
        fc.property(fc.oneof(value, fc.stringMatching(/^\d{3,5}$/)), (input) => {
          try {
            assert.match(parsePin(input), /^[0-9]{4}$/);
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            assert.ok(
              error instanceof PlexTvError,
              `only PlexTvError is thrown, not ${String(error)}`,
            );
            assert.equal(error.code, 'INVALID_PIN');
            if (typeof input === 'string' && input.length >= 3)
              assert.ok(!error.message.includes(input));
          }
        }),
        settings,
      );
    });
  });

  describe('response parsing', () => {
    it('parseXml never throws and returns a plain element tree or undefined', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(xmlDocument, body), async (text) => {
          const element = await parseXml(text);
          if (element) assertElement(element);
          assertNoPollution();
        }),
        settings,
      );
    });

    it('parseErrorBody never throws and returns at most a safe code and a short clean message', async () => {
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          const result = await parseErrorBody(text);
          assertPlainObject(result as unknown, 'error body');
          for (const key of Object.keys(result))
            assert.ok(['plexCode', 'message', 'plexError'].includes(key), key);
          if (result.plexError !== undefined) assert.equal(result.plexError, true);
          if (result.plexCode !== undefined) assert.ok(Number.isSafeInteger(result.plexCode));
          if (result.message !== undefined) {
            assert.equal(typeof result.message, 'string');
            assert.ok(result.message.length > 0 && result.message.length <= 201);
            // eslint-disable-next-line no-control-regex
            assert.doesNotMatch(result.message, /[\u0000-\u001f\u007f]/);
          }
          assertNoPollution();
        }),
        settings,
      );
    });

    it('parseUser never throws and returns a plain user with a positive id, or undefined', async () => {
      const attributes = fc.oneof(
        fc.dictionary(fc.oneof(fc.constantFrom(...TRICKY_NAMES), fc.string()), anything, {
          maxKeys: 8,
        }),
        fc.dictionary(fc.constantFrom(...TRICKY_NAMES), attributeValue, { noNullPrototype: false }),
        body,
      );
      await fc.assert(
        fc.asyncProperty(attributes, async (value) => {
          // A body stands for the attributes parsed out of it.
          let read: unknown = value;
          if (typeof value === 'string') {
            const xml = await parseXml(value).catch(() => undefined);
            const json = await parseJson(value).catch(() => undefined);
            read = xml ? xml.attributes : typeof json === 'object' && json !== null ? json : {};
          }
          const user = parseUser(read as Record<string, unknown>);
          assertUser(user);
          for (const key of Object.keys(user ?? {}))
            assert.doesNotMatch(key, /(token|pin)$/i, 'no secret-bearing attribute');
          assertNoPollution();
        }),
        settings,
      );
    });
  });

  describe('random answers through the node', () => {
    const currentDouble = useDouble();

    for (const nodeCase of NODE_CASES) {
      it(`${nodeCase.type}: any status and body give one clean outcome`, async function () {
        this.timeout(120_000);
        const double = currentDouble();
        const flow = await loadCase(nodeCase, double, { account: { timeout: 2000 } });
        const status = fc.oneof(
          fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 429, 500, 502, 503),
          fc.integer({ min: 200, max: 599 }),
        );
        await fc.assert(
          fc.asyncProperty(status, body, async (code, text) => {
            // Node's HTTP server refuses to send a body with these statuses.
            const answer = code === 204 || code === 304 ? '' : text;
            // Where good() ends: plex.tv, or the media server (plex.tv's resources are cached).
            const target = actionTarget(nodeCase);
            target.double.inject({ kind: 'status', status: code, body: answer, only: target.path });
            const before = flow.completions.length;
            const tags = sendTagged(flow, [nodeCase.good()]);
            tally.answers++;
            await completed(flow, before + 1);
            checkInvariants(flow, tags, { errorWired: true }, [DOUBLE_TOKEN, ...nodeCase.secrets]);
            const { code: error } = outcomeOf(flow, [...tags][0]);
            if (code < 200 || code > 299) assert.ok(error, `${code} is an error`);
          }),
          { seed: SEED, numRuns: NODE_RUNS },
        );
      });
    }
  });
});
