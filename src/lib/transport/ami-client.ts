/**
 * An AMI client that stays connected: TCP or TLS to the PBX, Login with the
 * event classes wanted (`Events: cdr` or `cdr,call`), a Ping keep-alive that
 * detects a half-open peer, reconnects with exponential backoff, jitter and a
 * cap, login errors reported with the server's own message, and a close that
 * resolves only when the socket is gone.
 *
 * DESIGN.md asked to wrap npm `asterisk-manager`; this is our own instead
 * because that package cannot do TLS, lower-cases every field name (the
 * message contract wants the vendor's names), sends `Event:` instead of
 * `Events:` at login, has no way to destroy a half-open socket (its
 * disconnect only `end()`s and forgets it), and leaks a listener per
 * unanswered action. Measured figures: see README-asterisk.md and bench/ami.bench.js.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { AmiFramer, eventName, formatAction, header, messageText, type AmiFrame, type AmiMessage } from '../formats/ami';

export interface BackoffOptions {
  /** First delay after a failure (ms). */
  initialMs: number;
  /** Largest delay (ms). */
  maxMs: number;
  /** Part of each delay that is random, 0..1 (0.5: between half and all of it). */
  jitter: number;
}

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** Event classes asked for at login: `cdr`, or `cdr,call` for CEL too. */
  events: string;
  /** TLS options when AMI is reached over TLS (Asterisk `tlsenable`, port 5039); absent for plain TCP. */
  tls?: tls.ConnectionOptions;
  /** Send `Ping` this often once logged in (ms); 0 turns the keep-alive off. */
  pingIntervalMs: number;
  /** No answer to a Ping within this long (ms): the peer is gone, reconnect. */
  pingTimeoutMs: number;
  /** Give up on a connection attempt (TCP + banner + login answer) after this long (ms). */
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  /** Largest AMI message accepted (bytes). */
  maxMessageBytes?: number;
  /** Random source in [0,1) for the jitter (tests pass a fixed one). */
  random?: () => number;
  /** DNS lookup to use instead of the system's (tests). */
  lookup?: net.LookupFunction;
}

export const AMI_CLIENT_DEFAULTS = {
  port: 5038,
  events: 'cdr',
  pingIntervalMs: 20000,
  pingTimeoutMs: 10000,
  connectTimeoutMs: 10000,
  backoff: { initialMs: 1000, maxMs: 60000, jitter: 0.5 },
} as const;

export type AmiClientState = 'idle' | 'connecting' | 'connected' | 'login-failed' | 'disconnected' | 'closed';

export interface AmiStatus {
  state: AmiClientState;
  /** Why: the server's login message, the socket error, "no answer to Ping", … */
  reason?: string;
  /** When the next attempt is due (ms from now), for login-failed and disconnected. */
  retryInMs?: number;
  /** Failed attempts in a row. */
  attempt: number;
}

export interface AmiClientEvents {
  status: [AmiStatus];
  /** An AMI event (anything with an `Event` header) received after login. */
  event: [AmiMessage];
  /** A frame that could not be read (oversized message), with what was kept of it. */
  'frame-error': [Error, string];
}

/** The delay before attempt `attempt` (0-based failures in a row): exponential, capped, jittered. */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const full = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 30));
  const j = Math.min(1, Math.max(0, o.jitter));
  return Math.round(full * (1 - j) + full * j * random());
}

type Phase = 'banner' | 'login' | 'up';

export class AmiClient extends EventEmitter<AmiClientEvents> {
  private readonly o: AmiClientOptions;
  private readonly random: () => number;
  private socket: net.Socket | null = null;
  private phase: Phase = 'banner';
  private attempt = 0;
  private actionSeq = 0;
  private loginId = '';
  private pendingPing: string | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private started = false;
  private current: AmiStatus = { state: 'idle', attempt: 0 };
  /** Counters for status text and tests. */
  readonly stats = { connects: 0, logins: 0, events: 0, pings: 0 };

  constructor(options: AmiClientOptions) {
    super();
    this.o = options;
    this.random = options.random ?? Math.random;
  }

