import assert from 'node:assert/strict';
import { BodyLimitError, LIMITS } from '../src/lib/limits';
import { parseErrorBody, parseJson, parseXml } from '../src/lib/response';
import { parseUser } from '../src/lib/plex-user';

/** The BodyLimitError a parse rejects with. */
async function overLimit(parse: Promise<unknown>): Promise<string> {
  try {
    await parse;
  } catch (error) {
    assert.ok(error instanceof BodyLimitError, String(error));
    return error.message;
  }
  assert.fail('expected the parse to stop at a limit');
}

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

  it('drops every attribute whose name ends in token or pin, whatever its case and value', () => {
    const user = parseUser({
      id: '5',
      title: 'Teen 2015',
      authToken: 'a',
      authenticationToken: 'b',
      accessToken: 'c',
      AUTHTOKEN: 'd',
      token: 'e',
      pin: '0f3a',
      PIN: '1234',
      hashedPin: 'x',
      pinned: 'kept',
      tokens: 'kept',
      protected: '1',
    });
    assert.deepEqual(user, {
      id: 5,
      title: 'Teen 2015',
      pinned: 'kept',
      tokens: 'kept',
      protected: true,
    });
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
  it('refuses DTD-declared entities instead of expanding them', async () => {
    const bomb =
      '<!DOCTYPE user [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><user id="1" title="&b;"/>';
    assert.equal(await parseXml(bomb), undefined);
  });

  it('does not read external entities', async () => {
    const xxe =
      '<!DOCTYPE user [<!ENTITY x SYSTEM "file:///etc/passwd">]><user id="1" title="&x;"/>';
    assert.equal(await parseXml(xxe), undefined);
  });

  it('returns undefined for non-XML', async () => {
    for (const body of ['', '   ', '{"id":1}', 'plain', '<user', '<a></b>'])
      assert.equal(await parseXml(body), undefined, body);
  });

  it('reads elements, attributes, text and CDATA in order', async () => {
    const root = await parseXml(
      '\ufeff<?xml version="1.0"?><errors a="1"> <error code="2">x<![CDATA[<y>]]></error><b/></errors>',
    );
    assert.deepEqual(root, {
      name: 'errors',
      attributes: { a: '1' },
      text: '',
      children: [
        { name: 'error', attributes: { code: '2' }, text: 'x<y>', children: [] },
        { name: 'b', attributes: {}, text: '', children: [] },
      ],
    });
  });

  it('keeps an attribute named __proto__ as an own key, never as the prototype', async () => {
    const root = await parseXml('<user id="1" __proto__="x"/>');
    assert.equal(Object.getPrototypeOf(root?.attributes), Object.prototype);
    assert.deepEqual(Object.keys(root?.attributes ?? {}), ['id', '__proto__']);
  });

  it('keeps an attribute as an own key even when Object.prototype has a setter of that name', async () => {
    // A store would go to the setter and leave no own key; the attribute must still be there.
    Object.defineProperty(Object.prototype, 'planted', { set: () => {}, configurable: true });
    try {
      const root = await parseXml('<user id="1" planted="x" constructor="y"/>');
      const attributes = root?.attributes ?? {};
      assert.deepEqual(Object.keys(attributes), ['id', 'planted', 'constructor']);
      assert.equal(Object.getOwnPropertyDescriptor(attributes, 'planted')?.value, 'x');
      assert.equal(Object.getOwnPropertyDescriptor(attributes, 'constructor')?.value, 'y');
    } finally {
      delete (Object.prototype as Record<string, unknown>).planted;
    }
  });

  const limits: Array<[string, string, RegExp]> = [
    [
      'nesting',
      `${'<a>'.repeat(LIMITS.depth + 1)}${'</a>'.repeat(LIMITS.depth + 1)}`,
      /deeper than 32/,
    ],
    ['elements', `<home>${'<user/>'.repeat(LIMITS.elements)}</home>`, /more than 10000 elements/],
    [
      'attributes of one element',
      `<user ${Array.from({ length: 122_000 }, (_, i) => `a${i}=""`).join(' ')}/>`,
      /more than 256 attributes on one element/,
    ],
    [
      'attributes in all',
      `<home>${`<user ${Array.from({ length: 200 }, (_, i) => `a${i}=""`).join(' ')}/>`.repeat(300)}</home>`,
      /more than 20000 attributes/,
    ],
  ];
  limits.push(
    [
      'one comment (sax: 64 K characters)',
      `<!--${'x'.repeat(900 * 1024)}--><user id="1"/>`,
      /more than 65536 characters in one comment/,
    ],
    [
      'one attribute value',
      `<user id="1" title="${'K'.repeat(200 * 1024)}"/>`,
      /more than 65536 characters in one attribute value/,
    ],
  );
  for (const [what, body, message] of limits) {
    it(`stops at the limit on ${what} while parsing`, async () => {
      assert.match(await overLimit(parseXml(body)), message);
    });
  }

  it('stops at the first element over a limit, without parsing the rest', async () => {
    // Past the 33rd level comes malformed XML: reaching it would make the result undefined.
    const body = `${'<a>'.repeat(40)}<<<>>>${'x'.repeat(1024 * 1024)}`;
    assert.match(await overLimit(parseXml(body)), /deeper than 32/);
  });

  it('passes long text on, in the pieces sax reads it in', async () => {
    const root = await parseXml(`<error>${'t'.repeat(300 * 1024)}</error>`);
    assert.equal(root?.text.length, 300 * 1024);
  });

  it('parses a long body in slices, letting the event loop run between them', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('event loop'));
    const body = `<home>${'<user id="1" title="x"/>'.repeat(2_000)}</home>`;
    assert.ok(body.length > 2 * LIMITS.sliceChars);
    const root = await parseXml(body);
    order.push('parsed');
    assert.equal(root?.children.length, 2_000);
    assert.deepEqual(order, ['event loop', 'parsed']);
  });
});

