import type { NodeAPI, Node } from 'node-red';
import { PlexTvError } from '../lib/errors';
import { clientModule } from './client-module';
import { handlePlexAction, type PlexActionDef } from './plex-action';
import { memberName, readMember, serverSetting, type Member } from './media-server-node';
import { evaluateProperty, userProperty } from './user-property';

function register(RED: NodeAPI): void {
  function PlexStopStreams(this: Node, config: register.PlexStopStreamsDef): void {
    RED.nodes.createNode(this, config);
    const who = userProperty(
      RED,
      config,
      'node-red-contrib-plex-home/plex-account:common.errors.unreadable-user',
    );
    const server = serverSetting(config);
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
        const member = (await readMember(RED, this, who, msg, context, false)) as Member;
        // A reason that cannot be read or is no text is the default one: the streams stop all the same.
        const text = await evaluateProperty(RED, this, reason.value, reason.type, msg).then(
          (value) => lib().stopReason(value, fallback),
          () => fallback,
        );
        try {
          const mediaServer = await context.client.servers.connect(server, context);
          const all = await mediaServer.sessions(context);
          const theirs = all.filter((s) => s.user.id === member.id);
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
  interface PlexStopStreamsDef extends PlexActionDef {
    /** The user typed input: whose streams, `msg.payload` by default. */
    userId: string;
    userIdType: string;
    /** A server name or machine id; blank for the account's only server. */
    server: string;
    /** The text shown on the stopped screens (a typed input). */
    reason: string;
    reasonType: string;
  }
}

export = register;
