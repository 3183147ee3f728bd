import type { Shape } from './support';

export const KIDS = 12345678;

/** A Proxy whose every trap throws: even looking at it the wrong way fails. */
export function hostileProxy(): object {
  const trap = () => {
    throw new Error('trap');
  };
  const handler: ProxyHandler<object> = {};
  for (const name of [
    'get',
    'set',
    'has',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'defineProperty',
    'deleteProperty',
    'getPrototypeOf',
    'setPrototypeOf',
    'isExtensible',
    'preventExtensions',
    'apply',
    'construct',
  ] as const) {
    (handler as Record<string, unknown>)[name] = trap;
  }
  return new Proxy({}, handler);
}

function deep(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { id: value };
  return value;
}

function circular(): unknown {
  const value: Record<string, unknown> = { title: 'loop' };
  value.self = value;
  value.id = value;
  return value;
}

function shape(what: string, value: () => unknown, accepts?: number): Shape {
  return { what, value, accepts };
}

function name(what: string, value: () => unknown): Shape {
  return { what, value, name: true };
}

const strings: Array<[string, string]> = [
  ['an empty string', ''],
  ['blanks only', ' \t\r\n'],
  ['letters', 'abc'],
  ['digits then a letter', '12a'],
  ['hexadecimal', '0x10'],
  ['an exponent', '1e3'],
  ['a plus sign', '+5'],
  ['a minus sign', '-5'],
  ['a decimal point', '12.0'],
  ['digit separators', '1_000'],
  ['a thousands comma', '1,000'],
  ['an inner blank', '12 34'],
  ['Arabic-Indic digits', '١٢٣'],
  ['full-width digits', '１２３'],
  ['Devanagari digits', '१२३'],
  ['mathematical bold digits', '𝟏𝟐𝟑'],
  ['a NUL after the digits', `${KIDS}\u0000`],
  ['a zero-width space before the digits', `\u200b${KIDS}`],
  ['a parent path piece', `../${KIDS}`],
  ['a path after the digits', `${KIDS}/../1`],
  ['a query after the digits', `${KIDS}?removePin=0`],
  ['a fragment after the digits', `${KIDS}#x`],
  ['a percent-encoded digit', '%31'],
  ['a URL', `https://plex.tv/api/v2/home/users/restricted/${KIDS}`],
  ['17 digits', '1'.repeat(17)],
  ['zeros', '0000'],
  ['a secret-looking string', 'sk-live-payload-5ecret-string'],
];

/** Strings that are no number: the nodes read them as user names (titles or usernames). */
const NAMES = new Set([
  'letters',
  'digits then a letter',
  'digit separators',
  'a thousands comma',
  'an inner blank',
  'Arabic-Indic digits',
  'full-width digits',
  'Devanagari digits',
  'mathematical bold digits',
  'a zero-width space before the digits',
  'a parent path piece',
  'a path after the digits',
  'a query after the digits',
  'a fragment after the digits',
  'a percent-encoded digit',
  'a URL',
  'a secret-looking string',
]);

