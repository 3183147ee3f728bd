import type { NodeAPI, Node } from 'node-red';
import { handlePlexAction } from './plex-action';
import { memberName, mediaServerNode, type MediaServerNodeDef } from './media-server-node';

function register(RED: NodeAPI): void {
  function PlexSessions(this: Node, config: register.PlexSessionsDef): void {
    RED.nodes.createNode(this, config);
    const media = mediaServerNode(RED, this, config);

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-sessions.status.listing'),
      perform: async (msg, context) => {
        // Checked before any request: a bad user reference sends nothing.
        const member = await media.memberOrEverybody(msg, context);
        const { mediaServer, sessions } = await media.sessions(member, context);
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
  type PlexSessionsDef = MediaServerNodeDef;
}

export = register;
