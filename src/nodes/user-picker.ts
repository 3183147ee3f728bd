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

interface Answer {
  status: number;
  body: unknown;
}

/**
 * The admin endpoint behind the editor's user picker. POST `{ id }` lists the managed users
 * of the deployed account `id`; POST `{ id, token, baseUrl, clientIdentifier, product }` uses
 * the editor's pending (not yet deployed) settings instead. It answers `{ users: [{ id, title,
 * protected }] }` or `{ error: { code, message } }`, never the token. A stored token is only
 * ever used with its own deployed settings, so a request cannot send it to another host.
 */
export function registerUserPicker(RED: NodeAPI): void {
  RED.httpAdmin.post(
    USER_PICKER_PATH,
    RED.auth.needsPermission('plex-account.read'),
    (req: { body?: unknown }, res: { status(code: number): { json(body: unknown): void } }) => {
      void listForPicker(RED, req.body).then((answer) =>
        res.status(answer.status).json(answer.body),
      );
    },
  );
}

async function listForPicker(RED: NodeAPI, body: unknown): Promise<Answer> {
  let temporary: PlexTvClient | undefined;
  try {
    const request = isRecord(body) ? body : {};
    const id = typeof request.id === 'string' ? request.id : '';
    if (!NODE_ID.test(id))
      return failure(400, 'NOT_CONFIGURED', RED._('plex-account.errors.bad-id'));
    let client: PlexTvClient;
    const token = typeof request.token === 'string' ? request.token.trim() : '';
    if (token && token !== KEPT_PASSWORD) {
      const { PlexTvClient } = clientModule();
      temporary = new PlexTvClient({
        token,
        clientIdentifier: text(request.clientIdentifier),
        product: text(request.product) || undefined,
        baseUrl: text(request.baseUrl) || undefined,
        retries: 0,
      });
      client = temporary;
    } else {
      const account = RED.nodes.getNode(id) as PlexAccountNode | null;
      if (account?.type !== 'plex-account' || typeof account.getClient !== 'function') {
        return failure(404, 'NOT_CONFIGURED', RED._('plex-account.errors.not-deployed'));
      }
      client = account.getClient();
    }
    const { users } = await client.listHomeUsers();
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

function failure(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
