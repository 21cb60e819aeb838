import * as net from 'node:net';
import * as tls from 'node:tls';
import type { AllowList } from './allow-list';
import { ConnectionPool, perAddressLimit, type PooledConnection } from './connection-pool';
import { ErrorReports } from './error-reports';
import { createFramer, FramingError, type Framer, type FramingKind } from './framing';
import { formatMismatch, mismatchText, type MismatchKind, type MismatchMessages } from './mismatch';
import { plainAddress, type Peer } from './peer';
import { bodyKindOf, SNIFF_BYTES, sniffFirstBytes } from './protocol-sniff';

export interface TcpServerOptions {
  host: string;
  port: number;
  framing: FramingKind;
  maxFrameBytes: number;
  /** When full, the longest-idle connection yields to a new one (see ConnectionPool). */
  maxConnections: number;
  /** Connections one address may hold; 0 or absent = half of maxConnections. */
  maxPerAddress?: number;
  /** Close a connection that delivered no complete record for this long; 0 = never. */
  idleTimeoutMs: number;
  /** A record (and the TLS handshake) must be complete this long after its first byte; absent = TCP_DEFAULTS. */
  frameTimeoutMs?: number;
  allow?: AllowList | null;
  /** TLS server options (key, cert, ca, …); absent = plain TCP. */
  tls?: tls.TlsOptions | null;
  /** The node's sentences for a sender set up for another protocol. */
  mismatch?: MismatchMessages | null;
}

export type DisconnectReason = 'closed' | 'idle' | 'slow' | 'evicted' | 'mismatch' | 'error' | 'shutdown';

export interface TcpServerHandlers {
  /**
   * One complete frame. May throw: the error goes to onError and reading goes on.
   * `unterminated`, `json`: see {@link FrameSink.frame} (a last line with no line end; the JSON value when the framer parsed it).
   */
  onFrame(text: string, peer: Peer, unterminated?: boolean, json?: unknown): void;
  onFrameError(err: FramingError, peer: Peer): void;
  /**
   * The sender speaks another protocol than this listener (HTTP, TLS, XML for
   * JSON …): one report per kind and minute, `count` connections it covers.
   * Absent: reported through onFrameError with code 'mismatch'.
   */
  onMismatch?(kind: MismatchKind, message: string, peer: Peer, count: number): void;
  onConnect?(peer: Peer, connections: number): void;
  onDisconnect?(peer: Peer, reason: DisconnectReason, connections: number, detail?: string): void;
  /** A connection refused before it was read: not allowed, TLS handshake failed (folded per reason, 10 s). */
  onRefused?(reason: string, address: string): void;
  /** Anything else that went wrong; the server keeps running. */
  onError?(err: Error): void;
}

export const TCP_DEFAULTS = {
  maxFrameBytes: 1024 * 1024,
  maxConnections: 100,
  idleTimeoutMs: 3_600_000,
  /** A 1 byte/s trickle cannot hold a slot: a record is complete within 30 s of its first byte. */
  frameTimeoutMs: 30_000,
} as const;

const MISMATCH_WINDOW_MS = 60_000;
const REFUSAL_WINDOW_MS = 10_000;

interface Connection extends PooledConnection {
  readonly raw: net.Socket;
  /** The socket records are read from (the TLS socket once the handshake is done). */
  stream: net.Socket;
  readonly peer: Peer;
  /** Since when a record (or the first bytes, or the handshake) is waiting to complete; null = nothing pending. */
  partialSince: number | null;
  framer: Framer | null;
  reason: DisconnectReason;
  detail: string | undefined;
  /** Its key in `handshaking` (remote address:port, read while the socket is open). */
  tlsKey: string | null;
  announced: boolean;
  ended: boolean;
}

/** In its TLS handshake: the TLS server reads the raw socket, not us. */
const handshaking = (c: Connection): boolean => c.tlsKey !== null && c.stream === c.raw;

interface MismatchSample {
  kind: MismatchKind;
  peer: Peer;
  head: string;
}

/**
 * A listening socket that turns every connection's byte stream into frames.
 * Its slots cannot be held: a slow record times out, and when full the
 * longest-idle connection yields to a new one. Never throws from a socket
 * callback; `close()` resolves once the port and every connection are released.
 */
