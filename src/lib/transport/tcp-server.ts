import * as net from 'node:net';
import * as tls from 'node:tls';
import type { AllowList } from './allow-list';
import { createFramer, FramingError, type FramingKind } from './framing';
import { plainAddress, type Peer } from './peer';

export interface TcpServerOptions {
  host: string;
  port: number;
  framing: FramingKind;
  maxFrameBytes: number;
  maxConnections: number;
  /** Close a connection that sent nothing for this long; 0 = never. */
  idleTimeoutMs: number;
  allow?: AllowList | null;
  /** TLS server options (key, cert, ca, …); absent = plain TCP. */
  tls?: tls.TlsOptions | null;
}

export type DisconnectReason = 'closed' | 'idle' | 'error' | 'shutdown';

export interface TcpServerHandlers {
  /** One complete frame. May throw: the error goes to onError and reading goes on. */
  /** `unterminated`: see {@link FrameSink.frame} (line framing: a last line with no line end). */
  onFrame(text: string, peer: Peer, unterminated?: boolean): void;
  onFrameError(err: FramingError, peer: Peer): void;
  onConnect?(peer: Peer, connections: number): void;
  onDisconnect?(peer: Peer, reason: DisconnectReason, connections: number, detail?: string): void;
  /** A connection refused before it was read: not allowed, over the limit, TLS handshake failed. */
  onRefused?(reason: string, address: string): void;
  /** Anything else that went wrong; the server keeps running. */
  onError?(err: Error): void;
}

export const TCP_DEFAULTS = {
  maxFrameBytes: 1024 * 1024,
  maxConnections: 100,
  idleTimeoutMs: 3_600_000,
} as const;

/**
 * A listening socket that turns every connection's byte stream into frames.
 * Never throws from a socket callback; `close()` resolves once the port and
 * every connection are released.
 */
export class TcpServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private nextConnection = 1;
  private closing = false;

  constructor(
    private readonly options: TcpServerOptions,
    private readonly handlers: TcpServerHandlers,
  ) {}

  get connections(): number {
    return this.sockets.size;
  }

  /** Starts listening; resolves with the bound address (port 0 → an ephemeral port). */
  listen(): Promise<{ address: string; port: number }> {
    const server = this.options.tls
      ? tls.createServer(this.options.tls, (s) => this.accept(s))
      : net.createServer((s) => this.accept(s));
    if (this.options.tls) {
      server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
        this.handlers.onRefused?.(`TLS handshake failed: ${err.message}`, plainAddress(socket.remoteAddress));
      });
    }
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = null;
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host: this.options.host, port: this.options.port }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.handlers.onError?.(err));
        const a = server.address() as net.AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /** Stops accepting, ends every connection, releases the port. */
  close(): Promise<void> {
    this.closing = true;
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const address = plainAddress(socket.remoteAddress);
    // Errors on a refused socket must not escape either.
    socket.on('error', () => undefined);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.options.allow && !this.options.allow.allows(socket.remoteAddress)) {
      socket.destroy();
      this.handlers.onRefused?.(`${address} is not in the allow-list`, address);
      return;
    }
    if (this.sockets.size >= this.options.maxConnections) {
      socket.destroy();
      this.handlers.onRefused?.(`connection limit (${this.options.maxConnections}) reached`, address);
      return;
    }
    const peer: Peer = { address, port: socket.remotePort ?? 0, connection: this.nextConnection++ };
    this.sockets.add(socket);
    let reason: DisconnectReason = 'closed';
    let detail: string | undefined;
    const framer = createFramer(
      this.options.framing,
      {
        frame: (text, unterminated) => {
          try {
            if (unterminated) this.handlers.onFrame(text, peer, true);
            else this.handlers.onFrame(text, peer);
          } catch (err) {
            this.handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
          }
        },
        error: (err) => {
          try {
            this.handlers.onFrameError(err, peer);
          } catch (e) {
            this.handlers.onError?.(e instanceof Error ? e : new Error(String(e)));
          }
        },
      },
      { maxFrameBytes: this.options.maxFrameBytes },
    );
    // Dead peers (cable pulled, PBX rebooted) are found by TCP keep-alive.
    socket.setKeepAlive(true, 60_000);
    socket.setNoDelay(true);
    if (this.options.idleTimeoutMs > 0) {
      socket.setTimeout(this.options.idleTimeoutMs, () => {
        reason = 'idle';
        socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', (err) => {
      reason = 'error';
      detail = err.message;
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.closing && reason === 'closed') reason = 'shutdown';
      // What is complete is delivered even when the peer left without a newline.
      framer.end();
      this.handlers.onDisconnect?.(peer, reason, this.sockets.size, detail);
    });
    this.handlers.onConnect?.(peer, this.sockets.size);
  }
}
