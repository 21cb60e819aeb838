/**
 * A fake Asterisk AMI server for tests, benchmarks, demos and `cdr-sim ami`.
 * It speaks the protocol as the real captures show it (samples/asterisk):
 * banner without a blank line, Login success and failure (then the server
 * closes), `Permission denied` before login, FullyBooted to sessions that may
 * see `system`, Ping/Pong, Logoff/Goodbye, and events filtered by the user's
 * read classes and the Login `Events` header. Faults on command: stop,
 * restart, and a half-open peer that stops answering.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { AmiFramer, formatAction, header, type AmiMessage } from '../formats/ami';

export interface AmiSimUser {
  secret: string;
  /** manager.conf `read` classes, comma separated (default `cdr,call,system`). */
  read?: string;
}

export interface AmiSimOptions {
  /** Users by name (default: `cdruser` / `cdrpass`). */
  users?: Record<string, AmiSimUser>;
  /** AMI protocol version in the banner (Asterisk 22 says 11.0.0). */
  version?: string;
  /** Zone the fake PBX writes its wall-clock times in (default UTC). */
  timeZone?: string;
  /** Close an unauthenticated socket after this long, as Asterisk does after 30 s (0 = never). */
  authTimeoutMs?: number;
  /** Serve AMI over TLS (Asterisk `tlsenable`) with these key/cert options. */
  tls?: tls.TlsOptions;
  /**
   * Place each generated call through Local channels, as AMI Originate,
   * FreePBX ring groups, queues and follow-me do on a real Asterisk: 3–4 Cdr
   * events per call, with the caller's Local half ANSWERED the whole call and
   * an ANSWERED 0 s record after a dial that failed (see localCall).
   */
  localChannels?: boolean;
}

interface Session {
  socket: net.Socket;
  framer: AmiFramer;
  user: string | null;
  classes: Set<string>;
}

type Fields = ReadonlyArray<readonly [string, string]>;

const DISPOSITIONS = ['ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION'];

export class AmiSimServer extends EventEmitter {
  private server: net.Server | null = null;
  private readonly sessions = new Set<Session>();
  private readonly users: Record<string, AmiSimUser>;
  private readonly version: string;
  private readonly timeZone: string;
  private readonly authTimeoutMs: number;
  private readonly tlsOptions: tls.TlsOptions | undefined;
  private readonly localChannels: boolean;
  private localCounter = 0;
  private listenPort = 0;
  private listenHost = '127.0.0.1';
  private counter = 0;
  private sequence = 0;
  private readonly bootEpoch = Math.floor(Date.now() / 1000);
  private rateTimer: NodeJS.Timeout | null = null;
  /** When false the server reads and ignores everything: a half-open peer. */
  answering = true;
  /** When set, each new connection gets exactly these bytes and nothing else (input is ignored). */
  tape: Buffer | null = null;
  /** Logins accepted and refused since start, for tests. */
  logins = 0;
  loginFailures = 0;
  connections = 0;

