/** The vos-cdr-in source without Node-RED: TCP, UDP and the hourly files, reorder window, liveness, journal, messages, status. */
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { formatAge, type LivenessEvent } from '../cdr/liveness';
import type { VosRecord } from '../formats/vos';
import { VosStream } from '../formats/vos-stream';
import type { ListenerSettings } from '../glue/listener-config';
import { listenAs, listenerTls } from '../glue/listener-wiring';
import { receivedAtNow, sourceMessage, type SourceInfo } from '../glue/source-message';
import { formatCount, StatusThrottle } from '../glue/status';
import { checkVosSettings } from '../glue/vos-settings';
import { createCheckpointStore } from '../transport/checkpoint';
import { createDirFollower, isDirFollowCheckpoint, type DirFollowCheckpoint, type DirFollower } from '../transport/dir-follow';
import { createErrorReporter, peerKey } from '../glue/error-reporter';
import { mismatchMessagesFrom } from '../transport/mismatch';
import type { Peer } from '../transport/peer';
import { TcpServer } from '../transport/tcp-server';
import { UdpSocket } from '../transport/udp-socket';
import type { JournalSettingsInput } from '../glue/journal-settings';
import { sourceRuntimeOf, type SourceEnv, type SourceNodeLike } from '../glue/source-node';
import type { HeldRecord, StoredRecord } from './delivery';
import type { HoldTicket } from './source-runtime';

/** The node's settings, as the editor saves them. */
export interface VosCdrInDef extends JournalSettingsInput {
  tcp?: boolean;
  udp?: boolean;
  host?: string;
  tcpPort?: string | number;
  udpPort?: string | number;
  useTls?: boolean;
  tls?: string;
  maxFrameKb?: string | number;
  maxConnections?: string | number;
  idleTimeoutSec?: string | number;
  allow?: string;
  fields?: string;
  separator?: string;
  pddUnit?: string;
  maxExtraFields?: string | number;
  reorder?: boolean;
  reorderWindowSec?: string | number;
  reorderMaxHeld?: string | number;
  silenceAlertMin?: string | number;
  files?: boolean;
  dir?: string;
  pattern?: string;
  backfill?: 'none' | 'all' | 'from';
  backfillFrom?: string;
  encoding?: string;
  checkpoint?: string;
  topic?: string;
}

export interface VosCdrInNode extends SourceNodeLike {
  /** Resolves once every enabled source is up: the bound ports, and the followed directory (tests and the demo use it). */
  listening: Promise<{ tcp?: number; udp?: number; dir?: string }>;
}

/**
 * Where a line came from: a listener and its peer, or a file; and, for a record
 * in the reorder window, its journal entry (journaled on receipt, handed on from
 * it when the window lets it out).
 */
type LineSource = ({ transport: 'tcp' | 'tls' | 'udp'; peer: Peer } | { transport: 'file'; file: string }) & { held?: HeldEntry };

interface HeldEntry {
  ticket: HoldTicket;
  record: StoredRecord;
  /** Given back from the journal after a restart: it may have been sent before. */
  restored: boolean;
}

const STATUS_REFRESH_MS = 5000;
const STATUS_MIN_MS = 250;

