/**
 * The `ami-server` config node's settings, checked at runtime (a hand-edited
 * flow bypasses the editor), and what its connection state looks like as a
 * node status. No Node-RED here: the glue passes its translator in.
 */
import type { ConnectionOptions } from 'node:tls';
import { AMI_CLIENT_DEFAULTS, type AmiClientOptions, type AmiStatus } from '../transport/ami-client';
import { intSetting, type Checked, type SettingProblem } from './listener-config';
import type { StatusLike } from './status';

export interface AmiServerSettingsInput {
  host?: unknown;
  port?: unknown;
  events?: unknown;
  pingSec?: unknown;
  pingTimeoutSec?: unknown;
  backoffMaxSec?: unknown;
}

export interface AmiServerCredentials {
  username?: string;
  secret?: string;
}

/** What the editor offers: Cdr events only, or Cdr and CEL (CEL is AMI class `call`). */
export type AmiEventChoice = 'cdr' | 'cdr,cel';

export function loginEvents(choice: AmiEventChoice): string {
  return choice === 'cdr,cel' ? 'cdr,call' : 'cdr';
}

/**
 * The Events setting as the user chose it (blank: `cdr`), or null when it is
 * neither choice. Read on its own, so that the nodes sharing a server whose
 * other settings are wrong still know what it asks for.
 */
export function amiEventChoice(value: unknown): AmiEventChoice | null {
  const v = value === undefined || value === null || value === '' ? 'cdr' : value;
  return v === 'cdr' || v === 'cdr,cel' ? v : null;
}

// Node-RED replaces a setting or credential that is exactly `${NAME}` (or the
// older `$(NAME)`) by the environment variable NAME, and leaves the text as it
// is when NAME is not set.
const ENV_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|\(([A-Za-z_][A-Za-z0-9_]*)\))$/;

/**
 * The environment variables the login still waits for: the credentials that
 * are a `${NAME}` reference Node-RED could not fill in because NAME is not set
 * (the examples ship `${AMI_USER}` and `${AMI_SECRET}`). Not a wrong setting:
 * the login is just not given yet.
 */
export function unsetLoginVariables(credentials: AmiServerCredentials): string[] {
  const names: string[] = [];
  for (const v of [credentials.username, credentials.secret]) {
    const m = typeof v === 'string' ? ENV_REFERENCE.exec(v.trim()) : null;
    if (m) names.push(m[1] ?? m[2]!);
  }
  return names;
}

export interface AmiServerSettings {
  host: string;
  port: number;
  events: AmiEventChoice;
  options: AmiClientOptions;
}

export function checkAmiServerSettings(
  input: AmiServerSettingsInput,
  credentials: AmiServerCredentials,
  tls: ConnectionOptions | undefined,
): Checked<AmiServerSettings> {
  const problems: SettingProblem[] = [];
  const host = typeof input.host === 'string' ? input.host.trim() : '';
  if (host === '' || /\s/.test(host)) problems.push({ key: 'host', detail: `host must be the PBX's name or address (got "${String(input.host ?? '')}")` });
  const port = intSetting(input.port, 1, 65535, AMI_CLIENT_DEFAULTS.port);
  if (port === null) problems.push({ key: 'port', detail: `port must be a whole number from 1 to 65535 (got "${String(input.port)}")` });
  const events = amiEventChoice(input.events);
  if (events === null) problems.push({ key: 'events', detail: 'events must be "cdr" or "cdr,cel"' });
  const ping = intSetting(input.pingSec, 0, 3600, AMI_CLIENT_DEFAULTS.pingIntervalMs / 1000);
  if (ping === null) problems.push({ key: 'pingSec', detail: 'keep-alive must be 0 (off) to 3600 seconds' });
  const pingTimeout = intSetting(input.pingTimeoutSec, 1, 600, AMI_CLIENT_DEFAULTS.pingTimeoutMs / 1000);
  if (pingTimeout === null) problems.push({ key: 'pingTimeoutSec', detail: 'Ping timeout must be 1 to 600 seconds' });
  const maxBackoff = intSetting(input.backoffMaxSec, 1, 3600, AMI_CLIENT_DEFAULTS.backoff.maxMs / 1000);
  if (maxBackoff === null) problems.push({ key: 'backoffMaxSec', detail: 'longest retry delay must be 1 to 3600 seconds' });
  const username = credentials.username?.trim() ?? '';
  if (username === '') problems.push({ key: 'username', detail: 'the AMI username (manager.conf section name) is required' });
  if ((credentials.secret ?? '') === '') problems.push({ key: 'secret', detail: 'the AMI secret (its `secret =` line in manager.conf) is required' });
  if (problems.length > 0) return { ok: false, problems };
  const options: AmiClientOptions = {
    host,
    port: port!,
    username,
    secret: credentials.secret ?? '',
    events: loginEvents(events!),
    pingIntervalMs: ping! * 1000,
    pingTimeoutMs: pingTimeout! * 1000,
    connectTimeoutMs: AMI_CLIENT_DEFAULTS.connectTimeoutMs,
    backoff: {
      initialMs: Math.min(AMI_CLIENT_DEFAULTS.backoff.initialMs, maxBackoff! * 1000),
      maxMs: maxBackoff! * 1000,
      jitter: AMI_CLIENT_DEFAULTS.backoff.jitter,
    },
  };
  if (tls) options.tls = tls;
  return { ok: true, value: { host, port: port!, events: events!, options } };
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** `12s`, `2m 5s`: a retry delay read at a glance. */
export function shortDelay(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
}

/**
 * A connection state as a node status: yellow ring connecting, green dot
 * connected (with `counts` text), red ring login failed / disconnected with
 * the reason and when it retries.
 */
export function amiStatus(s: AmiStatus, label: string, counts: string, t: Translate): StatusLike {
  switch (s.state) {
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: t('status.connecting', { label }) };
    case 'connected':
      return { fill: 'green', shape: 'dot', text: counts ? `${label} · ${counts}` : label };
    case 'login-failed':
      return { fill: 'red', shape: 'ring', text: t('status.login-failed', { reason: (s.reason ?? '').replace(/^login refused: /, ''), retry: shortDelay(s.retryInMs ?? 0) }) };
    case 'disconnected':
      return { fill: 'red', shape: 'ring', text: t('status.disconnected', { reason: s.reason ?? '', retry: shortDelay(s.retryInMs ?? 0) }) };
    case 'closed':
    case 'idle':
    default:
      return { fill: 'grey', shape: 'ring', text: t('status.closed') };
  }
}
