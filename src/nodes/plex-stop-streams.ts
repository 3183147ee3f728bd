import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { clientModule } from './client-module';
import { handlePlexAction } from './plex-action';
import { memberName, mediaServerNode, type MediaServerNodeDef } from './media-server-node';
import { evaluateProperty, type TypedInputSetting } from './user-property';

function register(RED: NodeAPI): void {
  function PlexStopStreams(this: Node, config: register.PlexStopStreamsDef): void {
    RED.nodes.createNode(this, config);
    const media = mediaServerNode(RED, this, config);
    const fallback = RED._('plex-stop-streams.reason.default');
    const reason = { value: config.reason ?? fallback, type: config.reasonType || 'str' };
    // The client module (axios, sax) loads with the first message, not with Node-RED.
    const lib = () => clientModule();

    handlePlexAction({
      RED,
      node: this,
      config,
      busy: RED._('plex-stop-streams.status.stopping'),
      perform: async (msg, context) => {
        const member = await media.member(msg, context);
        // A reason that cannot be read or is no text is the default one: the streams stop all the same.
        const text = await evaluateProperty(RED, this, reason.value, reason.type, msg).then(
          (value) => lib().stopReason(value, fallback),
          () => fallback,
        );
        try {
          const { mediaServer, sessions: theirs } = await media.sessions(member, context);
          const outcome = await mediaServer.stopAll(theirs, text, context);
          const plex = {
            userId: member.id,
            server: mediaServer.name,
            stopped: outcome.stopped,
            failed: outcome.failed.map(({ session, error }) => ({
              ...session,
              error: error.toJSON(),
            })),
          };
          const status = {
            text: RED._('plex-stop-streams.status.stopped', { count: outcome.stopped.length }),
            name: memberName(member, theirs),
          };
          const failure =
            outcome.failed.length > 0
              ? lib().stopFailure(outcome, member.id, mediaServer.name)
              : undefined;
          return { payload: outcome.stopped, plex, status, failure };
        } catch (error) {
          throw error instanceof PlexTvError ? error.withUserId(member.id) : error;
        }
      },
    });
  }

  RED.nodes.registerType('plex-stop-streams', PlexStopStreams);
}

declare namespace register {
  /** `reason`: the text shown on the stopped screens. */
  type PlexStopStreamsDef = MediaServerNodeDef & TypedInputSetting<'reason'>;
}

export = register;