/** Runs a vos-cdr-in on `node` (a Node-RED node, or any object shaped like one): everything the node does. */
export function runVosSource(node: VosCdrInNode, config: VosCdrInDef, env: SourceEnv): void {
  const t = env.t;
  const status = new StatusThrottle((s) => node.status(s));
  const counts = { connections: 0, errors: 0 };
  let closed = false;
  let resolveListening: (ports: { tcp?: number; udp?: number; dir?: string }) => void = () => undefined;
  node.listening = new Promise((resolve) => (resolveListening = resolve));

  const fail = (text: string): void => status.now({ fill: 'red', shape: 'ring', text });
  const refuse = (details: string[]): void => {
    for (const d of details) node.error(t('errors.setting', { detail: d }));
    fail(t('status.bad-settings'));
    node.on('close', (_removed: boolean, done: () => void) => done());
  };

  // --- settings, checked again here: a hand-edited flow bypasses the editor.
  const checked = checkVosSettings(config);
  if (!checked.ok) {
    refuse(checked.problems.map((p) => p.detail));
    return;
  }
  const settings = checked.value;
  const { format, files: fileSettings } = settings;
  const tcpSettings = settings.tcp;
  const udpSettings = settings.udp;
  const useTcp = tcpSettings !== null;
  const topic = settings.topic;
  let tlsOptions = null;
  try {
    tlsOptions = listenerTls(settings.useTls, config.tls, env);
  } catch (err) {
    refuse([(err as Error).message]);
    return;
  }
  const tcpName = tlsOptions ? 'tls' : 'tcp';
  const made = sourceRuntimeOf(node, env, 'vos-cdr-in', config, topic, {
    send: (msg) => node.send([msg, null]),
    acknowledged: () => statusNow(),
    failed: (text) => fail(text),
    restore: (held) => restoreHeld(held),
  });
  if (!made.ok) {
    refuse(made.problems.map((p) => p.detail));
    return;
  }
  const runtime = made.value;

  // --- status: listeners, records, rate, age of the last record.
  const labels: string[] = [];
  let follower: DirFollower | null = null;
  // Building the status text costs more than parsing a line: at thousands of
  // lines per second it is rebuilt at most every STATUS_MIN_MS, not per line.
  let statusTimer: NodeJS.Timeout | null = null;
  const renderStatus = (force: boolean): void => {
    if (closed) return;
    const now = Date.now();
    const parts = [...labels];
    if (useTcp) parts.push(t('status.conn', { n: counts.connections }));
    if (follower?.stats.file) parts.push(nodePath.basename(follower.stats.file));
    parts.push(t('status.records', { n: formatCount(stream.liveness.count) }));
    parts.push(t('status.rate', { n: formatCount(stream.liveness.perMinute(now)) }));
    if (stream.liveness.lastRecordAt !== null) parts.push(t('status.last', { age: formatAge(now - stream.liveness.lastRecordAt) }));
    if (stream.held > 0) parts.push(t('status.held', { n: formatCount(stream.held) }));
    if (counts.errors > 0) parts.push(t('status.errors', { n: formatCount(counts.errors) }));
    parts.push(...runtime.statusParts());
    // A journal that refuses records (full, failed, its directory held by another node) is red whatever else holds.
    const s = runtime.refusing
      ? { fill: 'red' as const, shape: 'ring' as const, text: parts.join(' · ') }
      : stream.liveness.silent
        ? { fill: 'yellow' as const, shape: 'ring' as const, text: `${t('status.silent', { age: formatAge(stream.liveness.silentFor(now)) })} · ${parts.join(' · ')}` }
        : { fill: 'green' as const, shape: 'dot' as const, text: parts.join(' · ') };
    if (force) status.now(s);
    else status.set(s);
  };
  const statusNow = (force = false): void => {
    if (force) {
      renderStatus(true);
      return;
    }
    if (statusTimer || closed) return;
    statusTimer = setTimeout(() => {
      statusTimer = null;
      renderStatus(false);
    }, STATUS_MIN_MS);
  };

  const sourceOf = (s: LineSource): SourceInfo =>
    s.transport === 'file'
      ? { vendor: 'vos3000', format: 'vos-pipe', transport: 'file', file: s.file, receivedAt: receivedAtNow() }
      : { vendor: 'vos3000', format: 'vos-pipe', transport: s.transport, address: s.peer.address, port: s.peer.port, receivedAt: receivedAtNow() };

  // A flood of bad lines becomes a few folded reports a second (count and sample).
  const reporter = createErrorReporter((text, msg) => node.error(text, msg), { summary: (first, count, from, seconds) => t('errors.more', { first, count, from, seconds }) });
  const reportBad = (code: string, reason: string, raw: string, s: LineSource): void => {
    counts.errors++;
    const from = s.transport === 'file' ? nodePath.basename(s.file) : s.peer.address;
    const msg = (): Record<string, unknown> => ({ ...sourceMessage(raw, topic, sourceOf(s)), errorCode: code });
    reporter.report(s.transport === 'file' ? from : peerKey(s.peer), () => ({ text: t('errors.bad-record', { from, reason }), msg: msg() }));
    statusNow();
  };

  /** Set by onRecord while a file line waits for room in the journal. */
  let holding: Promise<void> | null = null;
  const stream: VosStream<LineSource> = new VosStream<LineSource>({
    format,
    ...(settings.reorder ? { reorder: settings.reorder } : {}),
    silenceMs: settings.silenceMs,
    now: () => Date.now(),
    onRecord(record: VosRecord, s: LineSource, late: boolean) {
      if (s.held) {
        const h = s.held;
        const stored = late ? { ...h.record, extra: { ...h.record.extra, late: true } } : h.record;
        runtime.release(h.ticket, stored, h.restored, (err) => reportBad('journal', err.message, JSON.stringify(record), s));
        return;
      }
      const records = [{ payload: record, source: sourceOf(s), ...(late ? { extra: { late: true } } : {}) }];
      // A file line waits for room in a full journal (the file keeps it); a streamed one is reported.
      if (s.transport === 'file') {
        holding = runtime.takeFromFile(records, (err) => node.error(t('errors.journal', { reason: err.message }))) ?? null;
        return;
      }
      runtime.take(records).catch((err: Error) => reportBad('journal', err.message, JSON.stringify(record), s));
    },
    // Journaled on receipt: a crash while the window holds it loses nothing.
    hold(record: VosRecord, s: LineSource): LineSource | null {
      const stored: StoredRecord = { payload: record, source: sourceOf(s) };
      try {
        const ticket = runtime.hold(stored);
        return ticket ? { ...s, held: { ticket, record: stored, restored: false } } : s;
      } catch (err) {
        reportBad('journal', (err as Error).message, JSON.stringify(record), s);
        return null;
      }
    },
    onError(err, raw, s) {
      reportBad(err.code, err.message, raw, s);
    },
    onAlert(ev: LivenessEvent) {
      const silentForSec = Math.round(ev.silentForMs / 1000);
      const lastRecordAt = ev.lastRecordAt === null ? null : new Date(ev.lastRecordAt).toISOString();
      if (ev.type === 'silent') node.warn(t('log.silent', { age: formatAge(ev.silentForMs) }));
      else node.log(t('log.resumed', { age: formatAge(ev.silentForMs) }));
      node.send([null, { payload: { event: ev.type, silentForSec, lastRecordAt }, topic: `${topic}/liveness` }]);
      statusNow(true);
    },
  });

  // The reorder window lets records out on its own clock.
  let drainTimer: NodeJS.Timeout | null = null;
  let drainAt = Infinity;
  const scheduleDrain = (): void => {
    const due = stream.nextDueAt();
    if (due === null || closed || due >= drainAt) return;
    if (drainTimer) clearTimeout(drainTimer);
    drainAt = due;
    drainTimer = setTimeout(() => {
      drainTimer = null;
      drainAt = Infinity;
      try {
        stream.tick();
      } catch (err) {
        node.error(t('errors.internal', { reason: (err as Error).message }));
      }
      scheduleDrain();
    }, Math.max(0, due - Date.now()));
  };

  // After a restart: what the window held goes back into it (each record once, under its journal entry).
  const restoreHeld = (held: HeldRecord[]): void => {
    if (closed) return;
    for (const h of held) {
      const { held: _flag, ...record } = h.record;
      const src = record.source;
      const s: LineSource =
        src.transport === 'file'
          ? { transport: 'file', file: src.file ?? '' }
          : { transport: src.transport === 'udp' ? 'udp' : src.transport === 'tls' ? 'tls' : 'tcp', peer: { address: src.address ?? '', port: src.port ?? 0, connection: 0 } };
      stream.restore(record.payload as VosRecord, { ...s, held: { ticket: { seq: h.seq }, record, restored: true } });
    }
    if (settings.reorder) scheduleDrain();
    statusNow();
  };

  const onLine = (text: string, s: LineSource, unterminated = false): void => {
    stream.line(text, s, true, unterminated);
    if (settings.reorder) scheduleDrain();
    statusNow();
  };

  // Liveness and "last record N s ago" need a clock even when nothing arrives.
  const ticker = setInterval(() => {
    try {
      stream.tick();
      if (settings.reorder) scheduleDrain();
      statusNow();
    } catch (err) {
      node.error(t('errors.internal', { reason: (err as Error).message }));
    }
  }, settings.silenceMs > 0 ? Math.max(250, Math.min(STATUS_REFRESH_MS, settings.silenceMs / 4)) : STATUS_REFRESH_MS);

  const servers: Array<TcpServer | UdpSocket> = [];
  const ports: { tcp?: number; udp?: number; dir?: string } = {};
  let pendingListeners = 0;
  const oneUp = (): void => {
    pendingListeners--;
    if (pendingListeners === 0) resolveListening({ ...ports });
  };
  const listeners: { stop(): void }[] = [];

  const start = (server: TcpServer | UdpSocket, kind: 'tcp' | 'udp', listener: ListenerSettings, index: number): void => {
    listeners.push(
      listenAs(server, {
        node,
        t,
        status,
        transport: kind === 'tcp' ? tcpName : 'udp',
        host: listener.host,
        port: listener.port,
        onListening(port) {
          ports[kind] = port;
          labels[index] = `${kind === 'tcp' ? tcpName : 'udp'} :${port}`;
          oneUp();
          statusNow(true);
        },
      }),
    );
  };

  if (tcpSettings) {
    const transport = tcpName;
    const server = new TcpServer(
      {
        host: tcpSettings.host,
        port: tcpSettings.port,
        framing: 'line',
        maxFrameBytes: tcpSettings.maxFrameBytes,
        maxConnections: tcpSettings.maxConnections,
        idleTimeoutMs: tcpSettings.idleTimeoutMs,
        allow: tcpSettings.allow,
        tls: tlsOptions,
        mismatch: mismatchMessagesFrom(t),
      },
      {
        onMismatch: (_kind, reason, peer) => node.error(t('errors.mismatch', { from: peer.address, reason })),
        onFrame: (text, peer, unterminated) => onLine(text, { transport, peer }, unterminated),
        onFrameError: (err, peer) => reportBad(err.code, err.message, err.raw, { transport, peer }),
        onConnect(peer, n) {
          counts.connections = n;
          node.log(t('log.connected', { from: `${peer.address}:${peer.port}` }));
          statusNow();
        },
        onDisconnect(peer, reason, n, detail) {
          counts.connections = n;
          node.log(t('log.disconnected', { from: `${peer.address}:${peer.port}`, reason: detail ?? reason }));
          statusNow();
        },
        onRefused: (reason) => node.warn(t('log.refused', { reason })),
        onError: (err) => node.error(t('errors.internal', { reason: err.message })),
      },
    );
    servers.push(server);
    // Records waiting for the journal hold the sockets back (see INTAKE_HIGH); UDP cannot be held back.
    runtime.throttleWith({ pause: () => server.pauseReading(), resume: () => server.resumeReading() });
    labels.push(`${transport} :${tcpSettings.port}`);
    pendingListeners++;
  }
  if (udpSettings) {
    const server = new UdpSocket(
      { host: udpSettings.host, port: udpSettings.port, maxDatagramBytes: udpSettings.maxFrameBytes, allow: udpSettings.allow },
      {
        onFrame: (text, peer) => onLine(text, { transport: 'udp', peer }),
        onFrameError: (err, peer) => reportBad(err.code, err.message, err.raw, { transport: 'udp', peer }),
        onRefused: (reason) => node.warn(t('log.refused', { reason })),
        onError: (err) => node.error(t('errors.internal', { reason: err.message })),
      },
    );
    servers.push(server);
    labels.push(`udp :${udpSettings.port}`);
    pendingListeners++;
  }
  // Hourly files: read in name order, the current hour's file followed as it grows. A line's
  // position is checkpointed once it was sent (at-least-once); file lines skip the reorder
  // window, or a restart could skip records the window still held.
  if (fileSettings) {
    const dir = fileSettings.dir;
    const userDir = env.userDir;
    const checkpointDir = fileSettings.checkpointDir ?? nodePath.join(userDir ?? os.tmpdir(), 'cdrflow-checkpoints');
    follower = createDirFollower({
      dir,
      pattern: fileSettings.pattern,
      sortKey: fileSettings.sortKey,
      // The position moves on only over lines already durable in the journal.
      checkpoint: runtime.guard(createCheckpointStore<DirFollowCheckpoint>({ dir: checkpointDir, name: `vos-cdr-in-${node.id}`, validate: isDirFollowCheckpoint })),
      ...(fileSettings.backfillFrom !== undefined ? { backfillFrom: fileSettings.backfillFrom } : {}),
      startAt: 'end',
      encoding: fileSettings.encoding,
      maxLineBytes: fileSettings.maxLineBytes,
      onLine: (line, at) => {
        stream.line(line, { transport: 'file', file: at.file }, false);
        statusNow();
        const held = holding;
        holding = null;
        return held ?? undefined;
      },
      onError: (err) => {
        if (err.code === 'LINE_TOO_LONG') reportBad('oversize', err.message, err.text ?? '', { transport: 'file', file: err.file ?? dir });
        else node.error(t('errors.files', { reason: err.message }));
      },
      onEvent: (ev) => {
        if (ev.kind === 'opened' || ev.kind === 'finished' || ev.kind === 'resumed') node.log(ev.message);
        else if (ev.kind === 'checkpoint-reset' || ev.kind === 'replaced' || ev.kind === 'truncated') node.warn(ev.message);
        else node.debug(ev.message);
        statusNow();
      },
    });
    labels.push(t('status.files', { dir: nodePath.basename(dir) || dir }));
    pendingListeners++;
  }

  status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') });
  if (follower && fileSettings) {
    const f = follower;
    const dir = fileSettings.dir;
    runtime.ready.then((d) => (closed || !d ? undefined : f.start())).then(
      () => {
        if (closed) return;
        ports.dir = dir;
        node.log(t('log.following', { dir }));
        oneUp();
        statusNow(true);
      },
      (err: Error) => {
        node.error(t('errors.files', { reason: err.message }));
        fail(t('status.failed'));
      },
    );
  }
  servers.forEach((s, i) => start(s, s instanceof TcpServer ? 'tcp' : 'udp', (s instanceof TcpServer ? tcpSettings : udpSettings)!, i));

  node.on('close', (_removed: boolean, done: () => void) => {
    closed = true;
    clearInterval(ticker);
    for (const l of listeners) l.stop();
    if (drainTimer) clearTimeout(drainTimer);
    if (statusTimer) clearTimeout(statusTimer);
    const stopping: Array<Promise<void>> = servers.map((s) => s.close().catch(() => undefined));
    if (follower) stopping.push(follower.close().catch((err: Error) => node.error(t('errors.files', { reason: err.message }))));
    Promise.all(stopping).then(() => {
      // What the reorder window still holds is sent, in order: nothing is lost on a redeploy. Each is
      // journaled: with a cdr-ack in the flows it stays there until acknowledged (a crash: see restoreHeld).
      try {
        stream.flush();
      } catch (err) {
        node.error(t('errors.internal', { reason: (err as Error).message }));
      }
      status.stop();
      reporter.close();
      runtime.close().then(
        () => done(),
        () => done(),
      );
    });
  });
}
