/**
 * One line of the gateway "CDR Server" event view → a gateway event.
 *
 * The wire protocol is undocumented; this line is our contract. Fields, in the
 * order of the event view (samples/gateway/events-2004-01-26.tsv):
 *
 *   Time  Call-Ref  #  Event  Dialed  Caller-ID  Info  P-Port
 *
 * separated by a tab (as in the sample), `|` or `,`, optionally preceded by one
 * more field holding the gateway id (`8200` or `Gateway[8200]`). Trailing empty
 * fields may be left off, but the first four (Time to Event) are required.
 */

import { GatewayLineError } from './errors';

export type Separator = 'tab' | 'pipe' | 'comma' | 'auto';

/** An event as the gateway sent it, with the event view's own field names. */
export interface GatewayEvent {
  /** Gateway id from the line's prefix, or null when the line had none. */
  Gateway: string | null;
  /** `YYYY/MM/DD HH:MM:SS`, the gateway's wall clock, as sent. */
  Time: string;
  'Call-Ref': number;
  /** The event view's `#` column: the local port the call is on (given on the call's first event). */
  '#': string;
  /** Upper-cased event name; names we do not know are kept (see assembler). */
  Event: string;
  Dialed: string;
  'Caller-ID': string;
  Info: string;
  'P-Port': string;
}

const SEPARATORS: Record<Exclude<Separator, 'auto'>, string> = { tab: '\t', pipe: '|', comma: ',' };

