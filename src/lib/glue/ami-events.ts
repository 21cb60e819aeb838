/**
 * What the `ami-server` config node does with what its connection brings,
 * without Node-RED: an AMI event made into the item its users get, the time
 * it arrived, and one log line per change of connection state.
 */
import { cdrRecord, celRecord, eventName, messageText, type AmiMessage } from '../formats/ami';
import type { AmiStatus } from '../transport/ami-client';
import type { AmiItem } from './ami-users';

/** A Cdr or Cel event as an item (or as a bad one, with why); null for any other event. */
export function amiItemOf(m: AmiMessage): AmiItem | null {
  const ev = (eventName(m) ?? '').toLowerCase();
  if (ev !== 'cdr' && ev !== 'cel') return null; // `Events: cdr,call` also brings channel events: not ours
  try {
    return ev === 'cdr' ? { kind: 'cdr', record: cdrRecord(m) } : { kind: 'cel', record: celRecord(m) };
  } catch (err) {
    return { kind: 'bad', eventName: eventName(m) ?? '', raw: messageText(m), reason: (err as Error).message };
  }
}

/** The current time as ISO text. A burst delivers hundreds of events in the same millisecond: formatted once for them. */
export class IsoClock {
  private lastMs = 0;
  private lastIso = '';

  now(): string {
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }
}

/** Where the state log lines go (the node's log, warn and error). */
export interface AmiStateSink {
  connected(): void;
  loginFailed(reason: string): void;
  disconnected(reason: string): void;
}

/** One log line per change of state and reason: a PBX down for hours must not fill the log. */
export class AmiStateLog {
  private logged = '';

  constructor(private readonly sink: AmiStateSink) {}

  record(s: AmiStatus): void {
    if (s.state === 'connecting' || s.state === 'idle') return;
    const key = `${s.state}|${s.reason ?? ''}`;
    if (key === this.logged) return;
    this.logged = key;
    if (s.state === 'connected') this.sink.connected();
    else if (s.state === 'login-failed') this.sink.loginFailed(s.reason ?? '');
    else if (s.state === 'disconnected') this.sink.disconnected(s.reason ?? '');
  }

  /** The connection closed: the next one logs its first state again. */
  reset(): void {
    this.logged = '';
  }
}
