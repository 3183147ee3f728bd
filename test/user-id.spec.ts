import assert from 'node:assert/strict';
import { parsePin, parseUserId, parseUserRef } from '../src/lib/user-id';
import { PlexTvError } from '../src/lib/errors';

function itRejectsAll(
  parse: (value: unknown) => unknown,
  rejected: Array<[string, unknown]>,
): void {
  for (const [what, input] of rejected) {
    it(`rejects ${what} with INVALID_USER_ID`, () => {
      assert.throws(
        () => parse(input),
        (error: unknown) => error instanceof PlexTvError && error.code === 'INVALID_USER_ID',
      );
    });
  }
}

describe('parseUserId', () => {
  const accepted: Array<[string, unknown, number]> = [
    ['a positive integer', 12345678, 12345678],
    ['1', 1, 1],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['a string of digits', '12345678', 12345678],
    ['digits with surrounding blanks', ' \t12345678\n ', 12345678],
    ['an object with a numeric id', { id: 12345678, title: 'Kids' }, 12345678],
    ['an object with a digit-string id', { id: ' 42 ' }, 42],
  ];
  for (const [what, input, expected] of accepted) {
    it(`accepts ${what}`, () => assert.equal(parseUserId(input), expected));
  }

  const rejected: Array<[string, unknown]> = [
    ['an empty string', ''],
    ['blanks only', '   '],
    ['letters', 'abc'],
    ['digits then letters', '12a'],
    ['a path', '../1'],
    ['a path with digits after', '1/../2'],
    ['-1', -1],
    ['"-1"', '-1'],
    ['0', 0],
    ['"0"', '0'],
    ['1.5', 1.5],
    ['"1.5"', '1.5'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['an array', [12345678]],
    ['null', null],
    ['undefined', undefined],
    ['2^53 + 2', 2 ** 53 + 2],
    ['a 17-digit string', '12345678901234567'],
    ['a digit string above 2^53', '9007199254740993'],
    ['a boolean', true],
    ['a bigint', 12n],
    ['an object without id', { title: 'Kids' }],
    ['an object with an invalid id', { id: 'abc' }],
    ['an object whose id is an object', { id: { id: 1 } }],
    ['exponent notation', '1e3'],
    ['hex', '0x10'],
    ['unicode digits', '١٢٣'],
    ['a function', () => 1],
  ];
  itRejectsAll(parseUserId, rejected);

  it('rejects an object whose id getter throws, without letting the throw out', () => {
    const value = Object.defineProperty({}, 'id', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.throws(
      () => parseUserId(value),
      (error: unknown) => error instanceof PlexTvError && error.code === 'INVALID_USER_ID',
    );
  });

  it('never echoes the rejected value', () => {
    try {
      parseUserId('secret-looking-value');
      assert.fail('should have thrown');
    } catch (error) {
      assert.ok(error instanceof PlexTvError);
      assert.ok(!error.message.includes('secret-looking-value'));
      assert.match(error.message, /got a string that is not a whole number/);
    }
  });
});

describe('parseUserRef', () => {
  const ids: Array<[string, unknown, number]> = [
    ['a positive integer', 12345678, 12345678],
    ['a string of digits', '12345678', 12345678],
    ['digits with surrounding blanks', ' 42 ', 42],
    ['an object with an id', { id: 12345678, title: 'Kids' }, 12345678],
    ['an object with a digit-string id and a title', { id: '42', title: 'Teen' }, 42],
  ];
  for (const [what, input, id] of ids) {
    it(`reads ${what} as an id`, () => assert.deepEqual(parseUserRef(input), { id }));
  }

  // Strings that used to be refused as ids are names now: they are looked up, never put in a URL.
  const names: Array<[string, unknown, string]> = [
    ['letters', 'abc', 'abc'],
    ['digits then letters', '12a', '12a'],
    ['a path', '../1', '../1'],
    ['a path with digits after', '1/../2', '1/../2'],
    ['unicode digits', '١٢٣', '١٢٣'],
    ['a title with blanks around', '  Kids ', 'Kids'],
    ['a title with spaces inside', 'Older Kid', 'Older Kid'],
    ['an object with a title and no id', { title: 'Kids' }, 'Kids'],
    ['an object with a digit title and no id', { title: '2024' }, '2024'],
  ];
  for (const [what, input, name] of names) {
    it(`reads ${what} as a name`, () => assert.deepEqual(parseUserRef(input), { name }));
  }

  const rejected: Array<[string, unknown]> = [
    ['an empty string', ''],
    ['blanks only', '  \t '],
    ['-1', -1],
    ['"-1"', '-1'],
    ['0', 0],
    ['"0"', '0'],
    ['1.5', 1.5],
    ['"1.5"', '1.5'],
    ['".5"', '.5'],
    ['"+7"', '+7'],
    ['exponent notation', '1e3'],
    ['hex', '0x10'],
    ['"NaN"', 'NaN'],
    ['"-Infinity"', '-Infinity'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['2^53 + 2', 2 ** 53 + 2],
    ['a digit string above 2^53', '9007199254740993'],
    ['an array', [12345678]],
    ['an array of names', ['Kids']],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', false],
    ['a bigint', 12n],
    ['a function', () => 1],
    ['an object without id or title', { name: 'Kids' }],
    ['an object with an invalid id and a title', { id: 'abc', title: 'Kids' }],
    ['an object with a null id and a title', { id: null, title: 'Kids' }],
    ['an object with a blank title', { title: '  ' }],
    ['an object with a numeric title', { title: 5 }],
    ['a name with a control character', 'Ki\u0000ds'],
    ['a name with a C1 control character', 'Ki\u0085ds'],
    ['a name with a line separator', 'Ki\u2028ds'],
    ['a name of 257 characters', 'k'.repeat(257)],
  ];
  itRejectsAll(parseUserRef, rejected);

  it('rejects an object whose title getter throws, without letting the throw out', () => {
    const value = Object.defineProperty({}, 'title', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.throws(() => parseUserRef(value), { code: 'INVALID_USER_ID' });
  });

  it('accepts a name of 256 characters', () => {
    assert.deepEqual(parseUserRef('k'.repeat(256)), { name: 'k'.repeat(256) });
  });
});

describe('parsePin', () => {
  for (const pin of ['0000', '1234', '0042', '9999']) {
    it(`accepts "${pin}"`, () => assert.equal(parsePin(pin), pin));
  }

  const rejected: Array<[string, unknown, RegExp]> = [
    ['three digits', '123', /not 4 digits/],
    ['five digits', '12345', /not 4 digits/],
    ['letters', 'abcd', /not 4 digits/],
    ['digits and a letter', '12a4', /not 4 digits/],
    ['blanks around', ' 1234 ', /not 4 digits/],
    ['a trailing newline', '1234\n', /not 4 digits/],
    ['a sign', '+123', /not 4 digits/],
    ['unicode digits', '١٢٣٤', /not 4 digits/],
    ['fullwidth digits', '１２３４', /not 4 digits/],
    ['a number', 1234, /numbers lose leading zeros/],
    ['an empty string', '', /got nothing/],
    ['undefined', undefined, /got nothing/],
    ['null', null, /got nothing/],
    ['an array', ['1234'], /type array/],
    ['an object', { pin: '1234' }, /type object/],
    ['a boolean', true, /type boolean/],
  ];
  for (const [what, input, message] of rejected) {
    it(`rejects ${what} with INVALID_PIN, without echoing it`, () => {
      assert.throws(
        () => parsePin(input),
        (error: unknown) =>
          error instanceof PlexTvError &&
          error.code === 'INVALID_PIN' &&
          message.test(error.message) &&
          !/\d{3}/.test(error.message),
      );
    });
  }
});
