/** The gw-cdr-in source without Node-RED: TCP, UDP, a followed file or input messages, call assembly, journal, messages, status. */
import * as os from 'node:os';
import * as nodePath from 'node:path';
import type { GatewayCallRecord, LateEvent } from '../formats/gateway/assembler';
import type { GatewayLineError } from '../formats/gateway/errors';
import type { GatewayStatus } from '../formats/gateway/log-line';
import { heldBackStore, type GatewayTailCheckpoint, type ReplayPlan } from '../glue/gateway-file-checkpoint';
import { GatewayPipeline, type LineOrigin } from '../glue/gateway-pipeline';
import { checkGatewaySettings } from '../glue/gateway-settings';
import { checkListenerSettings } from '../glue/listener-config';
import { receivedAtNow, sourceMessage, type SourceInfo } from '../glue/source-message';
import { listenAs } from '../glue/listener-wiring';
import { countsText, StatusThrottle } from '../glue/status';
import { createErrorReporter } from '../glue/error-reporter';
import { mismatchMessagesFrom } from '../transport/mismatch';
import type { Peer } from '../transport/peer';
import { TcpServer, TCP_DEFAULTS } from '../transport/tcp-server';
import { UdpSocket, UDP_DEFAULTS } from '../transport/udp-socket';
import { createCheckpointStore } from '../transport/checkpoint';
import { createFileTail, isFileTailCheckpoint, type FileTail } from '../transport/file-tail';
import type { JournalSettingsInput } from '../glue/journal-settings';
import { sourceRuntimeOf, type ListeningSourceNode, type SourceEnv } from '../glue/source-node';
import type { HeldRecord } from './delivery';

/** The node's settings, as the editor saves them. */
export interface GwCdrInDef extends JournalSettingsInput {
  transport: 'tcp' | 'udp' | 'file' | 'messages';
  path?: string;
  startAt?: string;
  encoding?: string;
  checkpoint?: string;
  host?: string;
  port?: string | number;
  separator?: string;
  gateway?: string;
  filter?: string;
  openTimeoutSec?: string | number;
  maxOpenCalls?: string | number;
  maxFrameKb?: string | number;
  maxConnections?: string | number;
  idleTimeoutSec?: string | number;
  allow?: string;
  topic?: string;
}

export type GwCdrInNode = ListeningSourceNode;

/** Lines kept while the journal opens (past it they are read at once): ~16 MB at the largest line. */
const MAX_EARLY_LINES = 1000;

/** Gateway lines are short; a "line" of megabytes is garbage, not a record. */
const DEFAULT_MAX_LINE_KB = 16;

