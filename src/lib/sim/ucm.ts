import * as http from 'node:http';
import * as net from 'node:net';
import { Rng, wallClock } from './random';

/**
 * Simulated Grandstream UCM traffic: realistic legs and call groups (answered,
 * no answer, busy, failed; inbound, outbound, internal; ring groups, parking,
 * recordings), their JSON and XML encodings, and a sender that behaves like a
 * UCM's CDR Real-Time Output: it keeps up to 10,000 records while the receiver
 * is down and sends them in a burst when it is back.
 */

export type UcmLeg = Record<string, string>;
export type UcmGroup = Record<string, string | UcmLeg>;
export type UcmShape = 'leg' | 'group';

const EXTENSIONS = ['1000', '1001', '1002', '1003', '2001', '2002', '203', '204', '6400'];
const TRUNKS = [
  { id: 'trunk_1', name: 'CarrierA' },
  { id: 'trunk_2', name: 'CarrierB' },
];
const NAMES = ['Alice Martin', 'Bob Chen', 'Carla Ruiz', 'Dan Okafor', ''];

const EMPTY_NEW_FIELDS: UcmLeg = {
  nat_call: 'no',
  nat_call_peer: 'no',
  video_call: 'no',
  gdms_unique_code: '',
  gds_call: 'no',
  gsc_call: 'no',
  wave_src_seqid: '',
  wave_dst_seqid: '',
  device_info: '',
  device_info_peer: '',
  recordfiles_desc: '',
};

export interface UcmGeneratorOptions {
  seed?: number;
  /** Start time of the first call (epoch ms). */
  startMs?: number;
  /** First AcctId. */
  firstAcctId?: number;
  /** Live traffic: every call ends at the moment it is made (demo, soak runs). */
  live?: boolean;
}

type Kind = 'inbound' | 'outbound' | 'internal';
type Outcome = 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED';

/** Makes a stream of varied, self-consistent UCM records. */
export class UcmGenerator {
  private readonly rng: Rng;
  private clock: number;
  private acctId: number;
  private uniq = 1000;
  private readonly live: boolean;

  constructor(options: UcmGeneratorOptions = {}) {
    this.live = options.live ?? false;
    this.rng = new Rng(options.seed ?? 42);
    this.clock = options.startMs ?? Date.UTC(2024, 5, 3, 8, 0, 0);
    this.acctId = options.firstAcctId ?? 10_000;
  }

  /** The next record in the given shape: a single leg, or a call group with 1–4 sub legs. */
  next(shape: UcmShape): UcmLeg | UcmGroup {
    return shape === 'leg' ? this.call(1)[0]! : this.group();
  }

  private group(): UcmGroup {
    const legs = this.call(this.rng.int(1, 4));
    const main: UcmLeg = { ...legs[0]!, AcctId: '' };
    main['duration'] = String(legs.reduce((s, l) => s + Number(l['duration']), 0));
    main['billsec'] = String(legs.reduce((s, l) => s + Number(l['billsec']), 0));
    const g: UcmGroup = { cdr: '', main_cdr: main };
    legs.forEach((leg, i) => (g[`sub_cdr_${i + 1}`] = leg));
    return g;
  }

