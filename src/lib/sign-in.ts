import { badResponse, readBody } from './answers';
import { isHeaderToken } from './identity';
import { isRecord, positiveInteger, toBoolean } from './records';
import type { Answer } from './transport';
import { lineOfText } from './text';

/** A sign-in PIN as plex.tv made it: its id, the code the sign-in page takes, and when it ends. */
export interface SignInPin {
  id: number;
  code: string;
  /** Milliseconds since the epoch, by this machine's clock. */
  expiresAt: number;
}

/** A PIN polled: the token once somebody has signed in with it, none before. */
export interface PinCheck {
  authToken?: string;
}

/** Who a token belongs to, as GET /api/v2/user says: only what the editor and the log show. */
export interface AccountUser {
  id: number;
  uuid: string;
  username: string;
  title: string;
  /** The Plex Home administrator: the only account the PIN endpoints take. */
  homeAdmin: boolean;
}

/** The sign-in page's default address: Plex's own. */
export const DEFAULT_AUTH_URL = 'https://app.plex.tv/auth';
/** How long plex.tv keeps a strong PIN, for an answer that says nothing of it. */
const STRONG_PIN_SECONDS = 1800;

const PIN_CODE = /^[0-9A-Za-z]{1,64}$/;
const MAX_TEXT = 256;

/** The page that signs a PIN in: parameters in the fragment, as Plex's page reads them. */
export function signInPageUrl(
  authUrl: string,
  pin: { clientIdentifier: string; code: string; product: string },
): string {
  const parameters = [
    `clientID=${encodeURIComponent(pin.clientIdentifier)}`,
    `code=${encodeURIComponent(pin.code)}`,
    `context%5Bdevice%5D%5Bproduct%5D=${encodeURIComponent(pin.product)}`,
  ];
  return `${authUrl}#?${parameters.join('&')}`;
}

/** The PIN of a POST /api/v2/pins answer (JSON, or a `pin` element); anything else is BAD_RESPONSE. */
export async function readNewPin(answer: Answer, now: number): Promise<SignInPin> {
  const fields = await pinFields(answer);
  const id = positiveInteger(fields.id);
  const code = fields.code;
  if (id === undefined || typeof code !== 'string' || !PIN_CODE.test(code)) {
    throw badResponse(answer, 'without a usable sign-in PIN');
  }
  return { id, code, expiresAt: expiry(fields, now) };
}

/** The token of a GET /api/v2/pins/{id} answer, when it has one that a header can carry. */
export async function readPinCheck(answer: Answer): Promise<PinCheck> {
  const token = (await pinFields(answer)).authToken;
  if (token === undefined || token === null || token === '') return {};
  // A token that cannot go into a header as it is would be sent mangled, or not at all.
  if (typeof token !== 'string' || !isHeaderToken(token)) {
    throw badResponse(answer, 'with a token this client cannot use');
  }
  return { authToken: token };
}

/** The user of a GET /api/v2/user answer (JSON, or a `user` element); its token is not read. */
export async function readAccountUser(answer: Answer): Promise<AccountUser> {
  const { xml, json } = await readBody(answer);
  const fields = xml?.name === 'user' ? xml.attributes : isRecord(json) ? json : undefined;
  const id = fields && positiveInteger(fields.id);
  if (!fields || id === undefined) throw badResponse(answer, 'without a readable user');
  return {
    id,
    uuid: shortText(fields.uuid),
    username: shortText(fields.username),
    title: shortText(fields.title),
    homeAdmin: toBoolean(fields.homeAdmin) === true,
  };
}

async function pinFields(answer: Answer): Promise<Record<string, unknown>> {
  const { xml, json } = await readBody(answer);
  if (xml?.name === 'pin') return xml.attributes;
  if (isRecord(json)) return json;
  throw badResponse(answer, 'without a readable sign-in PIN');
}

/** From `expiresIn`, which no difference between plex.tv's clock and ours can skew; at most 30 minutes. */
function expiry(fields: Record<string, unknown>, now: number): number {
  const seconds = positiveInteger(fields.expiresIn) ?? STRONG_PIN_SECONDS;
  return now + Math.min(seconds, STRONG_PIN_SECONDS) * 1000;
}

/** A string attribute as the editor shows it: cut to a sensible length, control characters gone. */
function shortText(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return lineOfText(String(value), MAX_TEXT);
}