/** Every shape a user id may arrive in: refused, read as a name, or (a few) read as an id. */
export const USER_ID_SHAPES: Shape[] = [
  shape('undefined', () => undefined),
  shape('null', () => null),
  shape('true', () => true),
  shape('false', () => false),
  shape('a symbol', () => Symbol('12345678')),
  shape('a bigint', () => BigInt(KIDS)),
  shape('a function', () => () => KIDS),
  shape('a Date', () => new Date(KIDS)),
  shape('a RegExp', () => /12345678/),
  shape('a Map with an id', () => new Map([['id', KIDS]])),
  shape('a Set', () => new Set([KIDS])),
  shape('a Buffer of digits', () => Buffer.from(String(KIDS))),
  shape('a Uint8Array', () => new Uint8Array([1, 2, 3])),
  shape('a boxed number', () => new Number(KIDS)),
  shape('a boxed string', () => new String(KIDS)),
  shape('a promise of an id', () => Promise.resolve(KIDS)),
  shape('a thenable that never settles', () => ({ then: () => undefined, id: KIDS })),
  shape('a thenable that throws', () => ({
    then: () => {
      throw new Error('then');
    },
  })),
  shape('an Error', () => new Error(String(KIDS))),
  shape('0', () => 0),
  shape('-0', () => -0),
  shape('-1', () => -1),
  shape('a negative id', () => -KIDS),
  shape('1.5', () => 1.5),
  shape('a tiny fraction', () => 1e-7),
  shape('NaN', () => NaN),
  shape('Infinity', () => Infinity),
  shape('-Infinity', () => -Infinity),
  shape('2^53', () => 2 ** 53),
  shape('above 2^53', () => 2 ** 53 + 2),
  shape('Number.MAX_VALUE', () => Number.MAX_VALUE),
  shape('Number.MIN_VALUE', () => Number.MIN_VALUE),
  shape('1e21', () => 1e21),
  ...strings.map(([what, value]) =>
    NAMES.has(what) ? name(what, () => value) : shape(what, () => value),
  ),
  shape('a megabyte of digits', () => '9'.repeat(1024 * 1024)),
  name('a megabyte of blanks and a letter', () => `${' '.repeat(1024 * 1024)}x`),
  shape('ten megabytes of letters', () => 'x'.repeat(10 * 1024 * 1024)),
  shape('an empty array', () => []),
  shape('an array with the id', () => [KIDS]),
  shape('a nested array', () => [[KIDS]]),
  shape('an empty object', () => ({})),
  shape('an object with id undefined', () => ({ id: undefined })),
  shape('an object with id null', () => ({ id: null })),
  shape('an object with a negative id', () => ({ id: -1 })),
  shape('an object with id "12a"', () => ({ id: '12a' })),
  shape('an object whose id is an object', () => ({ id: { id: KIDS } })),
  shape('an object with ID (upper case)', () => ({ ID: KIDS })),
  shape('an object with userId', () => ({ userId: KIDS })),
  shape('a JSON __proto__ key holding an id', () => JSON.parse(`{"__proto__":{"id":${KIDS}}}`)),
  shape('an inherited id', () => Object.create({ id: KIDS })),
  shape('a constructor key', () => ({ constructor: KIDS })),
  shape('a constructor object with an id', () => ({ constructor: { id: KIDS } })),
  shape('a prototype key', () => ({ prototype: { id: KIDS } })),
  shape('a null-prototype object without id', () => Object.create(null)),
  shape('an id with valueOf', () => ({
    id: { valueOf: () => KIDS, toString: () => String(KIDS) },
  })),
  shape('an object whose coercion throws', () => ({
    toString: () => {
      throw new Error('no');
    },
    valueOf: () => {
      throw new Error('no');
    },
  })),
  shape('a deep object (10,000 levels)', () => deep(10_000, KIDS)),
  shape('a getter id that throws', () => ({
    get id(): number {
      throw new Error('getter');
    },
  })),
  shape('a circular object', circular),
  shape('a circular array', () => {
    const list: unknown[] = [];
    list.push(list);
    return list;
  }),
  shape('a Proxy that throws on every trap', hostileProxy),
  shape('a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({ id: KIDS }, {});
    revoke();
    return proxy;
  }),
  // Shapes the node reads, at their edges.
  shape('digits with blanks and line breaks', () => ` ${KIDS}\n`, KIDS),
  shape('digits after a no-break space', () => `\u00a0${KIDS}`, KIDS),
  shape('leading zeros', () => `00${KIDS}`, KIDS),
  shape('an object with a string id', () => ({ id: String(KIDS) }), KIDS),
  shape(
    'a null-prototype object with an id',
    () => Object.assign(Object.create(null), { id: KIDS }),
    KIDS,
  ),
  shape(
    'a getter id',
    () => ({
      get id(): number {
        return KIDS;
      },
    }),
    KIDS,
  ),
];

export const PIN = '8642';

/** PIN shapes: every refused user id shape that is no 4-digit string, PIN near-misses, and one good PIN. */
export const PIN_SHAPES: Shape[] = [
  ...USER_ID_SHAPES.filter(
    (s) =>
      s.accepts === undefined &&
      !(typeof s.value() === 'string' && /^[0-9]{4}$/.test(s.value() as string)),
  ).map((s) => ({ what: s.what, value: s.value })),
  shape('3 digits', () => '123'),
  shape('5 digits', () => '12345'),
  shape('a PIN as a number', () => 1234),
  shape('a PIN with a leading blank', () => ' 1234'),
  shape('a PIN with a trailing line break', () => '1234\n'),
  shape('full-width PIN digits', () => '１２３４'),
  shape('a letter among PIN digits', () => '12a4'),
  shape('a PIN array', () => ['1', '2', '3', '4']),
  { what: 'a PIN with leading zeros', value: () => '0042', accepts: 'pin=0042' },
];
