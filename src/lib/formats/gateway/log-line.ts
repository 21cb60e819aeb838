/**
 * One line of the gateway log (samples/gateway/gateway-log-2004-01.tsv) → a
 * gateway-status record. The line is `<time> <tab> <message>`; the messages seen:
 *
 *   Gateway[8200] MAC[000C2A020082] From [61.222.171.22:2348] FXS(2) FXO(2) ISDN(0) CallRef(74) Time[2000/01/02 08:17:38] Login!
 *   Gateway[8200] MAC[000C2A02019C] From [10.10.1.111:2048] Re-Login!
 *   Gateway[8200] from [10.10.1.111:2387] Relogin Kickout
 *   Gateway[???] from [24.232.59.13:2765] Gateway Disconnect
 *   Gateway[???] from [24.232.59.13:51059] Bad Packet
 *   [Logout: 8200] [IP:10.10.1.111] [Size:21]
 */

import { GatewayLineError } from './errors';
import { isGatewayTime } from './event-line';

export type GatewayStatusKind = 'login' | 're-login' | 'kick-out' | 'disconnect' | 'bad-packet' | 'logout';

export interface GatewayStatus {
  /** Server time of the log line, `YYYY/MM/DD HH:MM:SS`. */
  time: string;
  kind: GatewayStatusKind;
  /** Gateway id; null when the server could not tell (`Gateway[???]`). */
  gateway: string | null;
  mac?: string;
  /** Address and port the gateway connected from. */
  address?: string;
  port?: number;
  ports?: { fxs: number; fxo: number; isdn: number };
  /** The gateway's next Call-Ref at login: Call-Refs restart when a gateway reboots. */
  callRef?: number;
  /** The gateway's own clock at login (often unset: 2000/01/01 after a reboot). */
  gatewayTime?: string;
  /** Logout only: the size field of the logout line. */
  size?: number;
  /** The message as logged. */
  text: string;
}

const LINE = /^(\d{4}[/-]\d{2}[/-]\d{2} \d{2}:\d{2}:\d{2})[\t ]+(.+)$/;
const GATEWAY = /^Gateway\[([^\]]{1,32})\]\s+/;
const MAC = /^MAC\[([0-9A-Fa-f]{12}|[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5})\]\s+/;
const FROM = /^[Ff]rom \[([0-9A-Fa-f.:]+):(\d{1,5})\]\s*/;
const LOGIN_DETAIL = /^FXS\((\d+)\) FXO\((\d+)\) ISDN\((\d+)\) CallRef\((\d+)\) Time\[([^\]]*)\]\s+Login!$/;
const LOGOUT = /^\[Logout:\s*([^\]\s]{1,32})\]\s*\[IP:([0-9A-Fa-f.:]+)\]\s*(?:\[Size:(\d+)\])?$/;
const ENDINGS: ReadonlyArray<[string, GatewayStatusKind]> = [
  ['Re-Login!', 're-login'],
  ['Relogin Kickout', 'kick-out'],
  ['Gateway Disconnect', 'disconnect'],
  ['Bad Packet', 'bad-packet'],
];

/** True when the text after the time looks like a log message rather than an event line. */
export function looksLikeLogMessage(message: string): boolean {
  return message.startsWith('Gateway[') || message.startsWith('[Logout:');
}

function fail(line: string, why: string): never {
  throw new GatewayLineError('unknown-log-line', why, line);
}

/** Parse one gateway log line; null for a blank line; throws GatewayLineError otherwise. */
export function parseLogLine(line: string): GatewayStatus | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return null;
  const m = LINE.exec(text.trim());
  if (!m) fail(line, 'log line does not start with a time like 2004/01/15 02:04:34');
  const time = m[1]!.replace(/^(\d{4})-(\d{2})-(\d{2})/, '$1/$2/$3');
  if (!isGatewayTime(time)) throw new GatewayLineError('bad-time', `"${m[1]}" is not a calendar time`, line, 'time');
  const message = m[2]!.trim();

  const logout = LOGOUT.exec(message);
  if (logout) {
    const status: GatewayStatus = { time, kind: 'logout', gateway: logout[1]!, address: logout[2]!, text: message };
    if (logout[3] !== undefined) status.size = Number(logout[3]);
    return status;
  }

  let rest = message;
  const gw = GATEWAY.exec(rest);
  if (!gw) fail(line, 'log message does not start with Gateway[id] or [Logout: id]');
  rest = rest.slice(gw[0].length);
  const status: GatewayStatus = { time, kind: 'login', gateway: gw[1] === '???' ? null : gw[1]!, text: message };

  const mac = MAC.exec(rest);
  if (mac) {
    status.mac = mac[1]!.replace(/[:-]/g, '').toUpperCase();
    rest = rest.slice(mac[0].length);
  }
  const from = FROM.exec(rest);
  if (!from) fail(line, 'log message has no "from [address:port]"');
  status.address = from[1]!;
  status.port = Number(from[2]);
  rest = rest.slice(from[0].length).trim();

  const detail = LOGIN_DETAIL.exec(rest);
  if (detail) {
    status.ports = { fxs: Number(detail[1]), fxo: Number(detail[2]), isdn: Number(detail[3]) };
    status.callRef = Number(detail[4]);
    status.gatewayTime = detail[5]!;
    return status;
  }
  for (const [ending, kind] of ENDINGS) {
    if (rest === ending) {
      status.kind = kind;
      return status;
    }
  }
  return fail(line, `unknown gateway log message "${rest.slice(0, 60)}"`);
}