  get status(): AmiStatus {
    return this.current;
  }

  get connected(): boolean {
    return this.phase === 'up' && this.socket !== null;
  }

  /** Connects, and keeps reconnecting until close(). Calling it again does nothing. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.connect();
  }

  /** Sends an action once logged in; returns false when not connected (the caller decides what to do). */
  send(headers: ReadonlyArray<readonly [string, string]>): boolean {
    if (!this.connected || !this.socket) return false;
    this.socket.write(formatAction(headers));
    return true;
  }

  /** Logs off when logged in and resolves when the socket is closed; no reconnect after it. */
  close(): Promise<void> {
    this.closing = true;
    this.clearTimers();
    const socket = this.socket;
    const done = (): void => this.setStatus({ state: 'closed', attempt: this.attempt });
    if (!socket || socket.destroyed) {
      this.socket = null;
      done();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      // A peer that does not answer the Logoff (half-open) must not hold up a redeploy.
      const force = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => {
        clearTimeout(force);
        this.socket = null;
        done();
        resolve();
      });
      if (this.phase === 'up' && socket.writable) {
        socket.write(formatAction([['Action', 'Logoff'], ['ActionID', this.nextId('logoff')]]));
        socket.end();
      } else {
        socket.destroy();
      }
    });
  }

  /**
   * Runs a listener call so that nothing it throws escapes into the socket or
   * timer callback (that would stop Node-RED); the failure is reported as a
   * `frame-error` with the message's text, and reading goes on.
   */
  private guarded(call: () => void, what: string, m?: AmiMessage): void {
    try {
      call();
    } catch (err) {
      if (what === 'frame-error') return;
      try {
        this.emit('frame-error', new Error(`${what} handler failed: ${(err as Error).message}`), m ? messageText(m) : '');
      } catch {
        // The error handler itself failed: nothing more can be done here.
      }
    }
  }

  private nextId(kind: string): string {
    this.actionSeq++;
    return `cdrflow-${kind}-${this.actionSeq}`;
  }

  private setStatus(s: AmiStatus): void {
    this.current = s;
    this.guarded(() => this.emit('status', s), 'status');
  }

  private connect(): void {
    if (this.closing) return;
    this.retryTimer = null;
    this.phase = 'banner';
    this.pendingPing = null;
    this.setStatus({ state: 'connecting', attempt: this.attempt });
    const framer = new AmiFramer({ expectBanner: true, ...(this.o.maxMessageBytes ? { maxMessageBytes: this.o.maxMessageBytes } : {}) });
    const common: net.TcpNetConnectOpts = { host: this.o.host, port: this.o.port, noDelay: true, keepAlive: true };
    if (this.o.lookup) common.lookup = this.o.lookup;
    const socket = this.o.tls ? tls.connect({ ...common, ...this.o.tls, servername: this.o.tls.servername ?? sniName(this.o.host) }) : net.connect(common);
    this.socket = socket;
    let failure: string | null = null;
    let loginFailed = false;

    this.connectTimer = setTimeout(() => {
      failure = `no answer from ${this.o.host}:${this.o.port} within ${this.o.connectTimeoutMs} ms`;
      socket.destroy();
    }, this.o.connectTimeoutMs);

    socket.on(this.o.tls ? 'secureConnect' : 'connect', () => {
      this.stats.connects++;
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: AmiFrame[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        failure = `unreadable data: ${(err as Error).message}`;
        socket.destroy();
        return;
      }
      for (const f of frames) {
        if (socket !== this.socket) return;
        const outcome = this.frame(socket, f);
        if (outcome !== null) {
          loginFailed = outcome.loginFailed;
          failure = outcome.reason;
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (failure === null) failure = describeSocketError(err, this.o.host, this.o.port);
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.clearTimers();
      this.socket = null;
      const wasUp = this.phase === 'up';
      this.phase = 'banner';
      if (this.closing) return;
      if (failure === null) failure = wasUp ? 'connection closed by the server' : 'connection closed before login';
      // A connection that was up resets the backoff; the first retry after it is quick.
      if (wasUp) this.attempt = 0;
      const delay = backoffDelay(this.attempt, this.o.backoff, this.random);
      this.attempt++;
      this.setStatus({ state: loginFailed ? 'login-failed' : 'disconnected', reason: failure, retryInMs: delay, attempt: this.attempt });
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  /** Handles one frame; returns why the connection must end, or null to go on. */
  private frame(socket: net.Socket, f: AmiFrame): { reason: string; loginFailed: boolean } | null {
    if (f.kind === 'error') {
      this.guarded(() => this.emit('frame-error', f.error, f.raw), 'frame-error');
      return null;
    }
    if (f.kind === 'banner') {
      if (this.phase === 'banner') this.login(socket);
      return null;
    }
    const m = f.message;
    if (this.phase === 'banner') {
      // No banner (a proxy that strips it): log in anyway, then read this message.
      this.login(socket);
    }
    // An event can carry a Response header too (OriginateResponse), so Event decides.
    const event = eventName(m);
    const response = event === undefined ? header(m, 'Response') : undefined;
    if (this.phase === 'login') {
      if (response === undefined) return null; // events before the login answer are not ours to see
      // Asterisk answers actions in order and we sent only the Login, so the first response is its answer.
      if (response.toLowerCase() === 'success') {
        this.phase = 'up';
        this.attempt = 0;
        this.stats.logins++;
        if (this.connectTimer) clearTimeout(this.connectTimer);
        this.connectTimer = null;
        this.setStatus({ state: 'connected', attempt: 0 });
        this.schedulePing(socket);
        return null;
      }
      return { reason: `login refused: ${header(m, 'Message') ?? response}`, loginFailed: true };
    }
    if (response !== undefined) {
      const id = header(m, 'ActionID');
      if (id !== undefined && id === this.pendingPing) {
        this.pendingPing = null;
        if (this.pongTimer) clearTimeout(this.pongTimer);
        this.pongTimer = null;
        this.schedulePing(socket);
      }
      return null;
    }
    if (event !== undefined) {
      this.stats.events++;
      this.guarded(() => this.emit('event', m), 'event', m);
    }
    return null;
  }

  private login(socket: net.Socket): void {
    this.phase = 'login';
    this.loginId = this.nextId('login');
    socket.write(formatAction([
      ['Action', 'Login'],
      ['ActionID', this.loginId],
      ['Username', this.o.username],
      ['Secret', this.o.secret],
      ['Events', this.o.events],
    ]));
  }

  private schedulePing(socket: net.Socket): void {
    if (this.o.pingIntervalMs <= 0) return;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      if (socket !== this.socket || !socket.writable) return;
      const id = this.nextId('ping');
      this.pendingPing = id;
      this.stats.pings++;
      socket.write(formatAction([['Action', 'Ping'], ['ActionID', id]]));
      this.pongTimer = setTimeout(() => {
        // The far end is gone without a FIN (power cut, NAT timeout, frozen PBX): only silence tells.
        socket.destroy(new Error(`no answer to Ping within ${this.o.pingTimeoutMs} ms`));
      }, this.o.pingTimeoutMs);
    }, this.o.pingIntervalMs);
  }

  private clearTimers(): void {
    for (const t of [this.connectTimer, this.pingTimer, this.pongTimer, this.retryTimer]) if (t) clearTimeout(t);
    this.connectTimer = this.pingTimer = this.pongTimer = this.retryTimer = null;
  }
}

function sniName(host: string): string | undefined {
  return net.isIP(host) ? undefined : host;
}

/** Socket errors in words an operator can act on. */
export function describeSocketError(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host name "${host}" (${err.code})`;
    case 'ECONNREFUSED':
      return `connection refused by ${host}:${port} (is AMI enabled and listening there?)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host ${host} unreachable (${err.code})`;
    case 'ETIMEDOUT':
      return `connection to ${host}:${port} timed out`;
    case 'ECONNRESET':
      return 'connection reset by the server';
    default:
      return err.message;
  }
}
