/**
 * The `gw-cdr-in` settings beyond the listener's, read from the node config and
 * checked again at runtime (a hand-edited flow bypasses the editor).
 */

import type { Separator } from '../formats/gateway/event-line';
import { isReportFilter, type ReportFilter } from '../formats/gateway/filters';
import { intSetting, type Checked, type SettingProblem } from './listener-config';

export type GatewayTransport = 'tcp' | 'udp' | 'file' | 'messages';

export interface GatewaySettingsInput {
  transport?: unknown;
  separator?: unknown;
  gateway?: unknown;
  filter?: unknown;
  openTimeoutSec?: unknown;
  maxOpenCalls?: unknown;
  path?: unknown;
  startAt?: unknown;
  encoding?: unknown;
  checkpoint?: unknown;
}

/** Following a growing file of event lines. */
export interface GatewayFileSettings {
  path: string;
  startAt: 'end' | 'beginning';
  encoding: string;
  /** Directory for the position checkpoint; empty: the default under the user directory. */
  checkpointDir: string;
}

export interface GatewaySettings {
  transport: GatewayTransport;
  separator: Separator;
  gateway: string;
  filter: ReportFilter;
  openTimeoutMs: number;
  maxOpenCalls: number;
  file: GatewayFileSettings | null;
}

export const GATEWAY_DEFAULTS = { openTimeoutSec: 4 * 3600, maxOpenCalls: 10_000 } as const;

const SEPARATORS: readonly Separator[] = ['tab', 'pipe', 'comma', 'auto'];
const TRANSPORTS: readonly GatewayTransport[] = ['tcp', 'udp', 'file', 'messages'];

export function checkGatewaySettings(input: GatewaySettingsInput): Checked<GatewaySettings> {
  const problems: SettingProblem[] = [];
  // Blank (a flow saved before the setting existed, or an emptied field) is the default, as in the editor.
  const transport = (input.transport === undefined || input.transport === null || input.transport === '' ? 'tcp' : input.transport) as GatewayTransport;
  if (!TRANSPORTS.includes(transport)) problems.push({ key: 'transport', detail: `input must be tcp, udp, file or messages (got "${String(input.transport)}")` });
  const separator = (input.separator === undefined || input.separator === null || input.separator === '' ? 'tab' : input.separator) as Separator;
  if (!SEPARATORS.includes(separator)) problems.push({ key: 'separator', detail: `separator must be tab, pipe, comma or auto (got "${String(input.separator)}")` });
  const gateway = typeof input.gateway === 'string' ? input.gateway.trim() : '';
  if (gateway !== '' && !/^[A-Za-z0-9._:-]{1,32}$/.test(gateway)) problems.push({ key: 'gateway', detail: `gateway id "${gateway}" may hold letters, digits and . _ : - only (at most 32)` });
  const filter = input.filter === undefined || input.filter === '' ? 'all' : input.filter;
  if (!isReportFilter(filter)) problems.push({ key: 'filter', detail: `report filter "${String(input.filter)}" is not one of the report's filters` });
  const timeout = intSetting(input.openTimeoutSec, 1, 7 * 86_400, GATEWAY_DEFAULTS.openTimeoutSec);
  if (timeout === null) problems.push({ key: 'openTimeoutSec', detail: 'open call timeout must be 1 to 604800 seconds' });
  const maxOpen = intSetting(input.maxOpenCalls, 1, 1_000_000, GATEWAY_DEFAULTS.maxOpenCalls);
  if (maxOpen === null) problems.push({ key: 'maxOpenCalls', detail: 'open call limit must be 1 to 1000000' });
  let file: GatewayFileSettings | null = null;
  if (transport === 'file') {
    const path = typeof input.path === 'string' ? input.path.trim() : '';
    if (path === '') problems.push({ key: 'path', detail: 'a file to follow is needed' });
    const startAt = input.startAt === undefined || input.startAt === '' ? 'end' : input.startAt;
    if (startAt !== 'end' && startAt !== 'beginning') problems.push({ key: 'startAt', detail: `start must be end or beginning (got "${String(input.startAt)}")` });
    const encoding = typeof input.encoding === 'string' && input.encoding.trim() !== '' ? input.encoding.trim() : 'utf8';
    let known = true;
    try {
      new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding);
    } catch {
      known = Buffer.isEncoding(encoding);
    }
    if (!known) problems.push({ key: 'encoding', detail: `unknown text encoding "${encoding}"` });
    const checkpointDir = typeof input.checkpoint === 'string' ? input.checkpoint.trim() : '';
    file = { path, startAt: startAt as 'end' | 'beginning', encoding, checkpointDir };
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { transport, separator, gateway, filter: filter as ReportFilter, openTimeoutMs: timeout! * 1000, maxOpenCalls: maxOpen!, file },
  };
}
