import assert from 'node:assert/strict';
import { STATUS_LENGTH, statusText } from '../src/nodes/node-status';

describe('statusText', () => {
  const at = (hours: number, minutes: number) => new Date(2026, 0, 1, hours, minutes, 59);
  const length = (text: string) => [...text].length;

  const cases: Array<[string, Parameters<typeof statusText>[0], Date, string]> = [
    [
      'what and whom',
      { text: 'PIN removed', name: 'Kids' },
      at(7, 0),
      'PIN removed · Kids · 07:00',
    ],
    [
      'what and whom, evening',
      { text: 'PIN set', name: 'Kids' },
      at(20, 0),
      'PIN set · Kids · 20:00',
    ],
    ['a count', { text: '3 users' }, at(20, 0), '3 users · 20:00'],
    ['a name alone', { name: 'Kids' }, at(20, 0), 'Kids · 20:00'],
    ['an error code', { text: 'NOT_MANAGED' }, at(0, 9), 'NOT_MANAGED · 00:09'],
    ['an empty name', { text: 'PIN set', name: '' }, at(23, 59), 'PIN set · 23:59'],
    [
      'a long name, cut to fit',
      { text: 'PIN removed', name: 'The youngest of the grandchildren' },
      at(7, 0),
      'PIN removed · The young… · 07:00',
    ],
    [
      'a long name of astral characters, cut by character',
      { text: 'PIN set', name: '🦊'.repeat(40) },
      at(7, 0),
      `PIN set · ${'🦊'.repeat(13)}… · 07:00`,
    ],
    [
      'a name that just fits',
      { text: 'PIN set', name: 'x'.repeat(STATUS_LENGTH - 18) },
      at(7, 0),
      `PIN set · ${'x'.repeat(STATUS_LENGTH - 18)} · 07:00`,
    ],
    [
      'a name from a hostile answer: line breaks, an escape sequence, a direction override',
      { text: 'stopped 1', name: 'K\r\n\u001b[31mids\u202e' },
      at(20, 0),
      'stopped 1 · K [31mids · 20:00',
    ],
    [
      'a long text alone, cut to fit',
      { text: 'a catalogue text that says far too much' },
      at(7, 0),
      'a catalogue text that s… · 07:00',
    ],
  ];
  for (const [what, parts, now, expected] of cases) {
    it(`${what}: ${JSON.stringify(expected)}`, () => {
      const text = statusText(parts, now);
      assert.equal(text, expected);
      assert.ok(length(text) <= STATUS_LENGTH, `${length(text)} characters`);
    });
  }

  it('keeps the time even when the text alone is too long for a name beside it', () => {
    const text = statusText(
      { text: 'a text far too long to leave any room', name: 'Kids' },
      at(7, 0),
    );
    assert.ok(text.endsWith(' · 07:00'), text);
    assert.equal(length(text), STATUS_LENGTH);
  });
});
