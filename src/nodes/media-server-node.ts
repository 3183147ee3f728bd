import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { PlexSession } from '../lib/sessions';
import { parseUserRef } from '../lib/user-id';
import type { PlexActionContext } from './plex-action';
import { evaluateUserProperty, type UserProperty } from './user-property';

/** A Home member a stream node is about: the id streams are matched by, and a name to show. */
export interface Member {
  id: number;
  /** The name the flow gave, when it gave one. */
  name?: string;
}

/**
 * Reads the node's user property as a reference to any Home member (not only managed users:
 * anybody's streams can be listed and stopped) and resolves a name through the account's
 * cached Home users list. With `blankIsEverybody`, an absent or blank value means nobody in
 * particular (undefined); otherwise it is refused like any value that is no user.
 */
export async function readMember(
  RED: NodeAPI,
  node: Node,
  property: UserProperty,
  msg: NodeMessage,
  { client, signal }: PlexActionContext<unknown>,
  blankIsEverybody: boolean,
): Promise<Member | undefined> {
  const value = await evaluateUserProperty(RED, node, property, msg);
  const blank =
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  if (blank && blankIsEverybody) return undefined;
  const ref = parseUserRef(value);
  const id = await client.resolveUserId(ref, { signal });
  return 'name' in ref ? { id, name: ref.name } : { id };
}

/** How a status names a member: as the server's sessions title them, else as the flow did, else by id. */
export function memberName(member: Member, sessions: readonly PlexSession[]): string {
  return sessions.find((s) => s.user.title)?.user.title || member.name || String(member.id);
}

/** The node's Server setting: a server name or machine id, blank for the account's only server. */
export function serverSetting(config: { server?: unknown }): string {
  return typeof config.server === 'string' ? config.server.trim() : '';
}
