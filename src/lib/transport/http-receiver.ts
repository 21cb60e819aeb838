import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AllowList } from './allow-list';
import { ConnectionPool, type PooledConnection } from './connection-pool';
import { ErrorReports } from './error-reports';
import { formatMismatch, mismatchText, type MismatchKind, type MismatchMessages } from './mismatch';
import { plainAddress, type Peer } from './peer';
import { SNIFF_BYTES, sniffFirstBytes } from './protocol-sniff';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  /** Accept POSTs on this path only; empty = any path (a UCM can only be given host and port). */
  path?: string;
  maxBodyBytes: number;
  /** Basic auth; absent = no auth. */
  auth?: { username: string; password: string } | null;
  allow?: AllowList | null;
  /** When full, the longest-idle connection yields to a new one (see ConnectionPool). */
  maxConnections: number;
  /** Connections one address may hold; 0 or absent = half of maxConnections. */
  maxPerAddress?: number;
  /** Time allowed to receive a whole request. */
  requestTimeoutMs: number;
  /** Time allowed for the request line and headers (and the first bytes); absent = HTTP_DEFAULTS. */
  headersTimeoutMs?: number;
  /** HTTPS server options (key, cert, …); absent = plain HTTP. */
  tls?: https.ServerOptions | null;
  /** A JSON or XML body where the other is expected gets 415 and one mismatch report. */
  bodyFormat?: 'json' | 'xml' | 'auto';
  /** The node's sentences for a sender set up for another protocol. */
  mismatch?: MismatchMessages | null;
}

/** One received POST, body complete. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Media type without parameters, lower case ('' when absent). */
  contentType: string;
  body: Buffer;
  peer: Peer;
}

export interface HttpReply {
  status?: number;
  body?: string;
  contentType?: string;
}

/** Thrown by a handler to answer with a status other than 500 (e.g. 400 for a body that is not a CDR). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpReceiverHandlers {
  /**
   * Handles a POST. The 2xx answer is sent only after the returned promise
   * resolved (the record was parsed and sent on); a rejection answers with its
   * HttpError status, else 500.
   */
  onRequest(req: ReceivedRequest): Promise<HttpReply | void> | HttpReply | void;
  /** A request turned away before the handler: wrong method, path, auth, size, address. */
  onRejected?(status: number, reason: string, peer: Peer): void;
  /** A connection from an address outside the allow-list, dropped unanswered (folded per address, 10 s). */
  onRefused?(address: string): void;
  /**
   * The sender speaks another protocol (TLS on HTTP, plain on HTTPS, raw data,
   * XML for JSON …): one report per kind and minute, `count` connections or
   * requests it covers. Absent: reported through onError.
   */
  onMismatch?(kind: MismatchKind, message: string, peer: Peer, count: number): void;
  onError?(err: Error): void;
}

export const HTTP_DEFAULTS = {
  /** XML parses at about 0.7 s/MB: a larger record would hold the event loop longer than a second. */
  maxBodyBytes: 1024 * 1024,
  maxConnections: 100,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
} as const;

const MISMATCH_WINDOW_MS = 60_000;
const NOTICE_WINDOW_MS = 10_000;
/** How often Node checks request and header timeouts (its default, 30 s, lets a slow sender sit twice as long). */
const TIMEOUT_CHECK_MS = 1000;

interface Connection extends PooledConnection {
  readonly socket: net.Socket;
  readonly peer: Peer;
  /** Until the first bytes are judged: a connection that sends nothing is closed after the header timeout. */
  sniffing: boolean;
}

interface MismatchSample {
  kind: MismatchKind;
  peer: Peer;
}

/** The request ended before its body did: the peer left, or was closed for being too slow. */
class ClientGone extends Error {}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Compares credentials in constant time (hashing first makes lengths equal). */
function credentialsMatch(header: string | undefined, auth: { username: string; password: string }): boolean {
  if (!header) return false;
  const m = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(auth.username));
  const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(auth.password));
  return userOk && passOk;
}

/**
 * An HTTP or HTTPS server on its own port that hands complete POST bodies to a
 * handler. Its slots cannot be held: headers and body have deadlines, and when
 * full the longest-idle connection yields to a new one. The first bytes of a
 * connection tell a TLS handshake, a plain HTTP request and raw data apart, so
 * a sender set up for another protocol gets one clear report.
 */
export class HttpReceiver {
  private server: net.Server | null = null;
  private http: http.Server | https.Server | null = null;
  private readonly pool: ConnectionPool<Connection>;
  private readonly bySocket = new WeakMap<net.Socket, Connection>();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly headersTimeoutMs: number;
  private readonly mismatches: ErrorReports<MismatchSample>;
  private readonly notices: ErrorReports<{ text: string; address: string; refused: boolean }>;
  private closing = false;

