/**
 * The contract between the `ami-server` config node and the nodes that share
 * its connection (`ami-cdr-in`), in the style of Node-RED's MQTT broker node:
 * users register, get the connection's state pushed to them, and deregister
 * on close; the connection opens with the first user and closes with the last.
 */
import type { AmiRecord } from '../formats/ami';
import type { AmiStatus } from '../transport/ami-client';
import type { AmiEventChoice } from './ami-settings';
import type { StatusLike } from './status';

/** What an AMI event became: a record, or the raw text and why it could not be read. */
export type AmiItem =
  | { kind: 'cdr' | 'cel'; record: AmiRecord }
  | { kind: 'bad'; eventName: string; raw: string; reason: string };

/** A node that uses the connection. */
export interface AmiServerUser {
  /** The connection's state, and how to show it with the user's own counts text in it. */
  connection(render: (counts: string) => StatusLike, state: AmiStatus): void;
  item(item: AmiItem, receivedAt: string): void;
}

/** What a user sees of the config node. */
export interface AmiServerApi {
  /** `name`, else host:port: tells PBXs apart in msg.source. */
  pbx: string;
  host: string;
  port: number;
  tlsEnabled: boolean;
  events: AmiEventChoice;
  /** Settings problems (empty when the node can connect). */
  problems: string[];
  register(user: AmiServerUser): void;
  deregister(user: AmiServerUser, done: () => void): void;
}
