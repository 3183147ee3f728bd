import type { NodeAPI, Node } from 'node-red';
import { handlePlexAction, type PlexActionDef } from './plex-action';
import { memberName, readMember, serverSetting } from './media-server-node';
import { userProperty } from './user-property';

function register(RED: NodeAPI): void {
  function PlexSessions(this: Node, config: register.PlexSessionsDef): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(
      RED,
      config,
      'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
    );
    const server = serverSetting(config);

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-sessions.status.listing'),
      perform: async (msg, context) => {
        // Checked before any request: a bad user reference sends nothing.
        const member = await readMember(RED, this, who, msg, context, true);
        const mediaServer = await context.client.servers.connect(server, context);
        const all = await mediaServer.sessions(context);
        const sessions = member ? all.filter((s) => s.user.id === member.id) : all;
        const count = sessions.length;
        return {
          payload: sessions,
          plex: { server: mediaServer.name, count },
          status: {
            text: RED._('plex-sessions.status.watching', { count }),
            name: member && memberName(member, sessions),
          },
        };
      },
    });
  }

  RED.nodes.registerType('plex-sessions', PlexSessions);
}

declare namespace register {
  interface PlexSessionsDef extends PlexActionDef {
    /** The user typed input: whose streams, `msg.payload` by default; blank for everybody's. */
    userId: string;
    userIdType: string;
    /** A server name or machine id; blank for the account's only server. */
    server: string;
  }
}

export = register;
