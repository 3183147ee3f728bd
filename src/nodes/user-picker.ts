import type { NodeAPI } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { pickerUsers } from '../lib/home-users';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { isRecord } from '../lib/records';
import { clientModule } from './client-module';
import type { PlexAccountNode } from './plex-account';

/** Where the editor's user picker asks for a Home's managed users. */
export const USER_PICKER_PATH = '/plex-account/users';
const NODE_ID = /^[0-9A-Za-z._-]{1,64}$/;
/** The editor's stand-in for a password it has stored but does not know. */
const KEPT_PASSWORD = '__PWRD__';
/** What a request may hold for the deployed account; anything else is a pending setting. */
const DEPLOYED_FIELDS = new Set(['id', 'refresh']);
/**
 * Each account's last failed list, answered again for a while: a failure is not cached by
 * the client, and the picker must not let anybody who may read make plex.tv hear from us
 * once per call.
 */
const recentFailures = new WeakMap<PlexTvClient, { at: number; error: PlexTvError }>();

interface Request {
  body?: unknown;
}
interface Response {
  setHeader(name: string, value: string): unknown;
  status(code: number): { json(body: unknown): void };
  on(event: 'close', listener: () => void): unknown;
  readonly writableFinished?: boolean;
}
type Next = (error?: unknown) => void;
type Middleware = (req: Request, res: Response, next: Next) => void;

interface Answer {
  status: number;
  body: unknown;
}

/**
 * The admin endpoint behind the editor's user picker. POST `{ id }` lists the managed users
 * of the deployed account `id` from its Home users cache, `{ id, refresh: true }` asks
 * plex.tv again (at most once per 10 s per account). It answers `{ users: [{ id, title,
 * protected }] }` or `{ error: { code, message } }`, never the token.
 *
 * Anything else in the body is the editor's pending (not yet deployed) settings: `{ id,
 * token, baseUrl, clientIdentifier, product }`. Those make the server send a token of the
 * caller's choosing to a host of the caller's choosing, so they need `plex-account.write`
 * (the permission that can deploy such an account anyway); a reader gets 403 and nothing is
 * requested from any host. A stored token is only ever used with its own deployed settings.
 */
export function registerUserPicker(RED: NodeAPI): void {
  RED.httpAdmin.post(
    USER_PICKER_PATH,
    noStore,
    RED.auth.needsPermission('plex-account.read'),
    pendingSettingsNeedWrite(RED),
    (req: Request, res: Response) => {
      const controller = new AbortController();
      // The editor went away (closed, or asked again): stop waiting for plex.tv on its behalf.
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      void listForPicker(RED, req.body, controller.signal).then((answer) =>
        res.status(answer.status).json(answer.body),
      );
    },
  );
}

/** Every answer, refusals included, is about this moment and this user: no cache may keep it. */
const noStore: Middleware = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * Lets a request with pending settings through only when Node-RED's own check grants
 * `plex-account.write`. Its refusal is a bare 401, which makes the editor ask the signed-in
 * user to log in again; it becomes a 403 the picker can show.
 */
function pendingSettingsNeedWrite(RED: NodeAPI): Middleware {
  const writeCheck = RED.auth.needsPermission('plex-account.write') as unknown as Middleware;
  return (req, res, next) => {
    if (!hasPendingSettings(req.body)) {
      next();
      return;
    }
    let settled = false;
    const settle = (allowed: boolean) => {
      if (settled) return;
      settled = true;
      if (allowed) next();
      else {
        const { status, body } = failure(
          403,
          'FORBIDDEN',
          RED._('plex-account.errors.needs-write'),
        );
        res.status(status).json(body);
      }
    };
    // Whatever the check writes is a refusal: it only ever answers to refuse.
    const refused = () => settle(false);
    const probe = {
      statusCode: 200,
      status: () => probe,
      setHeader: () => probe,
      end: refused,
      json: refused,
      send: refused,
      redirect: refused,
    };
    writeCheck(req, probe as unknown as Response, (error?: unknown) => settle(!error));
  };
}

function hasPendingSettings(body: unknown): boolean {
  return isRecord(body) && Object.keys(body).some((key) => !DEPLOYED_FIELDS.has(key));
}

async function listForPicker(RED: NodeAPI, body: unknown, signal: AbortSignal): Promise<Answer> {
  let temporary: PlexTvClient | undefined;
  try {
    const request = isRecord(body) ? body : {};
    const id = typeof request.id === 'string' ? request.id : '';
    if (!NODE_ID.test(id))
      return failure(400, 'NOT_CONFIGURED', RED._('plex-account.errors.bad-id'));
    const token = text(request.token);
    if (token && token !== KEPT_PASSWORD) {
      const { PlexTvClient } = clientModule();
      temporary = new PlexTvClient({
        token,
        clientIdentifier: text(request.clientIdentifier),
        product: text(request.product) || undefined,
        baseUrl: text(request.baseUrl) || undefined,
        retries: 0,
      });
      const { users } = await temporary.listHomeUsers({ signal });
      return { status: 200, body: { users: pickerUsers(users) } };
    }
    const account = RED.nodes.getNode(id) as PlexAccountNode | null;
    if (account?.type !== 'plex-account' || typeof account.getClient !== 'function') {
      return failure(404, 'NOT_CONFIGURED', RED._('plex-account.errors.not-deployed'));
    }
    const { users } = await deployedUsers(account.getClient(), request.refresh === true, signal);
    return { status: 200, body: { users: pickerUsers(users) } };
  } catch (error) {
    if (!(error instanceof PlexTvError)) {
      return failure(500, 'INTERNAL', RED._('plex-account.errors.picker-failed'));
    }
    // A plex.tv refusal is not the editor's own 401/403: it is a failure upstream.
    const status = ['NOT_CONFIGURED', 'INVALID_USER_ID'].includes(error.code) ? 400 : 502;
    return failure(status, error.code, error.message);
  } finally {
    temporary?.close();
  }
}

/** The deployed account's list, from its cache or refreshed; a recent failure answers again. */
async function deployedUsers(
  client: PlexTvClient,
  refresh: boolean,
  signal: AbortSignal,
): ReturnType<PlexTvClient['cachedHomeUsers']> {
  const now = Date.now();
  const failed = recentFailures.get(client);
  const { HOME_USERS_REFRESH_MS } = clientModule();
  if (failed && now >= failed.at && now - failed.at < HOME_USERS_REFRESH_MS) throw failed.error;
  try {
    return await (refresh
      ? client.refreshHomeUsers({ signal })
      : client.cachedHomeUsers({ signal }));
  } catch (error) {
    // ABORTED is this caller's own doing (the editor went away), not the account's state.
    if (error instanceof PlexTvError && error.code !== 'ABORTED') {
      recentFailures.set(client, { at: now, error });
    }
    throw error;
  }
}

function failure(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