export class TcpServer {
  private server: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  private readonly pool: ConnectionPool<Connection>;
  /** Connections in their TLS handshake, by remote address:port. */
  private readonly handshaking = new Map<string, Connection>();
  private nextConnection = 1;
  private closing = false;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly frameTimeoutMs: number;
  private readonly mismatches: ErrorReports<MismatchSample>;
  private readonly refusals: ErrorReports<{ reason: string; address: string }>;
  /** Reading is held back by the source (its records wait for the journal): no socket is read. */
  private paused = false;

  constructor(
    private readonly options: TcpServerOptions,
    private readonly handlers: TcpServerHandlers,
  ) {
    this.pool = new ConnectionPool({ maxConnections: options.maxConnections, maxPerAddress: options.maxPerAddress ?? 0 });
    this.frameTimeoutMs = options.frameTimeoutMs ?? TCP_DEFAULTS.frameTimeoutMs;
    this.mismatches = new ErrorReports<MismatchSample>({
      windowMs: MISMATCH_WINDOW_MS,
      perKeyImmediate: 1,
      emit: (r) => this.reportMismatch(r.sample, r.count),
    });
    this.refusals = new ErrorReports<{ reason: string; address: string }>({
      windowMs: REFUSAL_WINDOW_MS,
      perKeyImmediate: 1,
      emit: (r) => this.handlers.onRefused?.(r.count > 1 ? `${r.sample.reason} (${r.count} times in ${REFUSAL_WINDOW_MS / 1000} s)` : r.sample.reason, r.sample.address),
    });
  }

  get connections(): number {
    return this.pool.size;
  }

