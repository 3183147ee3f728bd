import assert from 'node:assert/strict';
import { parseUserId } from '../src/lib/user-id';
import { PlexTvError } from '../src/lib/errors';

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
  for (const [what, input] of rejected) {
    it(`rejects ${what} with INVALID_USER_ID`, () => {
      assert.throws(
        () => parseUserId(input),
        (error: unknown) => error instanceof PlexTvError && error.code === 'INVALID_USER_ID',
      );
    });
  }

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