  constructor(options: AmiSimOptions = {}) {
    super();
    this.users = options.users ?? { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } };
    this.version = options.version ?? '11.0.0';
    this.timeZone = options.timeZone ?? 'UTC';
    this.authTimeoutMs = options.authTimeoutMs ?? 30000;
    this.tlsOptions = options.tls;
    this.localChannels = options.localChannels ?? false;
  }

  get port(): number {
    return this.listenPort;
  }

  /** Sessions that are logged in now. */
  get loggedIn(): number {
    let n = 0;
    for (const s of this.sessions) if (s.user !== null) n++;
    return n;
  }

  get openSockets(): number {
    return this.sessions.size;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = this.tlsOptions
        ? tls.createServer(this.tlsOptions, (socket) => this.accept(socket))
        : net.createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        server.on('error', (err) => this.emit('server-error', err));
        this.server = server;
        const addr = server.address() as net.AddressInfo;
        this.listenPort = addr.port;
        this.listenHost = host;
        resolve(addr.port);
      });
    });
  }

  /** Like `core stop now`: `Shutdown` to sessions that may see `system`, then every socket closes. */
  async stop(): Promise<void> {
    this.stopRate();
    const server = this.server;
    this.server = null;
    for (const s of this.sessions) {
      if (s.user !== null && s.classes.has('system') && this.answering) {
        s.socket.write(formatAction([['Event', 'Shutdown'], ['Privilege', 'system,all'], ['Shutdown', 'Cleanly'], ['Restart', 'False']]));
      }
      s.socket.end();
      // A peer that never closes its side must not keep the fake PBX from stopping.
      setTimeout(() => s.socket.destroy(), 200).unref();
    }
    await Promise.all([...this.sessions].map((s) => closed(s.socket)));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Stop, then listen again on the same port; the UniqueID counter restarts as Asterisk's does. */
  async restart(): Promise<void> {
    await this.stop();
    this.counter = 0;
    this.sequence = 0;
    this.answering = true;
    await this.listen(this.listenPort, this.listenHost);
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    const session: Session = { socket, framer: new AmiFramer({ expectBanner: false }), user: null, classes: new Set() };
    this.sessions.add(session);
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sessions.delete(session));
    if (this.tape) {
      socket.write(this.tape);
      socket.on('data', () => undefined);
      return;
    }
    const authTimer = this.authTimeoutMs > 0
      ? setTimeout(() => { if (session.user === null) socket.destroy(); }, this.authTimeoutMs)
      : null;
    authTimer?.unref();
    socket.on('close', () => { if (authTimer) clearTimeout(authTimer); });
    socket.write(`Asterisk Call Manager/${this.version}\r\n`);
    socket.on('data', (chunk: Buffer) => {
      if (!this.answering) return;
      for (const f of session.framer.push(chunk)) if (f.kind === 'message') this.action(session, f.message);
    });
  }

  private action(s: Session, m: AmiMessage): void {
    const name = (header(m, 'Action') ?? '').toLowerCase();
    const id = header(m, 'ActionID');
    const reply = (fields: Fields): void => {
      const withId: Array<readonly [string, string]> = [fields[0] as readonly [string, string]];
      if (id !== undefined) withId.push(['ActionID', id]);
      withId.push(...fields.slice(1));
      s.socket.write(formatAction(withId));
    };
    if (name === 'login') {
      const user = header(m, 'Username') ?? '';
      const known = this.users[user];
      if (!known || known.secret !== (header(m, 'Secret') ?? '')) {
        this.loginFailures++;
        reply([['Response', 'Error'], ['Message', 'Authentication failed']]);
        s.socket.end();
        this.emit('login-failed', user);
        return;
      }
      s.user = user;
      s.classes = eventClasses(known.read ?? 'cdr,call,system', header(m, 'Events'));
      this.logins++;
      reply([['Response', 'Success'], ['Message', 'Authentication accepted']]);
      if (s.classes.has('system')) {
        const up = String(Math.floor(Date.now() / 1000) - this.bootEpoch);
        s.socket.write(formatAction([['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', up], ['LastReload', up], ['Status', 'Fully Booted']]));
      }
      this.emit('login', user);
      return;
    }
    if (s.user === null) {
      reply([['Response', 'Error'], ['Message', 'Permission denied']]);
      return;
    }
    if (name === 'ping') {
      const now = Date.now();
      reply([['Response', 'Success'], ['Ping', 'Pong'], ['Timestamp', `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')}`]]);
      this.emit('ping');
    } else if (name === 'logoff') {
      reply([['Response', 'Goodbye'], ['Message', 'Thanks for all the fish.']]);
      s.socket.end();
    } else if (name === 'events') {
      s.classes = eventClasses(this.users[s.user]?.read ?? '', header(m, 'EventMask'));
      reply([['Response', 'Success'], ['Events', header(m, 'EventMask') ?? 'on']]);
    } else {
      reply([['Response', 'Error'], ['Message', 'Invalid/unknown command']]);
    }
  }

  /** Sends one event of a class to every logged-in session allowed to see it; returns how many got it. */
  sendEvent(eventClass: string, fields: Fields): number {
    if (!this.answering) return 0;
    const bytes = formatAction(fields);
    let n = 0;
    for (const s of this.sessions) {
      if (s.user !== null && s.classes.has(eventClass) && s.socket.writable) {
        s.socket.write(bytes);
        n++;
      }
    }
    return n;
  }

  /** Raw bytes to every logged-in session (a capture's events, byte for byte). */
  sendRaw(bytes: Buffer | string): number {
    let n = 0;
    for (const s of this.sessions) {
      if (s.user !== null && s.socket.writable) {
        s.socket.write(bytes);
        n++;
      }
    }
    return n;
  }

  /** Replays a capture to logged-in sessions: everything after its banner and login response, byte for byte. */
  replay(capture: Buffer): number {
    return this.sendRaw(captureEvents(capture));
  }

  sendCdr(fields: Fields): number {
    return this.sendEvent('cdr', [['Event', 'Cdr'], ['Privilege', 'cdr,all'], ...fields]);
  }

  sendCel(fields: Fields): number {
    return this.sendEvent('call', [['Event', 'CEL'], ['Privilege', 'call,all'], ...fields]);
  }

  /** The next generated call's Cdr fields (one leg, with the LinkedID/Sequence mappings). */
  nextCdr(now = Date.now()): Array<[string, string]> {
    const n = this.counter++;
    const uid = `${Math.floor(now / 1000)}.${n}`;
    const disposition = DISPOSITIONS[n % DISPOSITIONS.length] as string;
    const answered = disposition === 'ANSWERED';
    const talk = answered ? 5 + (n % 55) : 0;
    const ring = 1 + (n % 7);
    const start = now - (ring + talk) * 1000;
    const ext = String(1001 + (n % 20));
    const dst = n % 3 === 0 ? `0207946${String(n % 10000).padStart(4, '0')}` : String(2001 + (n % 30));
    return [
      ['AccountCode', n % 10 === 0 ? 'ACME-42' : ''],
      ['Source', ext],
      ['Destination', dst],
      ['DestinationContext', dst.length > 6 ? 'outbound' : 'phones'],
      ['CallerID', `"User ${ext}" <${ext}>`],
      ['Channel', `PJSIP/${ext}-${n.toString(16).padStart(8, '0')}`],
      ['DestinationChannel', disposition === 'FAILED' ? '' : `PJSIP/${dst.length > 6 ? 'trunk' : dst}-${(n + 1).toString(16).padStart(8, '0')}`],
      ['LastApplication', 'Dial'],
      ['LastData', `PJSIP/${dst},30`],
      ['StartTime', this.wallClock(start)],
      ['AnswerTime', answered ? this.wallClock(start + ring * 1000) : ''],
      ['EndTime', this.wallClock(now)],
      ['Duration', String(ring + talk)],
      ['BillableSeconds', String(talk)],
      ['Disposition', disposition],
      ['AMAFlags', 'DOCUMENTATION'],
      ['UniqueID', uid],
      ['UserField', ''],
      ['LinkedID', uid],
      ['Sequence', String(this.sequence++)],
    ];
  }

  /**
   * The next generated call as a real Asterisk logs a call placed through
   * Local channels (the shape of samples/asterisk, scenario by scenario):
   * - the Dial record of the `;1` half: its Disposition is the outcome of the
   *   destination; on a call that was not answered it still carries an
   *   AnswerTime at the start and the whole duration as BillableSeconds (the
   *   `;1` half was answered when the caller's side picked up);
   * - after a failed dial, an ANSWERED 0 s `Hangup` record of the same `;1`;
   * - the caller's `;2` half: ANSWERED for the whole call (bookkeeping);
   * - the destination's `;2` half: what the phone did.
   * All share the Dial record's LinkedID.
   */
  localCall(now = Date.now()): Array<Array<[string, string]>> {
    const dial = this.nextCdr(now);
    const get = (k: string): string => dial.find(([key]) => key === k)?.[1] ?? '';
    const set = (fields: Array<[string, string]>, changes: Record<string, string>): Array<[string, string]> =>
      fields.map(([k, v]) => [k, k in changes ? changes[k]! : v]);
    const epoch = get('UniqueID').split('.')[0]!;
    const uid = (): string => `${epoch}.${this.counter++}`;
    const disposition = get('Disposition');
    const answered = disposition === 'ANSWERED';
    const ext = get('Source');
    const dst = get('Destination');
    const hex = (): string => (this.localCounter++).toString(16).padStart(8, '0');
    const caller = `Local/${ext}@from-internal-${hex()}`;
    const callee = `Local/${dst}@from-queue-${hex()}`;
    const start = get('StartTime');
    const end = get('EndTime');
    const duration = get('Duration');
    const linked = get('UniqueID');
    const records: Array<Array<[string, string]>> = [];
    records.push(set(dial, {
      Channel: `${caller};1`,
      DestinationChannel: disposition === 'FAILED' ? '' : `${callee};1`,
      LastData: `${callee.replace(/-[0-9a-f]+$/, '')},30`,
      AnswerTime: answered ? get('AnswerTime') : start,
      BillableSeconds: answered ? get('BillableSeconds') : duration,
    }));
    if (!answered) {
      records.push(set(dial, {
        Channel: `${caller};1`, DestinationChannel: '', LastApplication: 'Hangup', LastData: '',
        StartTime: end, AnswerTime: end, EndTime: end, Duration: '0', BillableSeconds: '0', Disposition: 'ANSWERED',
        Sequence: String(this.sequence++),
      }));
    }
    records.push(set(dial, {
      Destination: ext, DestinationContext: 'from-internal', Channel: `${caller};2`, DestinationChannel: '',
      LastApplication: 'Wait', LastData: '120', AnswerTime: start, BillableSeconds: duration, Disposition: 'ANSWERED',
      UniqueID: uid(), Sequence: String(this.sequence++), AccountCode: '',
    }));
    records.push(set(dial, {
      Channel: `${callee};2`, DestinationChannel: '', LastApplication: answered ? 'Hangup' : disposition === 'BUSY' ? 'Busy' : 'Wait',
      LastData: '', UniqueID: uid(), Sequence: String(this.sequence++), AccountCode: '',
    }));
    for (const r of records) r.splice(r.findIndex(([k]) => k === 'LinkedID'), 1, ['LinkedID', linked]);
    // Asterisk sends the destination's record first (samples/asterisk/ORIGIN.md).
    return [records[records.length - 1]!, ...records.slice(0, -1)];
  }

  /** CEL events of the same shape as Asterisk 22's for a generated call. */
  celFor(cdr: ReadonlyArray<readonly [string, string]>, eventName: string): Array<[string, string]> {
    const get = (k: string): string => cdr.find(([key]) => key === k)?.[1] ?? '';
    const caller = get('Source');
    return [
      ['EventName', eventName], ['AccountCode', get('AccountCode')], ['CallerIDnum', caller],
      ['CallerIDname', `User ${caller}`], ['CallerIDani', caller], ['CallerIDrdnis', ''], ['CallerIDdnid', ''],
      ['Exten', get('Destination')], ['Context', get('DestinationContext')], ['Channel', get('Channel')],
      ['Application', eventName === 'CHAN_START' ? '' : 'Dial'], ['AppData', ''],
      ['EventTime', eventName === 'CHAN_START' ? get('StartTime') : get('EndTime')],
      ['AMAFlags', 'DOCUMENTATION'], ['UniqueID', get('UniqueID')], ['LinkedID', get('LinkedID')],
      ['Userfield', ''], ['Peer', ''], ['PeerAccount', ''], ['Extra', ''],
    ];
  }

  /** Sends `count` generated calls now: their Cdr events (one, or a Local-channel call's several) and CEL CHAN_START/LINKEDID_END when `cel`. */
  burst(count: number, options: { cel?: boolean } = {}): void {
    for (let i = 0; i < count; i++) {
      const records = this.localChannels ? this.localCall() : [this.nextCdr()];
      if (options.cel) this.sendCel(this.celFor(records[0]!, 'CHAN_START'));
      for (const cdr of records) this.sendCdr(cdr);
      if (options.cel) this.sendCel(this.celFor(records[records.length - 1]!, 'LINKEDID_END'));
    }
  }

  /** Generated calls at `perSecond` until stopRate() (sent in 10 ms batches so high rates work). */
  startRate(perSecond: number, options: { cel?: boolean } = {}): void {
    this.stopRate();
    if (!(perSecond > 0)) return;
    let due = 0;
    let last = Date.now();
    this.rateTimer = setInterval(() => {
      const now = Date.now();
      due += ((now - last) / 1000) * perSecond;
      last = now;
      const n = Math.floor(due);
      due -= n;
      if (n > 0) this.burst(n, options);
    }, Math.max(10, Math.min(1000, Math.floor(1000 / perSecond))));
  }

  stopRate(): void {
    if (this.rateTimer) clearInterval(this.rateTimer);
    this.rateTimer = null;
  }

  private wallClock(ms: number): string {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: this.timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms));
    const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '00';
    return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
  }
}

