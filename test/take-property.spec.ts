import assert from 'node:assert/strict';
import nodeRedUtil from '@node-red/util';
import type { NodeAPI, NodeMessage } from 'node-red';
import { takeMessageProperty } from '../src/nodes/take-property';

const RED = { util: nodeRedUtil.util } as unknown as NodeAPI;
const PIN = '1357';
type Msg = Record<string, unknown>;

const take = (msg: Msg, path: string) => takeMessageProperty(RED, msg as NodeMessage, path);

describe('takeMessageProperty', () => {
  it('deletes a plain property in place, keeping its parent and the message', () => {
    const msg = { payload: 1, secrets: { kids: PIN, other: 2 } };
    const taken = take(msg, 'secrets.kids');
    assert.equal(taken.value, PIN);
    assert.equal(taken.msg, msg);
    assert.deepEqual(msg.secrets, { other: 2 });
  });

  it('replaces a frozen object on the message by a copy without the property', () => {
    const secrets = Object.freeze({ kids: PIN, other: 2 });
    const msg: Msg = { payload: 1, secrets };
    const taken = take(msg, 'secrets.kids');
    assert.equal(taken.value, PIN);
    assert.equal(taken.msg, msg, 'the message itself goes on');
    assert.deepEqual(msg.secrets, { other: 2 });
    assert.equal(secrets.kids, PIN, "the caller's object is left as it was");
  });

  it('replaces frozen objects at every depth, as far up as needed', () => {
    const inner = Object.freeze({ pin: PIN, keep: true });
    const outer = Object.freeze({ inner, sibling: 'x' });
    const msg: Msg = { a: outer };
    take(msg, 'a.inner.pin');
    assert.deepEqual(msg.a, { inner: { keep: true }, sibling: 'x' });
    assert.equal(outer.inner, inner);
    assert.equal(inner.pin, PIN);
  });

  it('takes an element of a frozen array', () => {
    const msg: Msg = { pins: Object.freeze(['0000', PIN]) };
    assert.equal(take(msg, 'pins[1]').value, PIN);
    assert.ok(!JSON.stringify(msg).includes(PIN));
    assert.equal((msg.pins as string[])[0], '0000');
  });

  it('does not let an own "__proto__" key of a frozen object bring the property back', () => {
    const secrets = Object.freeze(
      JSON.parse(`{"__proto__": {"kids": "${PIN}"}, "kids": "${PIN}"}`),
    );
    const msg: Msg = { secrets };
    take(msg, 'secrets.kids');
    assert.equal((msg.secrets as Msg).kids, undefined);
  });

  it('copies the message when the message itself cannot change, sharing msg.req and msg.res', () => {
    const req = { query: {} };
    const res = { end() {} };
    const msg = Object.defineProperty({ topic: 't', req, res }, 'pin', {
      value: PIN,
      enumerable: true,
    }) as Msg;
    const taken = take(msg, 'pin');
    assert.equal(taken.value, PIN);
    assert.notEqual(taken.msg, msg);
    const copy = taken.msg as Msg;
    assert.equal(copy.pin, undefined);
    assert.equal(copy.topic, 't');
    assert.equal(copy.req, req);
    assert.equal(copy.res, res);
    assert.equal(msg.pin, PIN, 'the original is untouched');
  });

  it('never changes the msg.req a copy shares with the original', () => {
    const query = Object.freeze({ pin: PIN });
    const req = Object.freeze({ query });
    const msg = Object.freeze({ req, topic: 't' }) as Msg;
    const taken = take(msg, 'req.query.pin');
    assert.equal(taken.value, PIN);
    const copy = taken.msg as { req: { query: Msg } };
    assert.equal(copy.req.query.pin, undefined);
    assert.equal(req.query, query);
    assert.equal(query.pin, PIN);
  });

  it('sends an empty message when not even a copy can be made without the property', () => {
    const hostile = new Proxy(
      { pin: PIN },
      {
        deleteProperty: () => false,
        defineProperty: () => false,
        ownKeys: () => {
          throw new Error('no keys');
        },
      },
    );
    const taken = take(Object.freeze({ secrets: hostile }) as Msg, 'secrets.pin');
    assert.equal(taken.value, PIN);
    assert.deepEqual(taken.msg, {});
  });

  it('reports a property that throws when read as unreadable, and still takes it off', () => {
    const msg: Msg = {};
    Object.defineProperty(msg, 'pin', {
      configurable: true,
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    const taken = take(msg, 'pin');
    assert.equal(taken.unreadable, true);
    assert.equal(taken.msg, msg);
    assert.ok(!('pin' in msg));
  });

  it('reports an expression that does not parse as unreadable and changes nothing', () => {
    const msg: Msg = { a: [PIN] };
    const taken = take(msg, 'a[');
    assert.equal(taken.unreadable, true);
    assert.deepEqual(msg, { a: [PIN] });
  });

  it('reads a property under a missing or primitive parent as undefined', () => {
    for (const msg of [{}, { secrets: 'text' }, { secrets: null }] as Msg[]) {
      const taken = take(msg, 'secrets.kids');
      assert.equal(taken.value, undefined);
      assert.equal(taken.msg, msg);
    }
  });

  it('resolves a path that reads the message, such as secrets[msg.who]', () => {
    const msg: Msg = { who: 'kids', secrets: Object.freeze({ kids: PIN }) };
    assert.equal(take(msg, 'secrets[msg.who]').value, PIN);
    assert.deepEqual(msg.secrets, {});
  });
});