  /** One call's legs, sharing a session. */
  private call(legCount: number): UcmLeg[] {
    const r = this.rng;
    this.clock += r.int(1, 20) * 1000;
    if (this.live) {
      // Start far enough back that the call ends about now.
      this.clock = Date.now() - legCount * 120_000;
    }
    const kind: Kind = r.pick(['inbound', 'outbound', 'internal'] as const);
    const trunk = r.pick(TRUNKS);
    const external = `0${r.pick(['7700', '1632', '2079', '1134'])}${r.digits(6)}`;
    const ext = r.pick(EXTENSIONS);
    const other = r.pick(EXTENSIONS.filter((e) => e !== ext));
    const src = kind === 'inbound' ? external : ext;
    const dst = kind === 'outbound' ? external : kind === 'inbound' ? ext : other;
    const epoch = Math.floor(this.clock / 1000);
    const session = `${epoch}${r.digits(6)}-${src}`;
    const legs: UcmLeg[] = [];
    let start = this.clock;
    for (let i = 0; i < legCount; i++) {
      const last = i === legCount - 1;
      // Only the last leg of a multi-leg call decides; earlier ones were ring-group tries or transfers.
      const outcome: Outcome = last ? r.pick(['ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED'] as const) : 'NO ANSWER';
      const ring = outcome === 'FAILED' ? 0 : r.int(2, 25);
      const talk = outcome === 'ANSWERED' ? r.int(5, 600) : 0;
      const end = start + (ring + talk) * 1000;
      const answered = outcome === 'ANSWERED';
      const callee = legCount > 1 && !last ? r.pick(EXTENSIONS) : dst;
      const recordfile = answered && r.next() < 0.3 ? `${wallClock(start).slice(0, 7)}/auto-${epoch}-${src}-${callee}.wav@` : '';
      const fromChan = kind === 'inbound' ? `PJSIP/${trunk.id}-0000${(this.uniq + 1).toString(16)}` : `PJSIP/${src}-0000${(this.uniq + 1).toString(16)}`;
      const toChan = outcome === 'FAILED' ? '' : kind === 'outbound' ? `PJSIP/${trunk.id}-0000${(this.uniq + 2).toString(16)}` : `PJSIP/${callee}-0000${(this.uniq + 2).toString(16)}`;
      const name = kind === 'inbound' ? '' : r.pick(NAMES);
      legs.push({
        AcctId: String(this.acctId++),
        accountcode: kind === 'outbound' && r.next() < 0.3 ? `ACC${r.digits(3)}` : '',
        src,
        dst: callee,
        dcontext: kind === 'inbound' ? 'from-trunk' : 'from-internal',
        clid: `"${name}" <${src}>`,
        channel: fromChan,
        dstchannel: toChan,
        lastapp: 'Dial',
        lastdata: toChan ? `${toChan.replace(/-[0-9a-f]+$/, '')},60` : '',
        start: wallClock(start),
        answer: answered ? wallClock(start + ring * 1000) : '',
        end: wallClock(end),
        duration: String(ring + talk),
        billsec: String(talk),
        disposition: outcome,
        amaflags: 'DOCUMENTATION',
        uniqueid: `${epoch}.${this.uniq}`,
        userfield: kind === 'inbound' ? 'Inbound' : kind === 'outbound' ? 'Outbound' : 'Internal',
        channel_ext: kind === 'inbound' ? trunk.id : src,
        dstchannel_ext: kind === 'outbound' ? trunk.id : callee,
        service: 's',
        caller_name: name,
        recordfiles: recordfile,
        dstanswer: answered ? callee : '',
        chanext: '',
        dstchanext: '',
        session,
        action_owner: src,
        action_type: legCount > 1 ? 'RINGGROUP[6400]' : 'DIAL',
        src_trunk_name: kind === 'inbound' ? trunk.name : '',
        dst_trunk_name: kind === 'outbound' ? trunk.name : '',
        ...EMPTY_NEW_FIELDS,
      });
      this.uniq += 3;
      start = end;
    }
    this.clock = start;
    if (this.live) shiftLegs(legs, Date.now() - start);
    return legs;
  }
}

const TIME_FIELDS = ['start', 'answer', 'end'] as const;

