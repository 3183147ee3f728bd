import type { NodeAPI } from 'node-red';
import { PlexTvError } from '../lib/errors';
import type { AccountUser, PlexTvClient } from '../lib/plex-tv-client';
import {
  accountRoute,
  answerAbout,
  failure,
  failureOf,
  needsWrite,
  text,
  type Answer,
  type Request,
} from './admin-route';
import { clientModule } from './client-module';
import { WaitingSignIns, type SignInIdentity, type WaitingSignIn } from './waiting-sign-ins';

export { MAX_WAITING, MAX_WAITING_PER_USER } from './waiting-sign-ins';

/** Starts a sign-in: makes a PIN and gives the address of the page that signs it in. */
export const SIGN_IN_PATH = '/plex-account/sign-in';
/** Asks whether somebody has signed in with that PIN yet. */
export const SIGN_IN_POLL_PATH = '/plex-account/sign-in/poll';
/** Tells who a token belongs to: the deployed account's, or one typed in the editor. */
export const TOKEN_CHECK_PATH = '/plex-account/check';

/** Polls of one PIN closer together than this are answered `waiting` without asking plex.tv. */
export const POLL_INTERVAL_MS = 900;
/** What a check of the deployed account holds; anything else is a pending setting. */
const CHECK_FIELDS = new Set(['id']);

/**
 * The admin routes behind the account dialog's "Sign in with Plex" and "Check" buttons.
 *
 * POST `sign-in` `{ clientIdentifier, product?, deviceName?, baseUrl?, authUrl? }` asks plex.tv
 * for a PIN and answers `{ pinId, code, authUrl, expiresAt }`, `authUrl` being the page where
 * the user signs in. POST `sign-in/poll` `{ pinId, clientIdentifier, baseUrl? }` answers
 * `{ state: 'waiting' | 'expired' }`, or `{ state: 'signed-in', token, user }` once. Both
 * make the server contact a host of the caller's choosing and hand out a token, so both need
 * `plex-account.write`: a reader gets 403 and nothing is sent anywhere. The runtime keeps the
 * PINs it made, each for the editor user who asked: a poll for any other PIN, or by anybody
 * else, is NOT_FOUND and asks plex.tv nothing.
 *
 * POST `check` `{ id }` tells who the deployed account's token belongs to (read allowed; one
 * request per 10 s per account, however often it is asked); with pending settings (`token`,
 * `baseUrl`, …) it checks those, which needs `plex-account.write` like the user picker. It
 * answers `{ user: { id, uuid, username, title, homeAdmin } }`, never the token.
 *
 * Failures answer `{ error: { code, message } }`, and nothing here may be cached.
 */
export function registerSignInRoutes(RED: NodeAPI): void {
  const waiting = new WaitingSignIns();
  const signInNeedsWrite = needsWrite(RED, () => RED._('plex-account.errors.sign-in-needs-write'));
  accountRoute(RED, SIGN_IN_PATH, signInNeedsWrite, (body, signal, req) =>
    startSignIn(RED, waiting, body, ownerOf(req), signal),
  );
  accountRoute(RED, SIGN_IN_POLL_PATH, signInNeedsWrite, (body, _signal, req) =>
    pollSignIn(RED, waiting, body, ownerOf(req)),
  );
  const checkNeedsWrite = needsWrite(
    RED,
    () => RED._('plex-account.errors.check-needs-write'),
    CHECK_FIELDS,
  );
  accountRoute(RED, TOKEN_CHECK_PATH, checkNeedsWrite, (body, signal) =>
    checkToken(RED, body, signal),
  );
}

async function startSignIn(
  RED: NodeAPI,
  waiting: WaitingSignIns,
  body: Record<string, unknown>,
  owner: string,
  signal: AbortSignal,
): Promise<Answer> {
  let client: PlexTvClient | undefined;
  try {
    const identity = identityOf(RED, body);
    const { DEFAULT_AUTH_URL, normaliseBaseUrl, signInPageUrl } = clientModule();
    // The page opens in the editor's browser: an https page, or one on this machine.
    const page = normaliseBaseUrl(text(body.authUrl) || DEFAULT_AUTH_URL, 'The sign-in page URL');
    if (!waiting.hasRoom(owner)) {
      return failure(429, 'RATE_LIMITED', RED._('plex-account.errors.too-many-sign-ins'));
    }
    client = temporaryClient(identity);
    const pin = await client.createSignInPin({ signal });
    waiting.add({ ...identity, owner, pinId: pin.id, expiresAt: pin.expiresAt });
    return {
      status: 200,
      body: {
        pinId: pin.id,
        code: pin.code,
        authUrl: signInPageUrl(page, { ...identity, code: pin.code }),
        expiresAt: new Date(pin.expiresAt).toISOString(),
      },
    };
  } catch (error) {
    return failureOf(error, RED._('plex-account.errors.sign-in-failed'));
  } finally {
    client?.close();
  }
}

