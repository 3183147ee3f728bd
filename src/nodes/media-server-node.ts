import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { MediaServer } from '../lib/media-server';
import type { PlexSession } from '../lib/sessions';
import { lineOfText } from '../lib/text';
import { parseUserRef } from '../lib/user-id';
import type { PlexActionContext, PlexActionDef } from './plex-action';
import { evaluateUserProperty, userProperty, type UserSetting } from './user-property';

/** What the settings of a media-server node (sessions, stop streams) hold besides the account. */
export interface MediaServerNodeDef extends PlexActionDef, UserSetting {
  /** A server name or machine id; blank for the account's only server. */
  server: string;
}

/** A Home member a stream node is about: the id streams are matched by, and a name to show. */
export interface Member {
  id: number;
  /** The name the flow gave, when it gave one. */
  name?: string;
}

/** What a media-server node does, on its settings as read once: whose streams, which server. */
export interface MediaServerNode {
  /**
   * Reads the node's user property as a reference to any Home member (not only managed users:
   * anybody's streams can be listed and stopped) and resolves a name through the account's
   * cached Home users list. A value that is no user, blank included, is refused.
   */
  member(msg: NodeMessage, context: PlexActionContext<unknown>): Promise<Member>;
  /** As `member`, but an absent or blank value means nobody in particular (undefined). */
  memberOrEverybody(
    msg: NodeMessage,
    context: PlexActionContext<unknown>,
  ): Promise<Member | undefined>;
  /** The node's server, connected, and the streams on it: `member`'s, or everybody's without one. */
  sessions(
    member: Member | undefined,
    context: PlexActionContext<unknown>,
  ): Promise<{ mediaServer: MediaServer; sessions: PlexSession[] }>;
}

export function mediaServerNode(
  RED: NodeAPI,
  node: Node,
  config: MediaServerNodeDef,
): MediaServerNode {
  const who = userProperty(RED, config);
  // Blank: the account's only server.
  const server = typeof config.server === 'string' ? config.server.trim() : '';
  const resolve = async (value: unknown, { client, signal }: PlexActionContext<unknown>) => {
    const ref = parseUserRef(value);
    const id = await client.resolveUserId(ref, { signal });
    return 'name' in ref ? { id, name: ref.name } : { id };
  };
  return {
    member: async (msg, context) =>
      resolve(await evaluateUserProperty(RED, node, who, msg), context),
    async memberOrEverybody(msg, context) {
      const value = await evaluateUserProperty(RED, node, who, msg);
      const blank =
        value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
      return blank ? undefined : resolve(value, context);
    },
    async sessions(member, context) {
      const mediaServer = await context.client.servers.connect(server, context);
      const all = await mediaServer.sessions(context);
      return { mediaServer, sessions: member ? all.filter((s) => s.user.id === member.id) : all };
    },
  };
}

/** Longer names are cut in a status anyway (to 32 characters with the time). */
const NAME_IN_STATUS = 64;

/** How a status names a member: as the server's sessions title them, else as the flow did, else by id. */
export function memberName(member: Member, sessions: readonly PlexSession[]): string {
  for (const session of sessions) {
    const title = lineOfText(session.user.title, NAME_IN_STATUS);
    if (title) return title;
  }
  return member.name || String(member.id);
}
