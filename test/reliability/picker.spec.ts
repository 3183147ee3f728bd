import assert from 'node:assert/strict';
import sinon from 'sinon';
import { DOUBLE_TOKEN, PlexTvDouble } from '../double/plex-tv-double';
import { helper, loadFlow } from '../support/flow';
import { PERMISSIONS_HEADER, READ, modelPermissions } from '../support/permissions';
import { USER_PICKER_PATH } from '../../src/nodes/user-picker';
import { checkInvariants, completed, figures, sendTagged, tally, useDouble } from './support';

const FLOOD = 400;
const MESSAGES = 200;

/** Posts a raw JSON text as a reader: the permission a read-only editor user has. */
function postAsReader(body: string) {
  return helper
    .request()
    .post(USER_PICKER_PATH)
    .set('Content-Type', 'application/json')
    .set(PERMISSIONS_HEADER, READ)
    .send(body);
}

/** Bodies a read-only user might try: pending settings in every disguise, and junk. */
function hostileBodies(elsewhere: string): string[] {
  const values = [
    JSON.stringify(elsewhere),
    JSON.stringify(`${elsewhere}/admin?x=1`),
    '"__PWRD__"',
    '""',
    'null',
    '0',
    'true',
    '[]',
    '{}',
    JSON.stringify({ toString: elsewhere }),
    JSON.stringify('x'.repeat(100_000)),
  ];
  const keys = [
    'token',
    'baseUrl',
    'clientIdentifier',
    'product',
    'timeout',
    'retries',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'Id',
    'id ',
    'refresh ',
  ];
  const bodies: string[] = [];
  for (const key of keys) {
    for (const value of values) bodies.push(`{"id":"acc",${JSON.stringify(key)}:${value}}`);
  }
  for (const id of ['"acc"', '"nope"', '"../flows"', '42', 'null', '["acc"]', '{"id":"acc"}']) {
    bodies.push(`{"id":${id},"token":"t","baseUrl":${JSON.stringify(elsewhere)}}`);
    bodies.push(`{"id":${id}}`, `{"id":${id},"refresh":true}`, `{"id":${id},"refresh":"yes"}`);
  }
  bodies.push('[]', '[{"id":"acc","baseUrl":1}]');
  return bodies;
}

/** Whether a body holds anything but `id` and `refresh`, which only a writer may send. */
function pendingSettings(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    return Object.keys(parsed).some((key) => key !== 'id' && key !== 'refresh');
  } catch {
    return false;
  }
}

describe('reliability: the user picker', () => {
  const currentDouble = useDouble();
  afterEach(() => sinon.restore());

  it(`${FLOOD} picker calls while ${MESSAGES} messages look names up: one list request, every message done`, async () => {
    const double = currentDouble();
    const flow = await loadFlow({ double, account: { maxConcurrent: 4, retries: 0 } });
    const picks = Array.from({ length: FLOOD }, (_, i) =>
      helper
        .request()
        .post(USER_PICKER_PATH)
        .send({ id: 'acc', ...(i % 10 === 9 ? { refresh: true } : {}) }),
    );
    const tags = sendTagged(
      flow,
      Array.from({ length: MESSAGES }, (_, i) => ({ payload: i % 2 ? 'Kids' : 'teen' })),
    );
    tally.inputs += FLOOD;
    const answers = await Promise.all(picks);
    await completed(flow, MESSAGES);
    checkInvariants(flow, tags, { errorWired: true });
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.body.users.length, 2);
    }
    assert.equal(flow.user.length, MESSAGES, 'every message removed a PIN');
    const lists = double.requests.filter((r) => r.path === '/api/v2/home/users').length;
    figures.push(
      `user picker: ${FLOOD} calls (every tenth asking to refresh) beside ${MESSAGES} messages: ` +
        `${lists} Home users request(s) to plex.tv`,
    );
    assert.ok(lists <= 2, `${lists} list requests`);
  });

  it('a reader never makes the server contact a host: every hostile body answered, none reaching a server', async () => {
    const double = currentDouble();
    const elsewhere = new PlexTvDouble({ token: 't' });
    await elsewhere.start();
    try {
      modelPermissions();
      await loadFlow({ double });
      // The deployed account's list, cached before the bodies arrive.
      const first = await postAsReader('{"id":"acc"}');
      assert.equal(first.status, 200);
      const connections = double.connections;
      const bodies = hostileBodies(elsewhere.url);
      const statuses = new Map<number, number>();
      for (const body of bodies) {
        tally.inputs++;
        const answer = await postAsReader(body);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 500 || answer.text.includes(DOUBLE_TOKEN)) tally.crashes++;
        assert.ok([200, 400, 403, 404].includes(answer.status), `${answer.status} for ${body}`);
        assert.equal(answer.headers['cache-control'], 'no-store');
        if (answer.status === 200) assert.ok(!pendingSettings(body), `answered: ${body}`);
      }
      const reached = elsewhere.connections + (double.connections - connections);
      tally.leaks += reached;
      assert.equal(elsewhere.connections, 0, 'the other server saw no connection');
      assert.equal(double.connections, connections, 'nor did the deployed one, after the first');
      figures.push(
        `user picker: ${bodies.length} hostile bodies from a reader: ${[...statuses]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${count} × ${status}`)
          .join(', ')}; 0 connections to any host`,
      );
    } finally {
      await elsewhere.stop();
    }
  });
});