async function pollSignIn(
  RED: NodeAPI,
  waiting: WaitingSignIns,
  body: Record<string, unknown>,
  owner: string,
): Promise<Answer> {
  const pinId = clientModule().positiveInteger(body.pinId);
  if (pinId === undefined)
    return failure(400, 'NOT_CONFIGURED', RED._('plex-account.errors.bad-pin-id'));
  let baseUrl: string;
  try {
    const { normaliseBaseUrl, DEFAULTS } = clientModule();
    baseUrl = normaliseBaseUrl(text(body.baseUrl) || DEFAULTS.baseUrl);
  } catch (error) {
    return failureOf(error, RED._('plex-account.errors.sign-in-failed'));
  }
  const entry = waiting.find(owner, text(body.clientIdentifier), baseUrl, pinId);
  if (!entry) return failure(404, 'NOT_FOUND', RED._('plex-account.errors.no-sign-in'));
  const now = Date.now();
  if (now >= entry.expiresAt) {
    waiting.forget(entry);
    return { status: 200, body: { state: 'expired' } };
  }
  if (entry.polling) return entry.polling;
  if (
    entry.polledAt !== undefined &&
    now >= entry.polledAt &&
    now - entry.polledAt < POLL_INTERVAL_MS
  ) {
    return { status: 200, body: { state: 'waiting' } };
  }
  entry.polledAt = now;
  // Shared by the polls that come meanwhile, so not tied to the editor request that started it.
  entry.polling = askPlexTv(RED, entry).then((answer) => {
    entry.polling = undefined;
    const state = (answer.body as { state?: string }).state;
    if (state === 'expired' || state === 'signed-in') waiting.forget(entry);
    return answer;
  });
  return entry.polling;
}

/** One poll of plex.tv: the PIN, then, once it has a token, who that token belongs to. */
async function askPlexTv(RED: NodeAPI, entry: WaitingSignIn): Promise<Answer> {
  const client = temporaryClient(entry);
  try {
    let token: string | undefined;
    try {
      token = (await client.checkSignInPin(entry.pinId)).authToken;
    } catch (error) {
      // plex.tv no longer knows the PIN: it expired (code 1020).
      if (error instanceof PlexTvError && error.code === 'NOT_FOUND') {
        return { status: 200, body: { state: 'expired' } };
      }
      throw error;
    }
    if (!token) return { status: 200, body: { state: 'waiting' } };
    const user: AccountUser = await client.currentUser({ token });
    return { status: 200, body: { state: 'signed-in', token, user } };
  } catch (error) {
    // The PIN stays: the next poll reads its token again.
    return failureOf(error, RED._('plex-account.errors.sign-in-failed'));
  } finally {
    client.close();
  }
}

function checkToken(
  RED: NodeAPI,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Answer> {
  return answerAbout(RED, body, RED._('plex-account.errors.check-failed'), async (subject) => ({
    user:
      'pending' in subject
        ? await subject.pending.currentUser({ signal })
        : await subject.account.checkToken(),
  }));
}

/** The identity a request body gives, within the rules an account's settings follow. */
function identityOf(RED: NodeAPI, body: Record<string, unknown>): SignInIdentity {
  const { DEFAULTS, headerText, isClientIdentifier, normaliseBaseUrl } = clientModule();
  const clientIdentifier = text(body.clientIdentifier);
  if (!isClientIdentifier(clientIdentifier)) {
    throw new PlexTvError('NOT_CONFIGURED', RED._('plex-account.errors.client-id'));
  }
  return {
    clientIdentifier,
    product: headerText(text(body.product), DEFAULTS.product),
    deviceName: headerText(text(body.deviceName), DEFAULTS.deviceName),
    baseUrl: normaliseBaseUrl(text(body.baseUrl) || DEFAULTS.baseUrl),
  };
}

/** A client for one request of the editor's, with no retries: the editor asks again. */
function temporaryClient(identity: SignInIdentity): PlexTvClient {
  const { PlexTvClient } = clientModule();
  return new PlexTvClient({ ...identity, token: '', retries: 0 });
}

/** The signed-in editor user (adminAuth on), or '' for everybody when it is off. */
function ownerOf(req: Request): string {
  const username = req.user?.username;
  return typeof username === 'string' ? username : '';
}
