/**
 * What every listening source does the same way around its server: the TLS
 * options its settings name, Basic auth from its credentials, binding with the
 * same status and messages (starting, listening, port in use, retrying), the
 * status line of counts and journal, and — for the HTTP sources (fs-cdr-in,
 * ucm-cdr-in) — the answer to a POST: 400 for a body that is not a CDR, 503
 * while the journal refuses records, 200 only once they are durable.
 * Each node keeps its own messages: keys are read from its catalog.
 */
import type { TlsOptions } from 'node:tls';
import type { StoredRecord } from '../source/delivery';
import type { SourceRuntime } from '../source/source-runtime';
import { HttpError, HttpReceiver, HTTP_DEFAULTS, type ReceivedRequest } from '../transport/http-receiver';
import { mismatchMessagesFrom } from '../transport/mismatch';
import { keepListening, type Listenable } from './keep-listening';
import type { ListenerSettings } from './listener-config';
import type { SourceEnv, SourceNodeLike } from './source-node';
import { countsText, type SourceCounts, type StatusLike, type StatusThrottle } from './status';
import { serverTlsOptions, type TlsConfigLike } from './tls-options';

type Translate = SourceEnv['t'];

/** The server TLS options of the `tls-config` node `tlsId` when `secure` (null otherwise); throws with the reason a setting is wrong. */
export function listenerTls(secure: boolean, tlsId: string | undefined, env: Pick<SourceEnv, 'getNode' | 't'>): TlsOptions | null {
  if (!secure) return null;
  const tlsNode = tlsId ? (env.getNode(tlsId) as TlsConfigLike | null) : null;
  if (!tlsNode) throw new Error(env.t('errors.no-tls'));
  return serverTlsOptions(tlsNode);
}

/** Basic auth from the node's credentials; null when no username is set. */
export function credentialsAuth(node: SourceNodeLike): { username: string; password: string } | null {
  return node.credentials?.username ? { username: node.credentials.username, password: node.credentials.password ?? '' } : null;
}

/** A source's status: its counts and how delivery stands, red while the journal refuses records. */
export function sourceStatus(label: string, counts: SourceCounts, runtime: SourceRuntime | null): StatusLike {
  const text = [countsText(label, counts), ...(runtime ? runtime.statusParts() : [])].join(' · ');
  return runtime?.refusing ? { fill: 'red', shape: 'ring', text } : { fill: 'green', shape: 'dot', text };
}

export interface ListenAs {
  node: SourceNodeLike;
  t: Translate;
  status: StatusThrottle;
  /** The transport's name in messages (tcp, tls, http, https, udp). */
  transport: string;
  host: string;
  /** The configured port (messages about a port in use name it). */
  port: number;
  /** Bound (the real port, when 0 was asked): the node updates its label and status. */
  onListening(port: number): void;
}

/** Binds `server` and keeps trying, with the node's status and messages; stop() on close. */
export function listenAs(server: Listenable, w: ListenAs): { stop(): void } {
  const { node, t, status } = w;
  return keepListening(server, {
    onStarting: () => status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') }),
    onListening(port) {
      node.log(t('log.listening', { transport: w.transport, host: w.host, port }));
      w.onListening(port);
    },
    onFailed(err, inUse) {
      node.error(t('errors.listen', { reason: inUse ? t('errors.in-use', { port: w.port }) : err.message }));
      status.now({ fill: 'red', shape: 'ring', text: inUse ? t('status.in-use', { port: w.port }) : t('status.failed') });
    },
  });
}

export interface CdrHttpReceiver {
  node: SourceNodeLike;
  t: Translate;
  settings: ListenerSettings;
  /** The path setting as typed ('' for any path). */
  path: string | undefined;
  auth: { username: string; password: string } | null;
  tls: TlsOptions | null;
  bodyFormat?: 'json' | 'xml' | 'auto';
  /** The log line for a connection from outside the allow-list. */
  refusedText(address: string): string;
  /** The records of a body; throws (reported, answered 400) when it is not a CDR. */
  parse(req: ReceivedRequest): StoredRecord[];
  /** A body that is not a CDR: report it (with its text). */
  onBadBody(err: Error, req: ReceivedRequest): void;
  /** The node's source layer: records are answered 200 once it took them. */
  runtime: SourceRuntime;
  /** The journal refused a body (503): redraw the status. */
  onRefusedBody(): void;
}

/** An HTTP(S) receiver of CDR POSTs: the sender hears 2xx only once the records are durable. */
export function cdrHttpReceiver(o: CdrHttpReceiver): HttpReceiver {
  const { node, t, settings } = o;
  const path = o.path?.trim() ?? '';
  return new HttpReceiver(
    {
      host: settings.host,
      port: settings.port,
      path: path ? (path.startsWith('/') ? path : `/${path}`) : '',
      maxBodyBytes: settings.maxFrameBytes,
      maxConnections: settings.maxConnections,
      requestTimeoutMs: HTTP_DEFAULTS.requestTimeoutMs,
      auth: o.auth,
      allow: settings.allow,
      tls: o.tls,
      ...(o.bodyFormat ? { bodyFormat: o.bodyFormat } : {}),
      mismatch: mismatchMessagesFrom(t),
    },
    {
      onMismatch: (_kind, reason, peer) => node.error(t('errors.mismatch', { from: peer.address, reason })),
      async onRequest(req) {
        let records: StoredRecord[];
        try {
          records = o.parse(req);
        } catch (err) {
          o.onBadBody(err as Error, req);
          // FreeSWITCH and the UCM retry on any non-2xx; a body that is not a CDR would fail again.
          throw new HttpError(400, (err as Error).message);
        }
        try {
          await o.runtime.take(records);
        } catch (err) {
          o.onRefusedBody();
          // Not journaled, so not acknowledged: the sender keeps the record and retries.
          throw new HttpError(503, (err as Error).message);
        }
        return { status: 200 };
      },
      onRejected(code, reason, peer) {
        if (code === 401) node.warn(t('log.auth', { from: peer.address, reason }));
        else if (code === 413) node.warn(t('log.rejected', { from: peer.address, code, reason }));
        else node.debug(t('log.rejected', { from: peer.address, code, reason }));
      },
      onRefused: (address) => node.warn(o.refusedText(address)),
      onError: (err) => node.error(t('errors.internal', { reason: err.message })),
    },
  );
}
