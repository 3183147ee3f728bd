import type { NodeAPI } from 'node-red';
import { PlexTvError } from '../lib/errors';
import type { PlexTvClient } from '../lib/plex-tv-client';
import { isRecord } from '../lib/records';
import { clientModule } from './client-module';
import type { PlexAccountNode } from './plex-account';

/**
 * What the plex-account admin routes (the user and server pickers, sign-in, its poll, and the
 * token check) share: JSON answers nobody may cache, `plex-account.read` for all, Node-RED's
 * permission check for `plex-account.write` answered as a 403 the editor can show, the subject
 * of a request (pending settings or a deployed account), and the mapping of failures to
 * `{ error: { code, message } }`. Texts come from the plex-account catalogue.
 */

export interface Request {
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  /** The signed-in editor user, when Node-RED's adminAuth is on. */
  user?: { username?: unknown };
}
export interface Response {
  setHeader(name: string, value: string): unknown;
  status(code: number): { json(body: unknown): void };
  on(event: 'close', listener: () => void): unknown;
  readonly writableFinished?: boolean;
}
type Next = (error?: unknown) => void;
export type Middleware = (req: Request, res: Response, next: Next) => void;

/** An answer of a route: its HTTP status and JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** The editor's stand-in for a password it has stored but does not know. */
const KEPT_PASSWORD = '__PWRD__';
/** What a Node-RED node id looks like. */
const NODE_ID = /^[0-9A-Za-z._-]{1,64}$/;

/** Every answer, refusals included, is about this moment and this user: no cache may keep it. */
const noStore: Middleware = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * JSON bodies only, as the editor sends them: a form (which Node-RED's admin app would also
 * parse, into nested objects) is refused with 415 before anything is read from it. This is
 * no guard against other web sites: Node-RED's admin app answers cross-origin requests from
 * any origin, so without adminAuth any page can call these routes, as it can deploy flows.
 * adminAuth is the guard (its token travels in a header no other site can send).
 */
