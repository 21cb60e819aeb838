import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { parsePostBody } from './lib/formats/freeswitch/post-body';
import { FsFormatError } from './lib/formats/freeswitch/types';
import type { JsonCdrOptions } from './lib/formats/freeswitch/json';
import { checkListenerSettings } from './lib/glue/listener-config';
import { sourceMessage, type SourceInfo } from './lib/glue/source-message';
import { countsText, StatusThrottle } from './lib/glue/status';
import { serverTlsOptions, type TlsConfigLike } from './lib/glue/tls-options';
import { HttpError, HttpReceiver, HTTP_DEFAULTS } from './lib/transport/http-receiver';
import type { Peer } from './lib/transport/peer';

type FsMode = 'http' | 'spool' | 'csv';

interface FsCdrInDef extends NodeDef {
  mode: FsMode;
  // http
  host?: string;
  port?: string | number;
  path?: string;
  useTls?: boolean;
  tls?: string;
  maxFrameKb?: string | number;
  maxConnections?: string | number;
  allow?: string;
  jsonValues?: 'auto' | 'encoded' | 'plain';
  topic?: string;
}

interface FsCredentials {
  username?: string;
  password?: string;
}

interface FsCdrInNode extends Node<FsCredentials> {
  /** Resolves once the node receives: with the bound port in HTTP mode, 0 otherwise (tests and the demo use it). */
  listening: Promise<number>;
}

const RETRY_LISTEN_MS = 5000;

export = function register(RED: NodeAPI): void {
  function FsCdrIn(this: FsCdrInNode, config: FsCdrInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`fs-cdr-in.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const counts = { records: 0, errors: 0 };
    const topic = config.topic?.trim() || 'freeswitch';
    const mode: FsMode = config.mode === 'spool' || config.mode === 'csv' ? config.mode : 'http';
    const jsonOptions: JsonCdrOptions = {
      encodedValues: config.jsonValues === 'encoded' ? true : config.jsonValues === 'plain' ? false : 'auto',
    };
    let label: string = mode;
    let closed = false;
    let resolveListening: (port: number) => void = () => undefined;
    node.listening = new Promise((resolve) => (resolveListening = resolve));
    /** Everything the close handler must wait for. */
    const stoppers: (() => Promise<void>)[] = [];
    const timers = new Set<NodeJS.Timeout>();

    const showCounts = (): void => status.set({ fill: 'green', shape: 'dot', text: countsText(label, counts) });
    const fail = (text: string): void => status.now({ fill: 'red', shape: 'ring', text });
    const badSettings = (details: string[]): void => {
      for (const detail of details) node.error(t('errors.setting', { detail }));
      fail(t('status.bad-settings'));
    };
    const send = (record: unknown, source: SourceInfo): void => {
      counts.records++;
      node.send(sourceMessage(record, topic, source) as unknown as NodeMessageInFlow);
      showCounts();
    };
    const reportBad = (reason: string, raw: string, source: SourceInfo, from: string): void => {
      counts.errors++;
      node.error(t('errors.bad-record', { from, reason }), sourceMessage(raw, topic, source) as unknown as NodeMessageInFlow);
      showCounts();
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      status.stop();
      Promise.allSettled(stoppers.map((stop) => stop())).then(() => done());
    });

    if (mode === 'http') startHttp();
    else badSettings([t('errors.mode-unavailable', { mode })]);

    function startHttp(): void {
      const checked = checkListenerSettings(config, {
        maxFrameKb: HTTP_DEFAULTS.maxBodyBytes / 1024,
        maxConnections: HTTP_DEFAULTS.maxConnections,
        idleTimeoutSec: 0,
      });
      if (!checked.ok) return badSettings(checked.problems.map((p) => p.detail));
      const settings = checked.value;
      const secure = config.useTls === true;
      const transport = secure ? 'https' : 'http';
      let tlsOptions = null;
      if (secure) {
        const tlsNode = config.tls ? (RED.nodes.getNode(config.tls) as unknown as TlsConfigLike | null) : null;
        try {
          if (!tlsNode) throw new Error(t('errors.no-tls'));
          tlsOptions = serverTlsOptions(tlsNode);
        } catch (err) {
          return badSettings([(err as Error).message]);
        }
      }
      const auth = node.credentials?.username ? { username: node.credentials.username, password: node.credentials.password ?? '' } : null;
      const path = config.path?.trim() ?? '';
      const source = (peer: Peer, format: string): SourceInfo => ({
        vendor: 'freeswitch',
        format,
        transport,
        address: peer.address,
        port: peer.port,
        receivedAt: new Date().toISOString(),
      });
      const server = new HttpReceiver(
        {
          host: settings.host,
          port: settings.port,
          path: path ? (path.startsWith('/') ? path : `/${path}`) : '',
          maxBodyBytes: settings.maxFrameBytes,
          maxConnections: settings.maxConnections,
          requestTimeoutMs: HTTP_DEFAULTS.requestTimeoutMs,
          auth,
          allow: settings.allow,
          tls: tlsOptions,
        },
        {
          onRequest(req) {
            let parsed;
            try {
              parsed = parsePostBody(req.body, req.contentType, req.query, jsonOptions);
            } catch (err) {
              const reason = err instanceof FsFormatError ? err.message : String(err);
              reportBad(reason, req.body.toString('utf8'), source(req.peer, 'unknown'), req.peer.address);
              // FreeSWITCH retries on any non-2xx, then keeps the file in its error directory.
              throw new HttpError(400, reason);
            }
            send(parsed.record, source(req.peer, parsed.format));
            return { status: 200 };
          },
          onRejected(code, reason, peer) {
            if (code === 401) node.warn(t('log.auth', { from: peer.address, reason }));
            else node.debug(t('log.rejected', { from: peer.address, code, reason }));
          },
          onRefused(address) {
            node.warn(t('log.refused', { from: address }));
          },
          onError(err) {
            node.error(t('errors.internal', { reason: err.message }));
          },
        },
      );
      stoppers.push(() => server.close());
      const listen = (): void => {
        if (closed) return;
        status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') });
        server.listen().then(
          ({ port }) => {
            if (closed) return;
            label = `${transport} :${port}`;
            node.log(t('log.listening', { transport, host: settings.host, port }));
            showCounts();
            resolveListening(port);
          },
          (err: NodeJS.ErrnoException) => {
            if (closed) return;
            const inUse = err.code === 'EADDRINUSE';
            node.error(t('errors.listen', { reason: inUse ? t('errors.in-use', { port: settings.port }) : err.message }));
            fail(inUse ? t('status.in-use', { port: settings.port }) : t('status.failed'));
            const timer = setTimeout(() => {
              timers.delete(timer);
              listen();
            }, RETRY_LISTEN_MS);
            timers.add(timer);
          },
        );
      };
      listen();
    }
  }

  RED.nodes.registerType<FsCdrInNode, FsCdrInDef, unknown, FsCredentials>('fs-cdr-in', FsCdrIn, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });
};
