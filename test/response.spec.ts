import assert from 'node:assert/strict';
import { parseErrorBody, parseXml } from '../src/lib/response';
import { parseUser } from '../src/lib/plex-user';

describe('parseUser', () => {
  it('types numbers and booleans and keeps strings', () => {
    const user = parseUser({
      id: '12345678',
      uuid: '654795afd035edce',
      title: 'Kids',
      hasPassword: '0',
      restricted: '1',
      updatedAt: '1722343001',
      admin: 'false',
      guest: 'true',
      protected: '1',
      newAttribute: 'kept',
    });
    assert.deepEqual(user, {
      id: 12345678,
      uuid: '654795afd035edce',
      title: 'Kids',
      hasPassword: false,
      restricted: true,
      updatedAt: 1722343001,
      admin: false,
      guest: true,
      protected: true,
      newAttribute: 'kept',
    });
  });

  it('gives null for values it cannot type, and no user without a valid id', () => {
    assert.deepEqual(parseUser({ id: '7', updatedAt: 'yesterday', protected: 'maybe' }), {
      id: 7,
      updatedAt: null,
      protected: null,
    });
    for (const id of [undefined, '', 'x', '0', '-3', '1.5', '99999999999999999999']) {
      assert.equal(parseUser({ id, title: 'x' }), undefined, String(id));
    }
  });

  it('never copies prototype keys', () => {
    const attributes = JSON.parse(
      '{"id":"1","__proto__":{"polluted":"yes"},"constructor":"x"}',
    ) as Record<string, unknown>;
    const user = parseUser(attributes);
    assert.deepEqual(Object.keys(user ?? {}), ['id']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('parseXml', () => {
  it('refuses DTD-declared entities instead of expanding them', () => {
    const bomb =
      '<!DOCTYPE user [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><user id="1" title="&b;"/>';
    assert.equal(parseXml(bomb), undefined);
  });

  it('does not read external entities', () => {
    const xxe =
      '<!DOCTYPE user [<!ENTITY x SYSTEM "file:///etc/passwd">]><user id="1" title="&x;"/>';
    assert.equal(parseXml(xxe), undefined);
  });

  it('returns undefined for non-XML', () => {
    for (const body of ['', '   ', '{"id":1}', 'plain', '<user', '<a></b>'])
      assert.equal(parseXml(body), undefined, body);
  });
});

describe('parseErrorBody', () => {
  const shapes: Array<[string, string, { plexCode?: number; message?: string }]> = [
    [
      'errors/error attributes',
      '<errors><error code="1001" message="User could not be authenticated" status="401"/></errors>',
      { plexCode: 1001, message: 'User could not be authenticated' },
    ],
    [
      'errors/error text',
      '<errors><error>Please sign in.</error></errors>',
      { message: 'Please sign in.' },
    ],
    [
      'Response',
      '<Response code="401" status="Incorrect PIN"/>',
      { plexCode: 401, message: 'Incorrect PIN' },
    ],
    [
      'JSON errors',
      '{"errors":[{"code":1003,"message":"API rate limit exceeded","status":429}]}',
      { plexCode: 1003, message: 'API rate limit exceeded' },
    ],
    ['JSON error string', '{"error":"Nope"}', { message: 'Nope' }],
    ['HTML', '<html><body>502</body></html>', {}],
    ['empty', '', {}],
    ['garbage', '\u0000\u0001binary', {}],
    ['empty errors', '<errors/>', {}],
    ['non-numeric code', '<errors><error code="x1" message="m"/></errors>', { message: 'm' }],
  ];
  for (const [what, body, expected] of shapes) {
    it(`reads ${what}`, () => assert.deepEqual(parseErrorBody(body), expected));
  }

  it('strips control characters and caps the length of a server message', () => {
    const long = `<errors><error message="a\u0007b${'x'.repeat(500)}"/></errors>`;
    const { message } = parseErrorBody(long);
    assert.ok(message && message.length <= 201);
    assert.ok(message?.startsWith('a b'));
  });
});