  /**
   * Stops reading every connection (and new ones) until resumeReading(): the
   * senders' bytes wait in TCP's window and their writes slow down, which is
   * how TCP pushes back. No connection is dropped as slow or idle while held
   * back, and the time held back does not count against a record's frame timeout.
   */
  pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    for (const c of this.pool.values()) if (!handshaking(c)) c.stream.pause();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    const now = Date.now();
    for (const c of this.pool.values()) {
      if (c.partialSince !== null) c.partialSince = now;
      if (!handshaking(c)) c.stream.resume();
    }
  }

  /** Starts listening; resolves with the bound address (port 0 → an ephemeral port). */
  listen(): Promise<{ address: string; port: number }> {
    this.closing = false;
    if (this.options.tls) {
      // Not listening itself: the plain server looks at the first bytes and hands a TLS handshake over.
      const t = tls.createServer({ ...this.options.tls, handshakeTimeout: this.frameTimeoutMs });
      t.on('secureConnection', (s: tls.TLSSocket) => this.secured(s));
      t.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
        socket.destroy();
        const c = this.handshaking.get(`${socket.remoteAddress}:${socket.remotePort}`);
        if (c) c.reason = 'error';
        this.refuse(`TLS handshake failed: ${err.message}`, plainAddress(socket.remoteAddress));
      });
      this.tlsServer = t;
    }
    const server = net.createServer((s) => this.accept(s));
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
        this.startSweeper();
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
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of [...this.pool.values()]) {
      c.stream.destroy();
      c.raw.destroy();
    }
    this.mismatches.close();
    this.refusals.close();
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private refuse(reason: string, address: string): void {
    this.refusals.add(reason, { reason, address });
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
      this.refuse(`${address} is not in the allow-list`, address);
      return;
    }
    const victim = this.pool.victimFor(address);
    if (victim) {
      const own = victim.address === address && this.pool.countOf(address) >= perAddressLimit({ maxConnections: this.options.maxConnections, maxPerAddress: this.options.maxPerAddress ?? 0 });
      this.drop(
        victim,
        'evicted',
        own
          ? `${address} holds its share of connections (${perAddressLimit({ maxConnections: this.options.maxConnections, maxPerAddress: this.options.maxPerAddress ?? 0 })}): its longest-idle one made room for a new one`
          : `connection limit (${this.options.maxConnections}) reached: the longest-idle connection made room for ${address}`,
      );
    }
    const now = Date.now();
    const c: Connection = {
      raw: socket,
      stream: socket,
      address,
      acceptedAt: now,
      lastFrameAt: null,
      peer: { address, port: socket.remotePort ?? 0, connection: this.nextConnection++ },
      partialSince: null,
      framer: null,
      reason: 'closed',
      detail: undefined,
      tlsKey: null,
      announced: false,
      ended: false,
    };
    this.pool.add(c);
    // Dead peers (cable pulled, PBX rebooted) are found by TCP keep-alive.
    socket.setKeepAlive(true, 60_000);
    socket.setNoDelay(true);
    socket.on('error', (err) => {
      if (c.reason === 'closed') c.reason = 'error';
      c.detail ??= err.message;
    });
    socket.on('close', () => this.finish(c));
    if (!this.options.tls) this.announce(c);
    this.sniff(c);
  }

  /** Reads the first bytes to tell a record stream from a TLS handshake or an HTTP request. */
  private sniff(c: Connection): void {
    const socket = c.raw;
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      // From its first byte the connection must get somewhere: a handshake or a record.
      c.partialSince ??= Date.now();
      const kind = sniffFirstBytes(head.subarray(0, SNIFF_BYTES));
      if (kind === 'more') return;
      socket.off('data', onData);
      if (kind === 'http') return this.mismatch(c, 'http-on-tcp', head, true);
      if (this.options.tls) {
        if (kind !== 'tls') return this.mismatch(c, 'plain-on-tls', head, false);
        socket.pause();
        socket.unshift(head);
        c.tlsKey = `${socket.remoteAddress}:${socket.remotePort}`;
        this.handshaking.set(c.tlsKey, c);
        this.tlsServer?.emit('connection', socket);
        return;
      }
      if (kind === 'tls') return this.mismatch(c, 'tls-on-plain', head, false);
      this.read(c, socket, head);
    };
    socket.on('data', onData);
  }

  private secured(s: tls.TLSSocket): void {
    const key = `${s.remoteAddress}:${s.remotePort}`;
    const c = this.handshaking.get(key);
    this.handshaking.delete(key);
    if (!c || c.ended) {
      s.destroy();
      return;
    }
    c.stream = s;
    s.on('error', (err) => {
      if (c.reason === 'closed') c.reason = 'error';
      c.detail ??= err.message;
    });
    s.on('close', () => this.finish(c));
    this.announce(c);
    this.read(c, s, null);
  }

  private announce(c: Connection): void {
    c.announced = true;
    this.handlers.onConnect?.(c.peer, this.pool.size);
  }

  /**
   * Frames the stream; `first` holds bytes already read while sniffing. A JSON
   * stream on an XML setting (or the reverse) is reported once; the connection
   * is then framed by each frame's own first byte, so the wrong kind cannot
   * swallow a right frame after it: right frames go on, wrong ones are counted
   * into the report.
   */
  private read(c: Connection, stream: net.Socket, first: Buffer | null): void {
    const peer = c.peer;
    const configured = this.options.framing;
    let wrong: MismatchKind | null = null;
    const sink = {
      frame: (text: string, unterminated?: boolean, json?: unknown): void => {
        c.lastFrameAt = Date.now();
        // A record completed: the clock for the next one starts when its bytes are held.
        c.partialSince = null;
        if (wrong && formatMismatch(configured, text) !== null) {
          this.mismatches.add(wrong, { kind: wrong, peer, head: text.slice(0, 256) });
          return;
        }
        try {
          if (unterminated) this.handlers.onFrame(text, peer, true);
          else if (json !== undefined) this.handlers.onFrame(text, peer, false, json);
          else this.handlers.onFrame(text, peer);
        } catch (err) {
          this.handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
        }
      },
      error: (err: FramingError): void => {
        try {
          this.handlers.onFrameError(err, peer);
        } catch (e) {
          this.handlers.onError?.(e instanceof Error ? e : new Error(String(e)));
        }
      },
    };
    let framer: Framer | null = null;
    const push = (chunk: Buffer): void => {
      if (!framer) {
        // Inside TLS too: a sender set to HTTPS that reached a TLS listener speaks HTTP in it.
        if (sniffFirstBytes(chunk.subarray(0, SNIFF_BYTES)) === 'http') {
          stream.off('data', push);
          return this.mismatch(c, 'http-on-tcp', chunk, true);
        }
        const kind = bodyKindOf(chunk);
        // Whitespace before the first frame is skipped by every framer: it decides nothing.
        if (kind === 'empty' && (configured === 'json' || configured === 'xml')) return;
        wrong = formatMismatch(configured, chunk);
        if (wrong) this.mismatches.add(wrong, { kind: wrong, peer, head: chunk.subarray(0, 256).toString('utf8') });
        framer = createFramer(wrong ? 'auto' : configured, sink, { maxFrameBytes: this.options.maxFrameBytes });
        c.framer = framer;
      }
      framer.push(chunk);
      if (framer.buffered === 0) c.partialSince = null;
      else c.partialSince ??= Date.now();
    };
    c.partialSince = null;
    stream.on('data', push);
    stream.on('end', () => stream.end());
    if (first) push(first);
    if (this.paused) stream.pause();
    else if (stream !== c.raw) stream.resume();
  }

  /** The sender is set up for another protocol: one report, then the connection is dropped. */
  private mismatch(c: Connection, kind: MismatchKind, head: Buffer, answerHttp: boolean): void {
    const text = mismatchText(kind, this.options.mismatch);
    this.mismatches.add(kind, { kind, peer: c.peer, head: head.subarray(0, 256).toString('utf8') });
    c.reason = 'mismatch';
    c.detail = text;
    if (answerHttp) {
      // Tell the sender too: an HTTP client logs the answer. Closed once written, read or not.
      const body = `${text}\n`;
      const s = c.stream;
      s.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => s.destroy());
      s.resume();
      setTimeout(() => c.raw.destroy(), 2000).unref();
    } else {
      c.stream.destroy();
      c.raw.destroy();
    }
  }

  private reportMismatch(sample: MismatchSample, count: number): void {
    const base = mismatchText(sample.kind, this.options.mismatch);
    const text = count > 1 ? `${base} (${count} times in ${MISMATCH_WINDOW_MS / 1000} s)` : base;
    try {
      if (this.handlers.onMismatch) this.handlers.onMismatch(sample.kind, text, sample.peer, count);
      else this.handlers.onFrameError(new FramingError('mismatch', text, sample.head, sample.head.length), sample.peer);
    } catch (err) {
      this.handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private drop(c: Connection, reason: DisconnectReason, detail: string): void {
    c.reason = reason;
    c.detail = detail;
    // Out of the pool at once: its slot is the new connection's.
    this.pool.delete(c);
    c.stream.destroy();
    c.raw.destroy();
  }

  private finish(c: Connection): void {
    if (c.ended) return;
    c.ended = true;
    this.pool.delete(c);
    if (c.tlsKey) this.handshaking.delete(c.tlsKey);
    if (this.closing && c.reason === 'closed') c.reason = 'shutdown';
    // What is complete is delivered even when the peer left without a newline.
    c.framer?.end();
    if (c.announced) this.handlers.onDisconnect?.(c.peer, c.reason, this.pool.size, c.detail);
  }

  /** Closes connections that hold a slot without delivering: a record too slow, or idle too long. */
  private startSweeper(): void {
    const idle = this.options.idleTimeoutMs;
    const shortest = Math.min(this.frameTimeoutMs, idle > 0 ? idle : Infinity);
    const every = Math.max(25, Math.min(1000, Math.floor(shortest / 4)));
    this.sweeper = setInterval(() => {
      // Held back by us, a sender is not slow.
      if (this.paused) return;
      const now = Date.now();
      for (const c of [...this.pool.values()]) {
        if (c.partialSince !== null && now - c.partialSince > this.frameTimeoutMs) {
          this.drop(c, 'slow', `no complete record within ${Math.round(this.frameTimeoutMs / 1000)} s of its first byte`);
        } else if (idle > 0 && c.partialSince === null && now - (c.lastFrameAt ?? c.acceptedAt) > idle) {
          this.drop(c, 'idle', `no record for ${Math.round(idle / 1000)} s`);
        }
      }
    }, every);
    this.sweeper.unref();
  }
}