/** Runs a gw-cdr-in on `node` (a Node-RED node, or any object shaped like one): everything the node does. */
export function runGatewaySource(node: GwCdrInNode, config: GwCdrInDef, env: SourceEnv): void {
  const t = env.t;
  const status = new StatusThrottle((s) => node.status(s));
  const topic = config.topic?.trim() || 'gateway';
  let label = '';
  let connections = 0;
  let closed = false;
  let listening: { stop(): void } | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  let server: TcpServer | UdpSocket | null = null;
  let tail: FileTail | null = null;
  let resolveListening: (port: number) => void = () => undefined;
  node.listening = new Promise((resolve) => (resolveListening = resolve));
  const fail = (text: string): void => status.now({ fill: 'red', shape: 'ring', text });

  // --- settings, checked again here: a hand-edited flow bypasses the editor.
  const gw = checkGatewaySettings(config);
  const transport = gw.ok ? gw.value.transport : 'tcp';
  const listener =
    transport === 'messages' || transport === 'file'
      ? null
      : // Idle timeout off by default: a gateway keeps one connection and may be quiet all night;
        // a dead peer is still found by TCP keep-alive.
        checkListenerSettings(config, { maxFrameKb: DEFAULT_MAX_LINE_KB, maxConnections: TCP_DEFAULTS.maxConnections, idleTimeoutSec: 0 });
  const problems = [...(gw.ok ? [] : gw.problems), ...(listener && !listener.ok ? listener.problems : [])];
  // Settings that cannot run: each problem reported, a red status, nothing to close.
  const refuse = (details: string[]): void => {
    for (const detail of details) node.error(t('errors.setting', { detail }));
    fail(t('status.bad-settings'));
    node.on('close', (_removed: boolean, done: () => void) => done());
  };
  if (!gw.ok || (listener && !listener.ok)) return refuse(problems.map((p) => p.detail));
  const settings = gw.value;
  const net = listener && listener.ok ? listener.value : null;
  const made = sourceRuntimeOf(node, env, 'gw-cdr-in', config, topic, {
    send: (msg) => node.send([msg, null]),
    acknowledged: () => countsChanged(),
    failed: (text) => fail(text),
    restore: (held) => restoreHeld(held),
  });
  if (!made.ok) return refuse(made.problems.map((p) => p.detail));
  const runtime = made.value;

  const source = (origin: LineOrigin, format: string): SourceInfo => ({
    vendor: 'gateway',
    format,
    transport,
    ...(origin.address !== undefined ? { address: origin.address } : {}),
    ...(origin.port !== undefined ? { port: origin.port } : {}),
    ...(origin.file !== undefined ? { file: origin.file } : {}),
    receivedAt: receivedAtNow(),
  });

  const showCounts = (): void => {
    if (closed) return;
    const c = pipeline.counts;
    const text = countsText(label, { ...(net ? { connections } : {}), records: c.records, errors: c.errors });
    const parts = [`${text} · ${pipeline.openCalls} open`, ...runtime.statusParts()];
    status.set(runtime.refusing ? { fill: 'red', shape: 'ring', text: parts.join(' · ') } : { fill: 'green', shape: 'dot', text: parts.join(' · ') });
  };

  // A flood of bad lines becomes a few folded reports a second (count and sample); TCP per connection.
  const reporter = createErrorReporter((text, msg) => node.error(text, msg), { summary: (first, count, from, seconds) => t('errors.more', { first, count, from, seconds }) });
  const keyOf = (o: LineOrigin): string => (o.address === undefined ? (o.file ?? '-') : transport === 'tcp' ? `${o.address}:${o.port ?? 0}` : o.address);
  const pipeline = new GatewayPipeline(
    {
      separator: settings.separator,
      defaultGateway: settings.gateway,
      filter: settings.filter,
      openTimeoutMs: settings.openTimeoutMs,
      maxOpenCalls: settings.maxOpenCalls,
    },
    {
      // The record is journaled with the numbers of its call's held events: one entry lets them all go.
      record(record: GatewayCallRecord, origin: LineOrigin, consumes: number[]) {
        runtime.take([{ payload: record, source: source(origin, 'event-line'), ...(consumes.length > 0 ? { consumes } : {}) }]).catch((err: Error) => {
          pipeline.counts.errors++;
          node.error(t('errors.journal', { reason: err.message }), sourceMessage(record, topic, source(origin, 'event-line')));
        });
      },
      status(s: GatewayStatus, origin: LineOrigin) {
        node.send([null, sourceMessage(s, topic, source(origin, 'log-line'))]);
      },
      badLine(err: GatewayLineError, origin: LineOrigin) {
        const msg = (): Record<string, unknown> => sourceMessage(err.line, topic, source(origin, 'unknown')) as unknown as Record<string, unknown>;
        reporter.report(keyOf(origin), () => ({ text: t('errors.bad-line', { from: origin.address ?? '-', reason: err.message }), msg: msg() }));
      },
      late(l: LateEvent, origin: LineOrigin) {
        node.warn(t('log.late', { gateway: l.gateway, callRef: l.event['Call-Ref'], event: l.event.Event, from: origin.address ?? '-' }));
      },
      // The events of calls still open are journaled as they come (TCP, UDP, messages; a followed file keeps its own).
      hold(line: string, origin: LineOrigin): number | null {
        try {
          return runtime.holdNow([{ payload: line, source: source(origin, 'event-line') }])?.[0] ?? null;
        } catch (err) {
          pipeline.counts.errors++;
          const msg = (): Record<string, unknown> => sourceMessage(line, topic, source(origin, 'event-line')) as unknown as Record<string, unknown>;
          reporter.report(keyOf(origin), () => ({ text: t('errors.journal', { reason: (err as Error).message }), msg: msg() }));
          return null;
        }
      },
      settle(held: number[]) {
        runtime.settle(held);
      },
    },
  );
  // Lines that come before the journal gave back the open calls wait for it: a HOOK_ON read
  // before its call's earlier events would close a call that has not been restored yet.
  let restored = false;
  const early: Array<[string, LineOrigin]> = [];
  void runtime.ready.then(() => {
    restored = true;
    if (closed) return;
    for (const [text, origin] of early.splice(0)) pipeline.line(text, origin);
    countsChanged();
  });
  // After a restart: the events of the calls open at the crash or stop go back into their calls.
  const restoreHeld = (held: HeldRecord[]): void => {
    if (closed) return;
    for (const h of held) {
      const s = h.record.source;
      pipeline.line(String(h.record.payload), { ...(s.address !== undefined ? { address: s.address } : {}), ...(s.port !== undefined ? { port: s.port } : {}), held: h.seq });
    }
    countsChanged();
  };
  // A Peer is already a LineOrigin (address, port): no object per line.
  const originOf = (peer: Peer): LineOrigin => peer;
  // Lines arrive by the thousand per socket read: redraw the status once per turn of the event loop, not per line.
  let statusQueued = false;
  const countsChanged = (): void => {
    if (statusQueued) return;
    statusQueued = true;
    setImmediate(() => {
      statusQueued = false;
      showCounts();
    });
  };

  // Open calls without news are closed by this timer; never let an exception out of it.
  const sweepEvery = Math.min(30_000, Math.max(250, Math.floor(settings.openTimeoutMs / 4)));
  sweeper = setInterval(() => {
    try {
      pipeline.sweep();
      showCounts();
    } catch (err) {
      node.error(t('errors.internal', { reason: (err as Error).message }));
    }
  }, sweepEvery);

  node.on('input', (msg: Record<string, unknown> & { flush?: unknown }, _send: unknown, done: (err?: Error) => void) => {
    try {
      if (msg.flush === true) pipeline.flush();
      const p = msg.payload;
      if (typeof p === 'string' || Buffer.isBuffer(p)) pipeline.text(String(p), {});
      else if (msg.flush !== true) throw new Error(t('errors.bad-input', { type: Array.isArray(p) ? 'array' : typeof p }));
      showCounts();
      done();
    } catch (err) {
      done(err as Error);
    }
  });

  if (net) {
    const handlers = {
      onFrame(text: string, peer: Peer) {
        if (!restored && early.length < MAX_EARLY_LINES) {
          early.push([text, originOf(peer)]);
          return;
        }
        pipeline.line(text, originOf(peer));
        countsChanged();
      },
      onFrameError(err: { message: string; raw: string }, peer: Peer) {
        pipeline.counts.errors++;
        const msg = (): Record<string, unknown> => sourceMessage(err.raw, topic, source(originOf(peer), 'unknown')) as unknown as Record<string, unknown>;
        reporter.report(keyOf(originOf(peer)), () => ({ text: t('errors.bad-line', { from: peer.address, reason: err.message }), msg: msg() }));
        showCounts();
      },
      onRefused(reason: string) {
        node.warn(t('log.refused', { reason }));
      },
      onError(err: Error) {
        node.error(t('errors.internal', { reason: err.message }));
      },
    };
    server =
      transport === 'udp'
        ? new UdpSocket({ host: net.host, port: net.port, maxDatagramBytes: UDP_DEFAULTS.maxDatagramBytes, allow: net.allow }, handlers)
        : new TcpServer(
            {
              host: net.host,
              port: net.port,
              framing: 'line',
              maxFrameBytes: net.maxFrameBytes,
              maxConnections: net.maxConnections,
              idleTimeoutMs: net.idleTimeoutMs,
              allow: net.allow,
              mismatch: mismatchMessagesFrom(t),
            },
            {
              ...handlers,
              onMismatch: (_kind, reason, peer) => node.error(t('errors.mismatch', { from: peer.address, reason })),
              onConnect(peer, n) {
                connections = n;
                node.debug(t('log.connected', { from: `${peer.address}:${peer.port}` }));
                showCounts();
              },
              onDisconnect(peer, reason, n, detail) {
                connections = n;
                node.debug(t('log.disconnected', { from: `${peer.address}:${peer.port}`, reason: detail ?? reason }));
                showCounts();
              },
            },
          );
    // Records waiting for the journal hold TCP sockets back (see INTAKE_HIGH); UDP cannot be held back.
    if (server instanceof TcpServer) {
      const tcp = server;
      runtime.throttleWith({ pause: () => tcp.pauseReading(), resume: () => tcp.resumeReading() });
    }
    listening = listenAs(server, {
      node,
      t,
      status,
      transport,
      host: net.host,
      port: net.port,
      onListening(port) {
        label = `${transport} :${port}`;
        showCounts();
        resolveListening(port);
      },
    });
  } else if (settings.file) {
    // Followed file: at-least-once. The stored position is held back to the first line of the
    // oldest open call, and after a restart only the calls open at stop are fed again.
    const fileSettings = settings.file;
    const userDir = env.userDir;
    const checkpointDir = fileSettings.checkpointDir || nodePath.join(userDir ?? os.tmpdir(), 'cdrflow-checkpoints');
    let replay: ReplayPlan | null = null;
    let currentFile: string | null = null;
    const store = createCheckpointStore<GatewayTailCheckpoint>({
      dir: checkpointDir,
      name: `gw-cdr-in-${node.id}`,
      validate: (v): v is GatewayTailCheckpoint => isFileTailCheckpoint(v),
    });
    tail = createFileTail({
      path: fileSettings.path,
      startAt: fileSettings.startAt,
      encoding: fileSettings.encoding,
      maxLineBytes: DEFAULT_MAX_LINE_KB * 1024,
      // The position moves on only over lines already durable in the journal.
      checkpoint: heldBackStore(runtime.guard(store), {
        openCallStarts: () => pipeline.openCallStarts(),
        currentFile: () => currentFile,
        onReplayPlan: (plan) => {
          replay = plan;
          pipeline.replayOnly(plan ? plan.keys : []);
          if (plan) node.log(t('log.replay', { calls: plan.keys.length, file: fileSettings.path }));
        },
      }),
      onLine: (line, at) => {
        currentFile = at.file;
        const again = replay !== null && at.end <= replay.until;
        if (replay !== null && !again) replay = null;
        pipeline.line(line, { file: at.file, offset: at.start, ...(again ? { replay: true } : {}) });
        countsChanged();
      },
      onError: (err) => {
        if (err.code === 'LINE_TOO_LONG') {
          pipeline.counts.errors++;
          const msg = sourceMessage(err.text ?? '', topic, source({ file: err.file ?? fileSettings.path }, 'unknown'));
          node.error(t('errors.bad-line', { from: err.file ?? fileSettings.path, reason: err.message }), msg);
        } else {
          node.error(t('errors.file', { reason: err.message }));
        }
        countsChanged();
      },
      onEvent: (ev) => {
        // A new, replaced or truncated file is read from its start: nothing to replay in it.
        if (ev.kind === 'opened' || ev.kind === 'replaced' || ev.kind === 'truncated') replay = null;
        if (ev.kind === 'checkpoint-reset' || ev.kind === 'replaced' || ev.kind === 'truncated') node.warn(ev.message);
        else if (ev.kind === 'opened' || ev.kind === 'resumed' || ev.kind === 'rotated') node.log(ev.message);
        else node.debug(ev.message);
      },
    });
    label = `file ${nodePath.basename(fileSettings.path)}`;
    status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') });
    const started = tail;
    runtime.ready.then((d) => (closed || !d ? undefined : started.start())).then(
      () => {
        showCounts();
        resolveListening(0);
      },
      (err: Error) => {
        node.error(t('errors.file', { reason: err.message }));
        fail(t('status.failed-file'));
      },
    );
  } else {
    label = t('status.messages');
    showCounts();
    resolveListening(0);
  }

  node.on('close', (_removed: boolean, done: () => void) => {
    closed = true;
    listening?.stop();
    if (sweeper) clearInterval(sweeper);
    status.stop();
    reporter.close();
    // Sending from a close handler is not reliable: say what is lost rather than pretend.
    // A followed file keeps them: its checkpoint is held back to their first lines.
    if (pipeline.openCalls > 0) {
      const kept = tail ? 'log.open-at-close-file' : runtime.delivery?.journaled ? 'log.open-at-close-journal' : 'log.open-at-close';
      node.warn(t(kept, { count: pipeline.openCalls }));
    }
    const s = server;
    const f = tail;
    server = null;
    tail = null;
    Promise.all([s ? s.close() : undefined, f ? f.close() : undefined])
      .then(() => runtime.close())
      .then(
        () => done(),
        () => done(),
      );
  });
}