describe('parseJson', () => {
  it('reads objects and arrays, and nothing else', async () => {
    assert.deepEqual(await parseJson(' {"id":1,"a":[1,"],{"]} '), { id: 1, a: [1, '],{'] });
    assert.deepEqual(await parseJson('[]'), []);
    for (const body of ['', 'null', '"x"', '12', '{', '{"a":}', '<user/>'])
      assert.equal(await parseJson(body), undefined, body);
  });

  it('passes long strings, with brackets and escaped quotes inside them', async () => {
    const value = `a"],[{\\${'x'.repeat(900 * 1024)}`;
    const parsed = (await parseJson(`{"id":1,"s":${JSON.stringify(value)}}`)) as { s: string };
    assert.ok(parsed.s === value, 'the string as it was sent');
  });

  const limits: Array<[string, string, RegExp]> = [
    ['nesting (a megabyte of [)', '['.repeat(1024 * 1024), /deeper than 32/],
    ['nesting in objects', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, /deeper than 32/],
    [
      'keys of one object',
      `{${Array.from({ length: 80_000 }, (_, i) => `"k${i}":""`).join(',')}}`,
      /more than 256 keys in one object/,
    ],
    ['items of one array', `[${'1,'.repeat(20_000)}1]`, /more than 10000 items in one array/],
    [
      'values in all',
      `[${Array.from({ length: 10 }, () => `[${'1,'.repeat(9_000)}1]`).join(',')}]`,
      /more than 20000 values/,
    ],
  ];
  for (const [what, body, message] of limits) {
    it(`stops at the limit on ${what} before JSON.parse`, async () => {
      assert.match(await overLimit(parseJson(body)), message);
    });
  }
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
    it(`reads ${what}`, async () => {
      const { plexError, ...read } = await parseErrorBody(body);
      assert.deepEqual(read, expected);
      // plex.tv's own forms: <errors> and JSON errors (a 404 in them is a real "not found").
      assert.equal(plexError, /^(<errors|\{"errors")/.test(body) ? true : undefined);
    });
  }

  it("knows a 1002 in any form as plex.tv's", async () => {
    assert.equal((await parseErrorBody('<Response code="1002" status="x"/>')).plexError, true);
    assert.equal((await parseErrorBody('{"error":{"code":1002}}')).plexError, true);
    assert.equal((await parseErrorBody('<Response code="401" status="x"/>')).plexError, undefined);
  });

  it("takes the request's secrets out of the message before cutting it to length", async () => {
    const token = 'tok-1234567890';
    const body = `<errors><error message="${'m'.repeat(150)} ${token} PIN 2015"/></errors>`;
    const { message } = await parseErrorBody(body, [token, '2015']);
    assert.equal(message, `${'m'.repeat(150)} [redacted] PIN [redacted]`);
    const long = `<errors><error message="${'m'.repeat(195)} ${token}"/></errors>`;
    assert.ok(!(await parseErrorBody(long, [token])).message?.includes('tok-'), 'no piece left');
    assert.ok(
      (await parseErrorBody(long)).message?.includes('tok-'),
      'a piece, had it been cut first',
    );
  });

  it('gives {} for an error body over the limits', async () => {
    assert.deepEqual(await parseErrorBody('['.repeat(100)), {});
    assert.deepEqual(await parseErrorBody(`${'<a>'.repeat(50)}`), {});
  });

  it('strips control characters and caps the length of a server message', async () => {
    const long = `<errors><error message="a\u0007b${'x'.repeat(500)}"/></errors>`;
    const { message } = await parseErrorBody(long);
    assert.ok(message && message.length <= 201);
    assert.ok(message?.startsWith('a b'));
  });
});
