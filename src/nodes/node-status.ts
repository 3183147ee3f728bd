import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { TokenState } from '../lib/plex-tv-client';
import { lineOfText } from '../lib/text';
import type { PlexAccountNode } from './plex-account';

/** What the green status says before its time: what happened, whom it was about, or both. */
export interface StatusParts {
  text?: string;
  /** Cut first when the status is too long. */
  name?: string;
}

/** Node-RED draws a status under its node: like the debug node's, ours stay within this. */
export const STATUS_LENGTH = 32;

/**
 * A status text that ends in the local time of the Node-RED process (`PIN removed · Kids ·
 * 07:00`), so that the next morning one look tells what ran last. When it is too long the
 * name is cut (else the text), never the time. Line breaks and other control characters
 * become blanks.
 */
export function statusText(parts: StatusParts, now: Date): string {
  const time = `${twoDigits(now.getHours())}:${twoDigits(now.getMinutes())}`;
  // A name may come from an answer: one line, and never longer than a status can show.
  const [text, name] = [parts.text, parts.name].map((part) =>
    part === undefined ? undefined : lineOfText(part, STATUS_LENGTH),
  );
  const named = name !== undefined;
  const cuttable = [...((named ? name : text) ?? '')];
  const compose = (cut: string) =>
    [named ? text : undefined, cut, time].filter((part) => part).join(' · ');
  const over = [...compose(cuttable.join(''))].length - STATUS_LENGTH;
  if (over <= 0) return compose(cuttable.join(''));
  const kept = cuttable.slice(0, Math.max(0, cuttable.length - over - 1)).join('');
  return [...compose(`${kept}…`)].slice(-STATUS_LENGTH).join('');
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** What an action node shows of its account's sign-in, and how it hands its status back. */
export interface HealthStatus {
  /** The node has set a status of its own: the health's is no longer showing. */
  covered(): void;
  /**
   * After a message failed with `code`: when the failure is the sign-in's (UNAUTHORIZED with
   * the token refused, NOT_CONFIGURED for want of one), shows "sign-in needed"; false if not.
   */
  showSignInNeeded(code: string): boolean;
  /** Stops following the account (the node closes). */
  stop(): void;
}

/**
 * Follows the sign-in health of the node's account and shows it without any message having
 * been sent: a red ring "sign-in needed" when plex.tv refused the token or there is none, a
 * yellow ring "not Home admin" when it is another member's. When that passes, the status
 * goes, unless the node's own status has replaced it meanwhile.
 */
export function followAccountHealth(
  RED: NodeAPI,
  node: Node,
  accountId: string | undefined,
): HealthStatus {
  const account = accountId ? (RED.nodes.getNode(accountId) as PlexAccountNode | null) : null;
  const health = account?.type === 'plex-account' ? account.health : undefined;
  let shown = false;
  const show = (state: TokenState): boolean => {
    const status = healthStatus(RED, state);
    if (status) {
      node.status(status);
      shown = true;
    } else if (shown) {
      node.status({});
      shown = false;
    }
    return shown;
  };
  const unsubscribe = typeof health?.subscribe === 'function' ? health.subscribe(show) : undefined;
  return {
    covered: () => (shown = false),
    // Shown already (the flip itself put it there): not again, or a status node would hear it twice.
    showSignInNeeded: (code) => {
      const state = health?.state;
      const signIn =
        (code === 'UNAUTHORIZED' && state === 'signed-out') ||
        (code === 'NOT_CONFIGURED' && state === 'no-token');
      return signIn && (shown || show(state));
    },
    stop: () => unsubscribe?.(),
  };
}

function healthStatus(RED: NodeAPI, state: TokenState): NodeStatus | undefined {
  const now = new Date();
  if (state === 'signed-out' || state === 'no-token') {
    const text = RED._('node-red-contrib-plex-home/plex-account:common.status.sign-in-needed');
    return { fill: 'red', shape: 'ring', text: statusText({ text }, now) };
  }
  if (state === 'not-admin') {
    const text = RED._('node-red-contrib-plex-home/plex-account:common.status.not-admin');
    return { fill: 'yellow', shape: 'ring', text: statusText({ text }, now) };
  }
  return undefined;
}
