import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { formatAge, type LivenessEvent } from './lib/cdr/liveness';
import { compileVosFormat, VosConfigError, type VosFormat, type VosRecord } from './lib/formats/vos';
import { VosStream } from './lib/formats/vos-stream';
import { checkListenerSettings, intSetting, type ListenerSettings } from './lib/glue/listener-config';
import { sourceMessage, type SourceInfo } from './lib/glue/source-message';
import { formatCount, StatusThrottle } from './lib/glue/status';
import { serverTlsOptions, type TlsConfigLike } from './lib/glue/tls-options';
import type { Peer } from './lib/transport/peer';
import { TcpServer } from './lib/transport/tcp-server';
import { UdpSocket } from './lib/transport/udp-socket';

interface VosCdrInDef extends NodeDef {
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
  topic?: string;
}

interface VosCdrInNode extends Node {
  /** Resolves with the bound ports once every enabled listener is up (tests and the demo use it). */
  listening: Promise<{ tcp?: number; udp?: number }>;
}

/** Where a line came from: the transport and the peer. */
interface LineSource {
  transport: 'tcp' | 'tls' | 'udp';
  peer: Peer;
}

const RETRY_LISTEN_MS = 5000;
const STATUS_REFRESH_MS = 5000;
const STATUS_MIN_MS = 250;
const DEFAULTS = { maxFrameKb: 64, maxConnections: 16, idleTimeoutSec: 0 };

