import { PlexTvError } from './errors';
import { BodyLimitError } from './limits';
import { parseHome, parseUser, type PlexHome, type PlexUser } from './plex-user';
import { isRecord } from './records';
import { parseBody, type XmlElement } from './response';
import type { Answer } from './transport';

/** The Home and its users from a Home users list, XML or JSON; users without an id are skipped. */
export async function readHomeUsers(
  answer: Answer,
): Promise<{ home: PlexHome; users: PlexUser[] }> {
  const { xml, json } = await readBody(answer);
  let home: Record<string, unknown> | undefined;
  let entries: Array<Record<string, unknown>> | undefined;
  if (xml?.name === 'home') {
    home = xml.attributes;
    const list = xml.children.find((child) => child.name === 'users') ?? xml;
    entries = list.children
      .filter((child) => child.name === 'user')
      .map((child) => child.attributes);
  } else if (isRecord(json) && Array.isArray(json.users)) {
    home = json;
    entries = json.users.filter(isRecord);
  }
  if (!home || !entries) throw badResponse(answer, 'without a readable Home users list');
  const users = entries
    .map((entry) => parseUser(entry))
    .filter((user): user is PlexUser => user !== undefined);
  return { home: parseHome(home), users };
}

/** The one user of a PIN answer: a `user` element, or a JSON user (bare or under `user`). */
export async function readUser(answer: Answer): Promise<PlexUser> {
  const { xml, json } = await readBody(answer);
  let attributes: Record<string, unknown> | undefined;
  if (xml?.name === 'user') attributes = xml.attributes;
  else if (isRecord(json)) attributes = isRecord(json.user) ? json.user : json;
  const user = attributes && parseUser(attributes);
  if (!user) throw badResponse(answer, 'without a readable user');
  return user;
}

/** A 2xx body, parsed within the limits; a body over them is BAD_RESPONSE. */
export async function readBody(answer: Answer): Promise<{ xml?: XmlElement; json?: unknown }> {
  try {
    return await parseBody(answer.body);
  } catch (error) {
    if (error instanceof BodyLimitError) throw badResponse(answer, `with ${error.message}`);
    throw error;
  }
}

/** BAD_RESPONSE for `answer`, saying what it lacked. */
export function badResponse(answer: Answer, what: string): PlexTvError {
  return new PlexTvError('BAD_RESPONSE', `${answer.from} answered ${answer.status} ${what}`, {
    statusCode: answer.status,
  });
}
