/** The ucm-cdr-in source without Node-RED: settings, TCP or HTTP(S) listener, journal, messages, status. */
import { parseUcmFrame, ucmFormatOf, type UcmFormat } from '../formats/ucm';
import { parseUcmHttpBody } from '../formats/ucm-http';
import { createErrorReporter, peerKey } from '../glue/error-reporter';
import { checkListenerSettings } from '../glue/listener-config';
import { cdrHttpReceiver, credentialsAuth, listenAs, listenerTls, sourceStatus } from '../glue/listener-wiring';
import { receivedAtNow, sourceMessage, type SourceInfo } from '../glue/source-message';
import { StatusThrottle } from '../glue/status';
import type { HttpReceiver } from '../transport/http-receiver';
import { mismatchMessagesFrom } from '../transport/mismatch';
import type { Peer } from '../transport/peer';
import { TcpServer, TCP_DEFAULTS } from '../transport/tcp-server';
import type { JournalSettingsInput } from '../glue/journal-settings';
import { countingHooks, sourceRuntimeOf, type ListeningSourceNode, type SourceEnv } from '../glue/source-node';
import type { StoredRecord } from './delivery';
import type { SourceRuntime } from './source-runtime';

/** The node's settings, as the editor saves them. */
export interface UcmCdrInDef extends JournalSettingsInput {
  transport: 'tcp' | 'http' | 'https';
  useTls?: boolean;
  tls?: string;
  host?: string;
  port: string | number;
  format?: UcmFormat;
  path?: string;
  maxFrameKb?: string | number;
  maxConnections?: string | number;
  idleTimeoutSec?: string | number;
  allow?: string;
  topic?: string;
}

export type UcmSourceNode = ListeningSourceNode;

/** A TCP frame handed to the journal: what its report says if the journal refuses it. */
interface TakenFrame {
  records: unknown[];
  peer: Peer;
  fmt: string;
}