/** The classes a session receives: its read classes, narrowed by the Login `Events` header when given. */
export function eventClasses(read: string, events: string | undefined): Set<string> {
  const allowed = new Set(read.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean));
  if (allowed.has('all')) for (const c of ['cdr', 'call', 'system', 'reporting', 'agent', 'user', 'dtmf']) allowed.add(c);
  if (events === undefined) return allowed;
  const e = events.trim().toLowerCase();
  if (e === 'on' || e === 'yes' || e === 'true') return allowed;
  if (e === 'off' || e === 'no' || e === 'false' || e === '') return new Set();
  const want = new Set(e.split(',').map((c) => c.trim()));
  return new Set([...allowed].filter((c) => want.has(c) || want.has('all')));
}

/** A capture without its banner line and login response: the events, byte for byte. */
export function captureEvents(capture: Buffer): Buffer {
  let at = 0;
  if (capture.subarray(0, 22).toString('latin1') === 'Asterisk Call Manager/') at = capture.indexOf('\n') + 1;
  if (capture.subarray(at, at + 9).toString('latin1') === 'Response:') {
    const end = capture.indexOf('\r\n\r\n', at);
    if (end >= 0) at = end + 4;
  }
  return capture.subarray(at);
}

function closed(socket: net.Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((r) => socket.once('close', () => r()));
}