/** `2004/01/26 23:13:11` (a `-` between the date parts is accepted too). */
const TIME = /^(\d{4})[/-](\d{2})[/-](\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const CALL_REF = /^\d{1,10}$/;
const GATEWAY_ID = /^(?:Gateway\[([^\]\s]{1,32})\]|([A-Za-z0-9._:-]{1,32}))$/;
const DIGITS = /^[0-9*#A-Da-d,+pPwW]*$/;
const PORT = /^\d{0,4}$/;
// C0 controls other than tab, DEL, and the replacement character a decoder leaves for invalid UTF-8.
const GARBAGE = /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/;
const MAX_LINE = 4096;
const FIELDS = 8;

export function separatorChar(separator: Separator, line: string): string {
  if (separator !== 'auto') return SEPARATORS[separator];
  if (line.includes('\t')) return '\t';
  if (line.includes('|')) return '|';
  return ',';
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `text` is a gateway wall-clock time with a real calendar date. */
export function isGatewayTime(text: string): boolean {
  if (text.length !== 19) return false;
  const m = TIME.exec(text);
  if (!m) return false;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  if (mo < 1 || mo > 12 || d < 1 || +m[4]! > 23 || +m[5]! > 59 || +m[6]! > 59) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!);
}

/** `2004-01-26 23:13:11` → `2004/01/26 23:13:11`: one spelling for every record. */
function canonicalTime(text: string): string {
  return text.charCodeAt(4) === 0x2d ? `${text.slice(0, 4)}/${text.slice(5, 7)}/${text.slice(8)}` : text;
}

/** The header row of the event view (`Time  Call-Ref  #  Event …`). */
export function isEventHeader(fields: readonly string[]): boolean {
  return fields.length >= 4 && fields[0] === 'Time' && fields[1] === 'Call-Ref';
}

export interface EventLineOptions {
  separator?: Separator;
}

/**
 * Parse one event line (without its line ending). Returns null for a blank line
 * or the header row; throws {@link GatewayLineError} for anything else that is
 * not a well-formed event.
 */
export function parseEventLine(line: string, options: EventLineOptions = {}): GatewayEvent | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return null;
  if (text.length > MAX_LINE) throw new GatewayLineError('too-long', `event line of ${text.length} characters (limit ${MAX_LINE})`, line);
  if (GARBAGE.test(text)) throw new GatewayLineError('garbage', 'event line holds control or undecodable characters', line);

  let fields = text.split(separatorChar(options.separator ?? 'tab', text)).map((f) => f.trim());
  if (fields[0] === 'Time' || fields[1] === 'Time') {
    if (isEventHeader(fields) || isEventHeader(fields.slice(1))) return null;
  }

  let gateway: string | null = null;
  let timeOk = isGatewayTime(fields[0]!);
  if (!timeOk && fields.length > 1 && TIME.test(fields[1]!)) {
    const m = GATEWAY_ID.exec(fields[0]!);
    if (!m) throw new GatewayLineError('bad-gateway', `gateway id "${fields[0]}" is not a gateway id`, line, 'Gateway');
    gateway = m[1] ?? m[2] ?? null;
    fields = fields.slice(1);
    timeOk = isGatewayTime(fields[0]!);
  }

  if (fields.length > FIELDS) {
    throw new GatewayLineError('too-many-fields', `event line has ${fields.length} fields, at most ${FIELDS} expected (wrong separator?)`, line);
  }
  const [time = '', callRef = '', port = '', event = '', dialed = '', callerId = '', info = '', pPort = ''] = fields;
  if (fields.length === 1 && isGatewayTime(time.slice(0, 19))) {
    throw new GatewayLineError('truncated', `no "${separatorChar(options.separator ?? 'tab', text).replace('\t', '\\t')}" after the time (line cut short, or the wrong separator setting)`, line);
  }
  if (!timeOk) {
    if (fields.length === 1 || !TIME.test(time)) {
      throw new GatewayLineError(fields.length === 1 ? 'garbage' : 'bad-time', `"${time.slice(0, 40)}" is not a time like 2004/01/26 23:13:11`, line, 'Time');
    }
    throw new GatewayLineError('bad-time', `"${time}" is not a calendar time`, line, 'Time');
  }
  if (fields.length < 4) {
    throw new GatewayLineError('truncated', `event line ends after ${fields.length} of the fields Time, Call-Ref, #, Event`, line);
  }
  if (!CALL_REF.test(callRef)) throw new GatewayLineError('bad-call-ref', `Call-Ref "${callRef}" is not a number`, line, 'Call-Ref');
  if (!PORT.test(port)) throw new GatewayLineError('bad-port', `"#" "${port}" is not a port number`, line, '#');
  if (!PORT.test(pPort)) throw new GatewayLineError('bad-port', `P-Port "${pPort}" is not a port number`, line, 'P-Port');
  if (!EVENT_NAME.test(event)) throw new GatewayLineError('bad-event', `"${event.slice(0, 40)}" is not an event name`, line, 'Event');
  if (!DIGITS.test(dialed)) throw new GatewayLineError('bad-dialed', `Dialed "${dialed.slice(0, 40)}" is not a digit string`, line, 'Dialed');
  const name = event.toUpperCase();
  // A DIAL without digits is a line cut short: the digits are what the event is for.
  if (name === 'DIAL' && dialed === '') throw new GatewayLineError('truncated', 'DIAL event without its digits', line, 'Dialed');

  return {
    Gateway: gateway,
    Time: canonicalTime(time),
    'Call-Ref': Number(callRef),
    '#': port,
    Event: name,
    Dialed: dialed,
    'Caller-ID': callerId,
    Info: info,
    'P-Port': pPort,
  };
}

/** Format an event as a line (the simulator's and the tests' inverse of {@link parseEventLine}). */
export function formatEventLine(e: Omit<GatewayEvent, 'Gateway'> & { Gateway?: string | null }, separator: Exclude<Separator, 'auto'> = 'tab'): string {
  const sep = SEPARATORS[separator];
  const fields = [e.Time, String(e['Call-Ref']), e['#'], e.Event, e.Dialed, e['Caller-ID'], e.Info, e['P-Port']];
  if (e.Gateway !== undefined && e.Gateway !== null && e.Gateway !== '') fields.unshift(e.Gateway);
  return fields.join(sep);
}
