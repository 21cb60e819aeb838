import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AllowList } from './allow-list';
import { plainAddress, type Peer } from './peer';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  /** Accept POSTs on this path only; empty = any path (a UCM can only be given host and port). */
  path?: string;
  maxBodyBytes: number;
  /** Basic auth; absent = no auth. */
  auth?: { username: string; password: string } | null;
  allow?: AllowList | null;
  maxConnections: number;
  /** Time allowed to receive a whole request. */
  requestTimeoutMs: number;
  /** HTTPS server options (key, cert, …); absent = plain HTTP. */
  tls?: https.ServerOptions | null;
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
  /** A connection from an address outside the allow-list, dropped unanswered. */
  onRefused?(address: string): void;
  onError?(err: Error): void;
}

export const HTTP_DEFAULTS = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxConnections: 100,
  requestTimeoutMs: 30_000,
} as const;

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

/** An HTTP or HTTPS server on its own port that hands complete POST bodies to a handler. */
export class HttpReceiver {
  private server: http.Server | https.Server | null = null;

  constructor(
    private readonly options: HttpReceiverOptions,
    private readonly handlers: HttpReceiverHandlers,
  ) {}

  get connections(): number {
    return this.openSockets;
  }

  private openSockets = 0;

  listen(): Promise<{ address: string; port: number }> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => {
        this.handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
        if (!res.headersSent) this.answer(res, 500, 'internal error');
      });
    };
    const server = this.options.tls ? https.createServer(this.options.tls, handler) : http.createServer(handler);
    server.maxConnections = this.options.maxConnections;
    server.requestTimeout = this.options.requestTimeoutMs;
    server.headersTimeout = Math.min(this.options.requestTimeoutMs, 60_000);
    server.on('connection', (socket) => {
      this.openSockets++;
      socket.on('close', () => this.openSockets--);
      if (this.options.allow && !this.options.allow.allows(socket.remoteAddress)) {
        const address = plainAddress(socket.remoteAddress);
        socket.destroy();
        this.handlers.onRefused?.(address);
      }
    });
    server.on('clientError', (err: Error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
      this.handlers.onError?.(new Error(`bad HTTP request: ${err.message}`));
    });
    if (this.options.tls) {
      server.on('tlsClientError', (err: Error) => this.handlers.onError?.(new Error(`TLS handshake failed: ${err.message}`)));
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
        const a = server.address() as { address: string; port: number };
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
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
      this.reject(res, peer, 413, `body of ${declared} bytes is over the ${this.options.maxBodyBytes}-byte limit`);
      req.destroy();
      return;
    }
    const body = await this.readBody(req);
    if (body === null) {
      res.setHeader('Connection', 'close');
      this.reject(res, peer, 413, `body is over the ${this.options.maxBodyBytes}-byte limit`);
      req.destroy();
      return;
    }
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
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
        if (!over) reject(err);
      });
      req.on('aborted', () => {
        if (!over) reject(new Error('the client aborted the request'));
      });
    });
  }
}
