import type { Node, NodeDef } from 'node-red';
import type { PlexTvClient } from '../lib/plex-tv-client';

export interface PlexAccountDef extends NodeDef {
  clientIdentifier: string;
  product: string;
  baseUrl: string;
  timeout: string | number;
  retries: string | number;
  maxConcurrent: string | number;
}

export interface PlexAccountCredentials {
  token?: string;
}

export interface PlexAccountNode extends Node<PlexAccountCredentials> {
  /** The account's shared client; throws NOT_CONFIGURED when it cannot have one. */
  getClient(): PlexTvClient;
}

/** What every plex.tv action node has in its configuration. */
export interface PlexActionDef extends NodeDef {
  account: string;
  wires?: string[][];
}

export interface PlexRemovePinDef extends PlexActionDef {
  userId: string;
  userIdType: string;
}

export interface PlexSetPinDef extends PlexRemovePinDef {
  /** `node`: the node's own `pin` credential; `msg`: the msg property named by pinProperty. */
  pinSource: 'node' | 'msg';
  pinProperty: string;
}

export interface PlexSetPinCredentials {
  pin?: string;
}

export interface PlexHomeUsersDef extends PlexActionDef {
  /** A user reference (title, username or id); empty lists every user. */
  filter: string;
  filterType: string;
}