/** "a, b c|d" → names; blank → null (the default order). */
function fieldList(text: string | undefined): string[] | null {
  const names = (text ?? '')
    .split(/[\s,;|]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 ? names : null;
}

export = function register(RED: NodeAPI): void {
  function VosCdrIn(this: VosCdrInNode, config: VosCdrInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`vos-cdr-in.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const topic = config.topic?.trim() || 'vos3000';
    const counts = { connections: 0, errors: 0 };
    let closed = false;
    let resolveListening: (ports: { tcp?: number; udp?: number }) => void = () => undefined;
    node.listening = new Promise((resolve) => (resolveListening = resolve));

    const fail = (text: string): void => status.now({ fill: 'red', shape: 'ring', text });
    const refuse = (details: string[]): void => {
      for (const d of details) node.error(t('errors.setting', { detail: d }));
      fail(t('status.bad-settings'));
      node.on('close', (_removed: boolean, done: () => void) => done());
    };

    // --- settings, checked again here: a hand-edited flow bypasses the editor.
    const problems: string[] = [];
    const useTcp = config.tcp !== false;
    const useUdp = config.udp === true;
    if (!useTcp && !useUdp) problems.push(t('errors.no-listener'));
    const listener = (port: unknown): ListenerSettings | null => {
      const c = checkListenerSettings({ ...config, port }, DEFAULTS);
      if (c.ok) return c.value;
      for (const p of c.problems) if (!problems.includes(p.detail)) problems.push(p.detail);
      return null;
    };
    const tcpSettings = useTcp ? listener(config.tcpPort) : null;
    const udpSettings = useUdp ? listener(config.udpPort) : null;
    let format: VosFormat | null = null;
    const maxExtraFields = intSetting(config.maxExtraFields, 0, 1000, 16);
    if (maxExtraFields === null) problems.push(t('errors.max-extra'));
    try {
      const fields = fieldList(config.fields);
      format = compileVosFormat({
        ...(fields ? { fields } : {}),
        separator: config.separator ? config.separator : '|',
        pddUnit: config.pddUnit === 's' ? 's' : 'ms',
        maxExtraFields: maxExtraFields ?? 16,
      });
    } catch (err) {
      problems.push(err instanceof VosConfigError ? err.message : String(err));
    }
    const windowSec = intSetting(config.reorderWindowSec, 1, 3600, 2);
    const maxHeld = intSetting(config.reorderMaxHeld, 1, 1_000_000, 100_000);
    if (config.reorder && windowSec === null) problems.push(t('errors.reorder-window'));
    if (config.reorder && maxHeld === null) problems.push(t('errors.reorder-max'));
    // Minutes, fractions allowed (0.5 = 30 s).
    const silenceText = String(config.silenceAlertMin ?? '').trim();
    const silenceMin = silenceText === '' ? 0 : Number(silenceText);
    if (!Number.isFinite(silenceMin) || silenceMin < 0 || silenceMin > 10_080) problems.push(t('errors.silence'));
    let tlsOptions = null;
    if (useTcp && config.useTls) {
      const tlsNode = config.tls ? (RED.nodes.getNode(config.tls) as unknown as TlsConfigLike | null) : null;
      try {
        if (!tlsNode) throw new Error(t('errors.no-tls'));
        tlsOptions = serverTlsOptions(tlsNode);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    if (problems.length > 0 || !format) {
      refuse(problems);
      return;
    }
    const tcpName = tlsOptions ? 'tls' : 'tcp';

    // --- status: listeners, records, rate, age of the last record.
    const labels: string[] = [];
    // Building the status text costs more than parsing a line: at thousands of
    // lines per second it is rebuilt at most every STATUS_MIN_MS, not per line.
    let statusTimer: NodeJS.Timeout | null = null;
    const renderStatus = (force: boolean): void => {
      if (closed) return;
      const now = Date.now();
      const parts = [...labels];
      if (useTcp) parts.push(t('status.conn', { n: counts.connections }));
      parts.push(t('status.records', { n: formatCount(stream.liveness.count) }));
      parts.push(t('status.rate', { n: formatCount(stream.liveness.perMinute(now)) }));
      if (stream.liveness.lastRecordAt !== null) parts.push(t('status.last', { age: formatAge(now - stream.liveness.lastRecordAt) }));
      if (stream.held > 0) parts.push(t('status.held', { n: formatCount(stream.held) }));
      if (counts.errors > 0) parts.push(t('status.errors', { n: formatCount(counts.errors) }));
      const s = stream.liveness.silent
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

    // A burst shares milliseconds: format each one once.
    let stampMs = 0;
    let stampText = '';
    const receivedAt = (): string => {
      const ms = Date.now();
      if (ms !== stampMs) {
        stampMs = ms;
        stampText = new Date(ms).toISOString();
      }
      return stampText;
    };
    const sourceOf = (s: LineSource): SourceInfo => ({
      vendor: 'vos3000',
      format: 'vos-pipe',
      transport: s.transport,
      address: s.peer.address,
      port: s.peer.port,
      receivedAt: receivedAt(),
    });

    const reportBad = (code: string, reason: string, raw: string, s: LineSource): void => {
      counts.errors++;
      const msg = { ...sourceMessage(raw, topic, sourceOf(s)), errorCode: code };
      node.error(t('errors.bad-record', { from: s.peer.address, reason }), msg as unknown as NodeMessageInFlow);
      statusNow();
    };

    const stream: VosStream<LineSource> = new VosStream<LineSource>({
      format,
      ...(config.reorder ? { reorder: { windowMs: windowSec! * 1000, maxHeld: maxHeld! } } : {}),
      silenceMs: Math.round(silenceMin * 60_000),
      now: () => Date.now(),
      onRecord(record: VosRecord, s: LineSource, late: boolean) {
        const msg: Record<string, unknown> = { ...sourceMessage(record, topic, sourceOf(s)) };
        if (late) msg['late'] = true;
        node.send([msg as unknown as NodeMessageInFlow, null]);
      },
      onError(err, raw, s) {
        reportBad(err.code, err.message, raw, s);
      },
      onAlert(ev: LivenessEvent) {
        const silentForSec = Math.round(ev.silentForMs / 1000);
        const lastRecordAt = ev.lastRecordAt === null ? null : new Date(ev.lastRecordAt).toISOString();
        if (ev.type === 'silent') node.warn(t('log.silent', { age: formatAge(ev.silentForMs) }));
        else node.log(t('log.resumed', { age: formatAge(ev.silentForMs) }));
        node.send([null, { payload: { event: ev.type, silentForSec, lastRecordAt }, topic: `${topic}/liveness` } as unknown as NodeMessageInFlow]);
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

    const onLine = (text: string, s: LineSource): void => {
      stream.line(text, s);
      if (config.reorder) scheduleDrain();
      statusNow();
    };

    // Liveness and "last record N s ago" need a clock even when nothing arrives.
    const ticker = setInterval(() => {
      try {
        stream.tick();
        if (config.reorder) scheduleDrain();
        statusNow();
      } catch (err) {
        node.error(t('errors.internal', { reason: (err as Error).message }));
      }
    }, silenceMin > 0 ? Math.max(250, Math.min(STATUS_REFRESH_MS, (silenceMin * 60_000) / 4)) : STATUS_REFRESH_MS);

    const servers: Array<TcpServer | UdpSocket> = [];
    const ports: { tcp?: number; udp?: number } = {};
    let pendingListeners = 0;
    const retries = new Set<NodeJS.Timeout>();

    const start = (server: TcpServer | UdpSocket, kind: 'tcp' | 'udp', settings: ListenerSettings, index: number): void => {
      if (closed) return;
      server.listen().then(
        ({ port }) => {
          if (closed) return;
          ports[kind] = port;
          labels[index] = `${kind === 'tcp' ? tcpName : 'udp'} :${port}`;
          node.log(t('log.listening', { transport: kind === 'tcp' ? tcpName : 'udp', host: settings.host, port }));
          pendingListeners--;
          if (pendingListeners === 0) resolveListening({ ...ports });
          statusNow(true);
        },
        (err: NodeJS.ErrnoException) => {
          if (closed) return;
          const reason = err.code === 'EADDRINUSE' ? t('errors.in-use', { port: settings.port }) : err.message;
          node.error(t('errors.listen', { reason }));
          fail(err.code === 'EADDRINUSE' ? t('status.in-use', { port: settings.port }) : t('status.failed'));
          const r = setTimeout(() => {
            retries.delete(r);
            start(server, kind, settings, index);
          }, RETRY_LISTEN_MS);
          retries.add(r);
        },
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
        },
        {
          onFrame: (text, peer) => onLine(text, { transport, peer }),
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
    status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') });
    servers.forEach((s, i) => start(s, s instanceof TcpServer ? 'tcp' : 'udp', (s instanceof TcpServer ? tcpSettings : udpSettings)!, i));

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(ticker);
      for (const r of retries) clearTimeout(r);
      if (drainTimer) clearTimeout(drainTimer);
      if (statusTimer) clearTimeout(statusTimer);
      Promise.all(servers.map((s) => s.close().catch(() => undefined))).then(() => {
        // What the reorder window still holds is sent, in order: nothing is lost on a redeploy.
        try {
          stream.flush();
        } catch (err) {
          node.error(t('errors.internal', { reason: (err as Error).message }));
        }
        status.stop();
        done();
      });
    });
  }

  RED.nodes.registerType('vos-cdr-in', VosCdrIn);
};