function jsonOnly(RED: NodeAPI): Middleware {
  return (req, res, next) => {
    const type = String(req.headers?.['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (type === 'application/json') {
      next();
      return;
    }
    const { status, body } = failure(415, 'BAD_REQUEST', RED._('plex-account.errors.json-only'));
    res.status(status).json(body);
  };
}

/**
 * Lets a request through only when Node-RED's own check grants `plex-account.write`; with
 * `deployedFields`, a request holding no other fields (nothing pending) needs no more than read.
 * Node-RED refuses with a bare 401, which makes the editor ask the signed-in user to log in
 * again; it becomes a 403 with the text `refusal` gives, which the editor can show.
 */
export function needsWrite(
  RED: NodeAPI,
  refusal: () => string,
  deployedFields?: ReadonlySet<string>,
): Middleware {
  const writeCheck = RED.auth.needsPermission('plex-account.write') as unknown as Middleware;
  return (req, res, next) => {
    if (deployedFields && !hasFieldsBeyond(req.body, deployedFields)) {
      next();
      return;
    }
    let settled = false;
    const settle = (allowed: boolean) => {
      if (settled) return;
      settled = true;
      if (allowed) next();
      else {
        const { status, body } = failure(403, 'FORBIDDEN', refusal());
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

/** Whether a request body holds anything besides the fields `deployed` names. */
function hasFieldsBeyond(body: unknown, deployed: ReadonlySet<string>): boolean {
  return isRecord(body) && Object.keys(body).some((key) => !deployed.has(key));
}

/**
 * POST `path` on Node-RED's admin app: answers nobody may cache; `plex-account.read` at least
 * (else Node-RED's own 401, which asks the editor user to log in); a JSON body (else 415); then
 * `guard` (write, where the request needs it); then `answer`, as jsonRoute runs it.
 */
export function accountRoute(
  RED: NodeAPI,
  path: string,
  guard: Middleware,
  answer: Parameters<typeof jsonRoute>[0],
): void {
  RED.httpAdmin.post(
    path,
    noStore,
    RED.auth.needsPermission('plex-account.read'),
    jsonOnly(RED),
    guard,
    jsonRoute(answer),
  );
}

/**
 * The route's handler: `answer` is given the body, the caller and a signal that aborts when
 * the editor hangs up (closed, or asked again), so nothing waits on plex.tv for nobody.
 */
function jsonRoute(
  answer: (body: Record<string, unknown>, signal: AbortSignal, req: Request) => Promise<Answer>,
): (req: Request, res: Response) => void {
  return (req, res) => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    void answer(isRecord(req.body) ? req.body : {}, controller.signal, req).then(
      ({ status, body }) => res.status(status).json(body),
    );
  };
}

export function failure(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

/**
 * A failure as a route answers it: a bad or missing setting is the caller's (400), a plex.tv
 * refusal is not the editor's own 401/403 but a failure upstream (502), anything else is
 * `unexpected` (500, naming no detail).
 */
export function failureOf(error: unknown, unexpected: string): Answer {
  if (!(error instanceof PlexTvError)) return failure(500, 'INTERNAL', unexpected);
  const status = ['NOT_CONFIGURED', 'INVALID_USER_ID'].includes(error.code) ? 400 : 502;
  return failure(status, error.code, error.message);
}

/** What a request is about: settings typed in the editor, or a deployed account. */
export type Subject = { pending: PlexTvClient } | { account: PlexAccountNode };

/**
 * The subject of a request about an account: with a typed token (not the editor's stand-in for
 * a stored one), a client of the pending settings in the body, which answerAbout closes; else
 * the deployed account the body's `id` names, with its own settings. A stored token is only
 * ever used with those. A bad id is 400, an account not deployed 404.
 */
function subjectOf(RED: NodeAPI, body: Record<string, unknown>): Subject | Answer {
  const id = typeof body.id === 'string' ? body.id : '';
  if (!NODE_ID.test(id)) return failure(400, 'NOT_CONFIGURED', RED._('plex-account.errors.bad-id'));
  const token = text(body.token);
  if (token && token !== KEPT_PASSWORD) {
    const { PlexTvClient, isClientIdentifier } = clientModule();
    // The rule sign-in follows: pending settings are what the account will be deployed with.
    const clientIdentifier = text(body.clientIdentifier);
    if (!isClientIdentifier(clientIdentifier)) {
      return failure(400, 'NOT_CONFIGURED', RED._('plex-account.errors.client-id'));
    }
    const pending = new PlexTvClient({
      token,
      clientIdentifier,
      product: text(body.product) || undefined,
      deviceName: text(body.deviceName) || undefined,
      baseUrl: text(body.baseUrl) || undefined,
      retries: 0,
    });
    return { pending };
  }
  const account = RED.nodes.getNode(id) as PlexAccountNode | null;
  if (account?.type !== 'plex-account' || typeof account.getClient !== 'function') {
    return failure(404, 'NOT_CONFIGURED', RED._('plex-account.errors.not-deployed'));
  }
  return { account };
}

/**
 * The answer to a request about an account (its subject as subjectOf finds it): what `work`
 * gives is the body of a 200 answer; a failure is answered as failureOf says, `unexpected`
 * naming what failed. A client of pending settings is closed once the work is done.
 */
export async function answerAbout(
  RED: NodeAPI,
  body: Record<string, unknown>,
  unexpected: string,
  work: (subject: Subject) => Promise<unknown>,
): Promise<Answer> {
  let subject: Subject | Answer | undefined;
  try {
    subject = subjectOf(RED, body);
    if ('status' in subject) return subject;
    return { status: 200, body: await work(subject) };
  } catch (error) {
    return failureOf(error, unexpected);
  } finally {
    if (subject && 'pending' in subject) subject.pending.close();
  }
}

/** A string field of a request body, trimmed; anything else is ''. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