  constructor(
    private readonly options: HttpReceiverOptions,
    private readonly handlers: HttpReceiverHandlers,
  ) {
    this.pool = new ConnectionPool({ maxConnections: options.maxConnections, maxPerAddress: options.maxPerAddress ?? 0 });
    this.headersTimeoutMs = Math.min(options.headersTimeoutMs ?? HTTP_DEFAULTS.headersTimeoutMs, options.requestTimeoutMs);
    this.mismatches = new ErrorReports<MismatchSample>({ windowMs: MISMATCH_WINDOW_MS, perKeyImmediate: 1, emit: (r) => this.reportMismatch(r.sample, r.count) });
    this.notices = new ErrorReports({
      windowMs: NOTICE_WINDOW_MS,
      perKeyImmediate: 1,
      emit: (r) => {
        if (r.sample.refused) this.handlers.onRefused?.(r.sample.address);
        else this.handlers.onError?.(new Error(r.count > 1 ? `${r.sample.text} (${r.count} times in ${NOTICE_WINDOW_MS / 1000} s)` : r.sample.text));
      },
    });
  }

  get connections(): number {
    return this.pool.size;
  }

  listen(): Promise<{ address: string; port: number }> {
    this.closing = false;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const c = this.bySocket.get(req.socket) ?? this.bySocket.get((req.socket as net.Socket & { _parent?: net.Socket })._parent as net.Socket);
      res.on('finish', () => {
        if (c) c.lastFrameAt = Date.now();
      });
      this.handle(req, res).catch((err: unknown) => {
        // A sender that left or was cut off for slowness is not a receiver error.
        if (err instanceof ClientGone) return;
        this.handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
        if (!res.headersSent) this.answer(res, 500, 'internal error');
      });
    };
    // Not listening themselves: the plain server below judges the first bytes and hands the connection over.
    const serverOptions: http.ServerOptions = { connectionsCheckingInterval: TIMEOUT_CHECK_MS, requestTimeout: this.options.requestTimeoutMs, headersTimeout: this.headersTimeoutMs };
    const inner = this.options.tls
      ? https.createServer({ ...this.options.tls, ...serverOptions, handshakeTimeout: this.headersTimeoutMs }, handler)
      : http.createServer(serverOptions, handler);
    inner.requestTimeout = this.options.requestTimeoutMs;
    inner.headersTimeout = this.headersTimeoutMs;
    // Node checks header and request deadlines from the moment a server is listening; this
    // one never listens itself (connections are handed to it), so start that check here.
    inner.emit('listening');
    inner.on('clientError', (err: Error, socket: net.Socket) => {
      // Answered, then closed whether or not the peer reads: a slow sender that never reads must not keep the socket.
      const status = (err as NodeJS.ErrnoException).code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`, () => socket.destroy());
      else socket.destroy();
      // A request timeout is a slow sender, already handled; the rest is news, folded per kind.
      if ((err as NodeJS.ErrnoException).code === 'ERR_HTTP_REQUEST_TIMEOUT') return;
      const text = `bad HTTP request: ${err.message}`;
      this.notices.add(text, { text, address: plainAddress(socket.remoteAddress), refused: false });
    });
    if (this.options.tls) {
      inner.on('tlsClientError', (err: Error, socket: net.Socket) => {
        socket.destroy();
        const text = `TLS handshake failed: ${err.message}`;
        this.notices.add(text, { text, address: plainAddress(socket.remoteAddress), refused: false });
      });
    }
    this.http = inner;
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
        const a = server.address() as { address: string; port: number };
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const server = this.server;
    this.server = null;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of [...this.pool.values()]) c.socket.destroy();
    this.http?.closeAllConnections();
    this.http?.close();
    this.http = null;
    this.mismatches.close();
    this.notices.close();
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined);
    const address = plainAddress(socket.remoteAddress);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.options.allow && !this.options.allow.allows(socket.remoteAddress)) {
      socket.destroy();
      this.notices.add(`refused ${address}`, { text: address, address, refused: true });
      return;
    }
    const victim = this.pool.victimFor(address);
    if (victim) {
      this.pool.delete(victim);
      victim.socket.destroy();
    }
    const c: Connection = { socket, address, acceptedAt: Date.now(), lastFrameAt: null, peer: { address, port: socket.remotePort ?? 0, connection: 0 }, sniffing: true };
    this.pool.add(c);
    this.bySocket.set(socket, c);
    socket.on('close', () => this.pool.delete(c));
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const kind = sniffFirstBytes(head.subarray(0, SNIFF_BYTES));
      if (kind === 'more') return;
      socket.off('data', onData);
      c.sniffing = false;
      const tls = Boolean(this.options.tls);
      if (tls ? kind === 'tls' : kind === 'http') {
        socket.pause();
        socket.unshift(head);
        this.http?.emit('connection', socket);
        // A TLS socket reads what was put back itself; the HTTP parser needs the stream flowing.
        if (!tls) socket.resume();
        return;
      }
      if (kind === 'http') {
        // Plain HTTP on HTTPS: the client reads a plain answer.
        const text = this.mismatch('http-on-https', c.peer);
        const body = JSON.stringify({ ok: false, message: text });
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        setTimeout(() => socket.destroy(), 2000).unref();
        return;
      }
      this.mismatch(kind === 'tls' ? 'tls-on-plain' : tls ? 'plain-on-tls' : 'data-on-http', c.peer);
      socket.destroy();
    };
    socket.on('data', onData);
  }

  /** Reports (folded per kind and minute); returns the sentence. */
  private mismatch(kind: MismatchKind, peer: Peer): string {
    this.mismatches.add(kind, { kind, peer });
    return mismatchText(kind, this.options.mismatch);
  }

  private reportMismatch(sample: MismatchSample, count: number): void {
    const base = mismatchText(sample.kind, this.options.mismatch);
    const text = count > 1 ? `${base} (${count} times in ${MISMATCH_WINDOW_MS / 1000} s)` : base;
    if (this.handlers.onMismatch) this.handlers.onMismatch(sample.kind, text, sample.peer, count);
    else this.handlers.onError?.(new Error(text));
  }

  /** A connection that sent nothing judgeable within the header timeout gives its slot back. */
  private startSweeper(): void {
    const every = Math.max(25, Math.min(1000, Math.floor(this.headersTimeoutMs / 4)));
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const c of [...this.pool.values()]) {
        if (c.sniffing && now - c.acceptedAt > this.headersTimeoutMs) {
          this.pool.delete(c);
          c.socket.destroy();
        }
      }
    }, every);
    this.sweeper.unref();
  }

  private answer(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    const body = JSON.stringify({ ok: status < 300, message: text });
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  private reject(res: http.ServerResponse, peer: Peer, status: number, reason: string, headers: Record<string, string> = {}): void {
    this.handlers.onRejected?.(status, reason, peer);
    this.answer(res, status, reason, headers);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const peer: Peer = { address: plainAddress(req.socket.remoteAddress), port: req.socket.remotePort ?? 0, connection: 0 };
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (this.options.path && url.pathname !== this.options.path) {
      req.resume();
      return this.reject(res, peer, 404, `no receiver at ${url.pathname}`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return this.reject(res, peer, 405, `method ${req.method} not allowed; POST records here`, { Allow: 'POST' });
    }
    if (this.options.auth && !credentialsMatch(req.headers.authorization, this.options.auth)) {
      req.resume();
      const why = req.headers.authorization ? 'wrong credentials' : 'credentials missing';
      return this.reject(res, peer, 401, why, { 'WWW-Authenticate': 'Basic realm="cdrflow", charset="UTF-8"' });
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.options.maxBodyBytes) {
      // Don't read it: answer and drop the connection.
      res.setHeader('Connection', 'close');
      this.reject(res, peer, 413, `body of ${declared} bytes is over the ${this.options.maxBodyBytes}-byte limit (Largest record in the node's settings)`);
      req.destroy();
      return;
    }
    const body = await this.readBody(req);
    if (body === null) {
      res.setHeader('Connection', 'close');
      this.reject(res, peer, 413, `body is over the ${this.options.maxBodyBytes}-byte limit (Largest record in the node's settings)`);
      req.destroy();
      return;
    }
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const wrongFormat = this.options.bodyFormat ? formatMismatch(this.options.bodyFormat, body) : null;
    if (wrongFormat) {
      const text = this.mismatch(wrongFormat, peer);
      this.answer(res, 415, text);
      return;
    }
    let reply: HttpReply | void;
    try {
      reply = await this.handlers.onRequest({
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        contentType,
        body,
        peer,
      });
    } catch (err) {
      if (err instanceof HttpError) return this.reject(res, peer, err.status, err.message);
      throw err;
    }
    const status = reply?.status ?? 200;
    if (reply?.body !== undefined) {
      res.writeHead(status, { 'Content-Type': reply.contentType ?? 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
    } else {
      this.answer(res, status, 'ok');
    }
  }

  /** The whole body, or null when it grew over the limit. */
  private readBody(req: http.IncomingMessage): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > this.options.maxBodyBytes) {
          over = true;
          parts.length = 0;
          resolve(null);
          return;
        }
        parts.push(chunk);
      });
      req.on('end', () => {
        if (!over) resolve(Buffer.concat(parts));
      });
      req.on('error', (err) => {
        if (!over) reject(new ClientGone(err.message));
      });
      req.on('aborted', () => {
        if (!over) reject(new ClientGone('the client aborted the request'));
      });
    });
  }
}