/** Runs a ucm-cdr-in on `node` (a Node-RED node, or any object shaped like one): everything the node does. */
export function runUcmSource(node: UcmSourceNode, config: UcmCdrInDef, env: SourceEnv): void {
  const t = env.t;
  const status = new StatusThrottle((s) => node.status(s));
  const counts = { connections: 0, records: 0, errors: 0 };
  const topic = config.topic?.trim() || 'ucm';
  const format: UcmFormat = config.format === 'json' || config.format === 'xml' ? config.format : 'auto';
  const transport = config.transport === 'http' || config.transport === 'https' ? config.transport : 'tcp';
  const secure = transport === 'https' || (transport === 'tcp' && config.useTls === true);
  const transportName = transport === 'tcp' && secure ? 'tls' : transport;
  let label = `${transportName} :${config.port}`;
  let closed = false;
  let server: TcpServer | HttpReceiver | null = null;
  let resolveListening: (port: number) => void = () => undefined;
  node.listening = new Promise((resolve) => (resolveListening = resolve));

  let runtime: SourceRuntime | null = null;
  // Called per record: the text is built only when the throttle lets a status out.
  const showCounts = (): void => status.set(() => sourceStatus(label, counts, runtime));
  const fail = (text: string): void => status.now({ fill: 'red', shape: 'ring', text });
  // Settings that cannot run: each problem reported, a red status, nothing to close.
  const refuse = (details: string[]): void => {
    for (const detail of details) node.error(t('errors.setting', { detail }));
    fail(t('status.bad-settings'));
    node.on('close', (_removed: boolean, done: () => void) => done());
  };

  // Runs per record: no spread of a temporary object, the time text shared within a millisecond.
  const source = (peer: Peer | null, fmt: string): SourceInfo =>
    peer
      ? { vendor: 'ucm', format: fmt, transport: transportName, address: peer.address, port: peer.port, receivedAt: receivedAtNow() }
      : { vendor: 'ucm', format: fmt, transport: transportName, receivedAt: receivedAtNow() };

  // A flood of bad records becomes a few folded reports a second (count and sample).
  const reporter = createErrorReporter((text, msg) => node.error(text, msg), { summary: (first, count, from, seconds) => t('errors.more', { first, count, from, seconds }) });
  const onMismatch = (_kind: string, reason: string, peer: Peer): void => node.error(t('errors.mismatch', { from: peer.address, reason }));
  const reportBadRecord = (reason: string, raw: string, peer: Peer | null, fmt: string): void => {
    counts.errors++;
    const msg = (): Record<string, unknown> => sourceMessage(raw, topic, source(peer, fmt)) as unknown as Record<string, unknown>;
    reporter.report(peerKey(peer), () => ({ text: t('errors.bad-record', { from: peer ? peer.address : '?', reason }), msg: msg() }));
    showCounts();
  };

  // --- settings, checked again here: a hand-edited flow bypasses the editor.
  const checked = checkListenerSettings(config, {
    maxFrameKb: TCP_DEFAULTS.maxFrameBytes / 1024,
    maxConnections: TCP_DEFAULTS.maxConnections,
    idleTimeoutSec: TCP_DEFAULTS.idleTimeoutMs / 1000,
  });
  if (!checked.ok) return refuse(checked.problems.map((p) => p.detail));
  const settings = checked.value;
  const made = sourceRuntimeOf(node, env, 'ucm-cdr-in', config, topic, countingHooks(counts, node, showCounts, fail));
  if (!made.ok) return refuse(made.problems.map((p) => p.detail));
  const journaled = made.value;
  runtime = journaled;
  let tlsOptions = null;
  try {
    tlsOptions = listenerTls(secure, config.tls, env);
  } catch (err) {
    return refuse([(err as Error).message]);
  }
  const auth = credentialsAuth(node);

  // The frames whose records went into the last journal batch taken (see onFrame).
  let lastTaken: Promise<void> | null = null;
  let takenFrames: TakenFrame[] = [];

  if (transport === 'tcp') {
    server = new TcpServer(
      {
        host: settings.host,
        port: settings.port,
        framing: format,
        maxFrameBytes: settings.maxFrameBytes,
        maxConnections: settings.maxConnections,
        idleTimeoutMs: settings.idleTimeoutMs,
        allow: settings.allow,
        tls: tlsOptions,
        mismatch: mismatchMessagesFrom(t),
      },
      {
        onMismatch,
        onFrame(text, peer, _unterminated, json) {
          let parsed;
          try {
            parsed = parseUcmFrame(text, format, json);
          } catch (err) {
            reportBadRecord((err as Error).message, text, peer, ucmFormatOf(text));
            return;
          }
          const fmt = ucmFormatOf(text);
          const { records, recordJson } = parsed;
          // A frame of one JSON record is journaled as received (text decoded from UTF-8 holds no lone surrogate).
          const stored: StoredRecord[] =
            recordJson !== null ? [{ payload: records[0], source: source(peer, fmt), payloadJson: recordJson }] : records.map((record) => ({ payload: record, source: source(peer, fmt) }));
          // TCP has no acknowledgement to hold back: a record the journal refuses is reported.
          // The frames of one journal batch share its promise: one handler for them all, holding
          // their records (the batch holds them anyway) rather than a promise and a closure per
          // frame that keeps its text alive until the fsync.
          const taken = journaled.take(stored);
          if (taken !== lastTaken) {
            lastTaken = taken;
            const frames: TakenFrame[] = (takenFrames = []);
            taken.catch((err: Error) => {
              for (const f of frames) reportBadRecord(err.message, JSON.stringify(f.records.length === 1 ? f.records[0] : f.records), f.peer, f.fmt);
            });
          }
          takenFrames.push({ records, peer, fmt });
        },
        onFrameError(err, peer) {
          reportBadRecord(err.message, err.raw, peer, 'unknown');
        },
        onConnect(peer, n) {
          counts.connections = n;
          node.debug(t('log.connected', { from: `${peer.address}:${peer.port}` }));
          showCounts();
        },
        onDisconnect(peer, reason, n, detail) {
          counts.connections = n;
          if (reason === 'idle') node.log(t('log.idle', { from: `${peer.address}:${peer.port}` }));
          else node.debug(t('log.disconnected', { from: `${peer.address}:${peer.port}`, reason: detail ?? reason }));
          if (!closed) showCounts();
        },
        onRefused(reason) {
          node.warn(t('log.refused', { reason }));
        },
        onError(err) {
          node.error(t('errors.internal', { reason: err.message }));
        },
      },
    );
    const tcp = server;
    // Records waiting for the journal hold the sockets back (see INTAKE_HIGH).
    journaled.throttleWith({ pause: () => tcp.pauseReading(), resume: () => tcp.resumeReading() });
  } else {
    server = cdrHttpReceiver({
      node,
      t,
      settings,
      path: config.path,
      auth,
      tls: tlsOptions,
      bodyFormat: format,
      refusedText: (address) => t('log.refused', { reason: t('log.not-allowed', { from: address }) }),
      parse(req) {
        const parsed = parseUcmHttpBody(req.body, req.contentType, format);
        return parsed.records.map((record) => ({ payload: record, source: source(req.peer, parsed.format) }));
      },
      onBadBody(err, req) {
        const text = req.body.toString('utf8');
        reportBadRecord(err.message, text, req.peer, ucmFormatOf(text));
      },
      runtime: journaled,
      onRefusedBody: () => showCounts(),
    });
  }
  if (transport === 'tcp' && auth) node.warn(t('log.tcp-auth-ignored'));

  const listening = listenAs(server, {
    node,
    t,
    status,
    transport: transportName,
    host: settings.host,
    port: settings.port,
    onListening(port) {
      label = `${transportName} :${port}`;
      showCounts();
      resolveListening(port);
    },
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    closed = true;
    listening.stop();
    status.stop();
    reporter.close();
    const s = server;
    server = null;
    (s ? s.close() : Promise.resolve())
      .then(() => journaled.close())
      .then(
        () => done(),
        () => done(),
      );
  });
}