/** Moves a call's times by `deltaMs` (whole seconds), keeping durations. */
function shiftLegs(legs: UcmLeg[], deltaMs: number): void {
  const delta = Math.round(deltaMs / 1000) * 1000;
  for (const leg of legs) {
    for (const f of TIME_FIELDS) {
      if (leg[f]) leg[f] = wallClock(Date.parse(`${leg[f]!.replace(' ', 'T')}Z`) + delta);
    }
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function elementsOf(record: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(record)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out += `<${k}>${elementsOf(v as Record<string, unknown>)}</${k}>`;
    else if (Array.isArray(v)) for (const item of v) out += `<${k}>${elementsOf(item as Record<string, unknown>)}</${k}>`;
    else out += `<${k}>${escapeXml(String(v ?? ''))}</${k}>`;
  }
  return out;
}

/** A UCM record as one XML document (`<cdr_root><cdr>…</cdr></cdr_root>`). */
export function ucmToXml(record: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><cdr_root><cdr>${elementsOf(record)}</cdr></cdr_root>`;
}

/** A UCM record as one JSON document (`{"cdr_root":[…]}`). */
export function ucmToJson(record: Record<string, unknown>): string {
  return JSON.stringify({ cdr_root: [record] });
}

export type UcmEncoding = 'json' | 'xml';

export function encodeUcm(record: Record<string, unknown>, format: UcmEncoding): string {
  return format === 'xml' ? ucmToXml(record) : ucmToJson(record);
}

export interface UcmSenderOptions {
  transport: 'tcp' | 'http';
  host: string;
  port: number;
  format: UcmEncoding;
  path?: string;
  username?: string;
  password?: string;
  /** Records kept while the receiver is unreachable; the oldest go first when full (a UCM keeps 10,000). */
  bufferLimit?: number;
  /** How long a connect or an HTTP answer may take before the try counts as failed (default 10 s). */
  timeoutMs?: number;
}

export interface UcmSenderStats {
  sent: number;
  buffered: number;
  dropped: number;
  failures: number;
  /** Why the last try failed ('' until one did). */
  lastError: string;
}

/**
 * Sends records like a UCM: one persistent TCP connection (or one POST per
 * record), and a buffer that holds records while the receiver is down and
 * flushes them in order when it is back.
 */
export class UcmSender {
  readonly stats: UcmSenderStats = { sent: 0, buffered: 0, dropped: 0, failures: 0, lastError: '' };
  private readonly queue: string[] = [];
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private flushing = false;
  private readonly limit: number;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private closed = false;

  constructor(private readonly options: UcmSenderOptions) {
    this.limit = options.bufferLimit ?? 10_000;
  }

  /** Queues one record and tries to deliver everything queued. Resolves when the queue was tried. */
  async send(record: Record<string, unknown>): Promise<void> {
    this.queue.push(encodeUcm(record, this.options.format));
    if (this.queue.length > this.limit) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.stats.buffered = this.queue.length;
    await this.flush();
  }

  /** Tries to deliver what is queued; records stay queued while the receiver is down. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.slice(0, 500);
        const ok = this.options.transport === 'tcp' ? await this.writeTcp(batch) : await this.postHttp(batch);
        if (ok === 0) break;
        this.queue.splice(0, ok);
        this.stats.sent += ok;
      }
    } finally {
      this.stats.buffered = this.queue.length;
      this.flushing = false;
    }
  }

  /** Stops: a try in progress fails at once, nothing more is sent. */
  close(): Promise<void> {
    this.closed = true;
    this.agent.destroy();
    const s = this.socket;
    this.socket = null;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      // A receiver that stopped reading would hold the end forever.
      const force = setTimeout(() => s.destroy(), 2000);
      const done = (): void => {
        clearTimeout(force);
        resolve();
      };
      s.end(done);
      s.once('close', done);
    });
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: this.options.host, port: this.options.port });
      s.setNoDelay(true);
      s.setTimeout(this.timeoutMs, () => s.destroy(new Error(`no TCP connection within ${this.timeoutMs / 1000} s`)));
      s.once('connect', () => {
        s.setTimeout(0);
        this.socket = s;
        resolve(s);
      });
      s.once('error', reject);
      s.on('close', () => {
        if (this.socket === s) this.socket = null;
      });
      s.on('data', () => undefined);
    }).finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async writeTcp(batch: string[]): Promise<number> {
    let s: net.Socket;
    try {
      s = await this.connect();
    } catch (err) {
      this.fail((err as Error).message);
      return 0;
    }
    return new Promise<number>((resolve) => {
      const onError = (err: Error): void => {
        this.fail(err.message);
        resolve(0);
      };
      s.once('error', onError);
      s.write(batch.join('\n') + '\n', (err) => {
        s.off('error', onError);
        if (err) {
          this.fail(err.message);
          resolve(0);
        } else resolve(batch.length);
      });
    });
  }

  private async postHttp(batch: string[]): Promise<number> {
    let n = 0;
    for (const body of batch) {
      const failed = await this.postOne(body);
      if (failed !== null) {
        this.fail(failed);
        break;
      }
      n++;
    }
    return n;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  private fail(reason: string): void {
    this.stats.failures++;
    this.stats.lastError = reason;
  }

  /** One POST: null when answered 2xx, else why not. */
  private postOne(body: string): Promise<string | null> {
    if (this.closed) return Promise.resolve('stopped');
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': this.options.format === 'xml' ? 'text/xml' : 'application/json',
      'Content-Length': Buffer.byteLength(body),
    };
    if (this.options.username) {
      headers['Authorization'] = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    }
    return new Promise((resolve) => {
      const req = http.request(
        { host: this.options.host, port: this.options.port, path: this.options.path ?? '/', method: 'POST', headers, agent: this.agent },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 500;
          res.on('end', () => resolve(code < 300 ? null : `the receiver answered HTTP ${code}`));
        },
      );
      // A listener that takes the connection but does not speak HTTP (a TCP
      // receiver) never answers: that try fails instead of waiting forever.
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no HTTP answer within ${this.timeoutMs / 1000} s (does the receiver expect HTTP?)`)));
      req.on('error', (err) => resolve(err.message));
      req.end(body);
    });
  }
}
