import assert from 'node:assert/strict';
import { PlexTvDouble } from '../double/plex-tv-double';
import { adminApi } from '../../scripts/node-red-runtime';
import { CLIENT_ID, adminAuth, deployAccount, postAdmin, signIn } from './admin-auth';
import { newToken, startRuntime, type Runtime } from './support';

/**
 * The user picker's admin endpoint in a real Node-RED with `adminAuth` on: Node-RED's own
 * sign-in and permission checks, not the test helper's (which checks none).
 */

const PICKER = '/plex-account/users';
/** The Server setting's picker: the same rules. */
const SERVER_PICKER = '/plex-account/servers';

/** What a picker answers. */
interface PickerBody {
  users?: Array<{ id: number; title: string }>;
  servers?: Array<{ name: string }>;
  error?: { code: string };
}

/** What each caller of the permission matrix below sends with a request. */
type Caller = 'admin' | 'viewer' | 'anonymous';

for (const anonymous of ['none', 'read'] as const) {
  describe(`end to end: the user picker under adminAuth (anonymous: ${anonymous})`, function () {
    this.timeout(120_000);
    const token = newToken();
    const pendingToken = newToken();
    /** The deployed account's plex.tv. */
    let double: PlexTvDouble;
    /** A second local server: where pending settings point. */
    let elsewhere: PlexTvDouble;
    let runtime: Runtime;
    const as: Record<Caller, Record<string, string>> = { admin: {}, viewer: {}, anonymous: {} };
    /** Everything the picker answered, to search for the tokens at the end. */
    const said: string[] = [];

    const call = async (caller: Caller, body: Record<string, unknown>, route = PICKER) => {
      const answer = await postAdmin<PickerBody>(runtime.url, route, body, as[caller]);
      said.push(answer.text);
      return answer;
    };
    const pending = () => ({
      id: 'acc',
      token: pendingToken,
      baseUrl: elsewhere.url,
      clientIdentifier: CLIENT_ID,
      product: 'Probe',
    });

    before(async () => {
      double = new PlexTvDouble({ token });
      elsewhere = new PlexTvDouble({ token: pendingToken });
      await Promise.all([double.start(), elsewhere.start()]);
      runtime = await startRuntime(`picker-${anonymous}`, { adminAuth: adminAuth(anonymous) });
      as.admin = await signIn(runtime.url, 'admin');
      as.viewer = await signIn(runtime.url, 'viewer');
      await deployAccount(runtime, as.admin, double, token);
    });

    after(async () => {
      await runtime?.stop();
      await Promise.all([double?.stop(), elsewhere?.stop()]);
    });

    it('the viewer is read-only in this runtime: it may not deploy', async () => {
      await assert.rejects(
        adminApi(runtime.url, 'POST', '/flows', { flows: [] }, as.viewer),
        /answered 401/,
      );
    });

    const readers: Caller[] = anonymous === 'read' ? ['viewer', 'anonymous'] : ['viewer'];
    for (const reader of readers) {
      it(`${reader}: the deployed account's users, from its cache or refreshed`, async () => {
        for (const body of [{ id: 'acc' }, { id: 'acc', refresh: true }]) {
          const answer = await call(reader, body);
          assert.equal(answer.status, 200, JSON.stringify(answer));
          assert.equal(answer.cacheControl, 'no-store');
          assert.deepEqual(
            answer.body.users?.map((u) => u.title),
            ['Kids', 'Teen'],
          );
        }
        assert.ok(double.requests.length <= 2, `${double.requests.length} requests to plex.tv`);
      });

      const refused: Array<[string, () => Record<string, unknown>]> = [
        ['pending settings pointing at another local server', pending],
        ['a URL alone', () => ({ id: 'acc', baseUrl: `${elsewhere.url}/internal` })],
      ];
      for (const route of [PICKER, SERVER_PICKER]) {
        for (const [what, body] of refused) {
          it(`${reader}: ${what} is refused with 403 at ${route}; that server sees no connection at all`, async () => {
            const before = double.requests.length;
            const answer = await call(reader, body(), route);
            assert.equal(answer.status, 403, JSON.stringify(answer));
            assert.equal(answer.body.error?.code, 'FORBIDDEN');
            assert.equal(answer.cacheControl, 'no-store');
            assert.equal(elsewhere.connections, 0, 'no connection to the other server');
            assert.equal(double.requests.length, before, 'nor a request to the deployed one');
          });
        }
      }

      it(`${reader}: the deployed account's servers, names only`, async () => {
        const answer = await call(reader, { id: 'acc' }, SERVER_PICKER);
        assert.equal(answer.status, 200, JSON.stringify(answer));
        assert.equal(answer.cacheControl, 'no-store');
        assert.deepEqual(answer.body.servers, []);
      });
    }

    if (anonymous === 'none') {
      it('anonymous: refused by Node-RED itself, pending settings or not', async () => {
        for (const body of [{ id: 'acc' }, pending()]) {
          const answer = await call('anonymous', body);
          assert.equal(answer.status, 401);
          assert.equal(answer.cacheControl, 'no-store');
        }
        assert.equal(elsewhere.connections, 0);
      });
    }

    it('admin: the deployed list, and pending settings too (last: it is the one that connects)', async () => {
      const deployed = await call('admin', { id: 'acc' });
      assert.equal(deployed.status, 200);
      assert.equal(elsewhere.connections, 0, 'nobody reached the other server before');
      const answer = await call('admin', pending());
      assert.equal(answer.status, 200, JSON.stringify(answer));
      assert.equal(answer.body.users?.length, 2);
      assert.equal(elsewhere.requests.length, 1);
      assert.equal(elsewhere.requests[0].headers['x-plex-product'], 'Probe');
    });

    it('no answer and no log line holds either token', () => {
      assert.ok(said.length >= 4);
      for (const text of [...said, runtime.nodeRed.log()]) {
        assert.ok(!text.includes(token), 'the deployed token');
        assert.ok(!text.includes(pendingToken), 'the pending token');
      }
    });
  });
}
