import { boundedRaw, ErrorReports } from '../transport/error-reports';
import type { Peer } from '../transport/peer';

/** What a node's error path gets: the text, and the message a catch node sees. */
export type ErrorSink = (text: string, msg?: Record<string, unknown>) => void;

/** One report, built only when it is sent: a folded error costs a count, not a message. */
export interface BuiltReport {
  text: string;
  msg?: Record<string, unknown>;
}
export type ReportBuilder = () => BuiltReport;

export interface ErrorReporter {
  /** One bad record or bad piece from `key` (see {@link peerKey}); `build` runs only if it is reported. */
  report(key: string, build: ReportBuilder): void;
  /** Reports what is folded; later reports are dropped. */
  close(): void;
}

export interface ErrorReporterOptions {
  windowMs?: number;
  /** The text of a summary (a locale sentence); default English. */
  summary?: (first: string, count: number, key: string, seconds: number) => string;
}

const defaultSummary = (first: string, count: number, key: string, seconds: number): string =>
  `${count} more error${count === 1 ? '' : 's'} like this from ${key} in ${seconds} s, the first: ${first}`;

/** A message's raw payload cut to the report bound; the cut is said in the message. */
function bounded(msg: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!msg || typeof msg['payload'] !== 'string') return msg;
  const raw = boundedRaw(msg['payload']);
  return raw.truncated ? { ...msg, payload: raw.text, rawTruncated: true, rawLength: raw.length } : msg;
}

/**
 * Folds a node's error reports per sender and per second (see ErrorReports):
 * at most a few `node.error` calls a second whatever the flood, each with a
 * bounded raw sample, so a catch node that stores them stays small.
 */
export function createErrorReporter(sink: ErrorSink, options: ErrorReporterOptions = {}): ErrorReporter {
  const summary = options.summary ?? defaultSummary;
  const reports = new ErrorReports<ReportBuilder>({
    ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    emit(r) {
      const built = r.sample();
      const msg = bounded(built.msg);
      const text = r.summary ? summary(built.text, r.count, r.key, Math.max(1, Math.round(r.windowMs / 1000))) : built.text;
      sink(text, r.summary && msg ? { ...msg, errorCount: r.count } : msg);
    },
  });
  return {
    report(key, build) {
      reports.add(key, build);
    },
    close() {
      reports.close();
    },
  };
}

/** A connection's key (TCP: each connection on its own), or a sender's (datagrams, files). */
export function peerKey(peer: Peer | null | undefined): string {
  if (!peer) return '-';
  return peer.connection > 0 ? `${peer.address}:${peer.port}` : peer.address;
}
