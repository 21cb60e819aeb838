/** The fs-cdr-in source without Node-RED: HTTP, spool or Master.csv, journal, messages, status. */
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { compileTemplate, parseCsvLine, type CompiledTemplate } from '../formats/freeswitch/csv';
import { parseJsonCdr } from '../formats/freeswitch/json';
import { parseXmlCdr } from '../formats/freeswitch/xml';
import { createCheckpointStore } from '../transport/checkpoint';
import { createFileTail, isFileTailCheckpoint, type FileTailCheckpoint } from '../transport/file-tail';
import type { FileSourceError, FileSourceEvent } from '../transport/file-source';
import { createSpoolDir, SpoolRetryLater } from '../transport/spool-dir';
import { countingHooks, sourceRuntimeOf, type ListeningSourceNode, type SourceEnv } from '../glue/source-node';
import type { JournalSettingsInput } from '../glue/journal-settings';
import type { StoredRecord } from './delivery';
import type { SourceRuntime } from './source-runtime';
import { parsePostBody } from '../formats/freeswitch/post-body';
import { FsFormatError } from '../formats/freeswitch/types';
import type { JsonCdrOptions } from '../formats/freeswitch/json';
import { checkListenerSettings } from '../glue/listener-config';
import { cdrHttpReceiver, credentialsAuth, listenAs, listenerTls, sourceStatus } from '../glue/listener-wiring';
import { sourceMessage, type SourceInfo } from '../glue/source-message';
import { StatusThrottle } from '../glue/status';
import { HTTP_DEFAULTS } from '../transport/http-receiver';
import { createErrorReporter } from '../glue/error-reporter';
import type { Peer } from '../transport/peer';

type FsMode = 'http' | 'spool' | 'csv';

/** The node's settings, as the editor saves them. */
export interface FsCdrInDef extends JournalSettingsInput {
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
  // spool
  dir?: string;
  after?: 'move' | 'delete';
  doneDir?: string;
  errorDir?: string;
  // csv
  file?: string;
  template?: string;
  customTemplate?: string;
  startAt?: 'end' | 'beginning';
  checkpoint?: string;
  /** Spool: seconds a file must stay unchanged before it is read. */
  settleSec?: string | number;
  /** Spool and CSV: seconds between checks of the directory or file. */
  pollSec?: string | number;
  topic?: string;
}

/** `listening`: the bound port in HTTP mode, 0 for the spool and Master.csv. */
export type FsCdrInNode = ListeningSourceNode;

/** Runs a fs-cdr-in on `node` (a Node-RED node, or any object shaped like one): everything the node does. */
export function runFsSource(node: FsCdrInNode, config: FsCdrInDef, env: SourceEnv): void {
  const t = env.t;
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
  const listeners: { stop(): void }[] = [];

  let runtime: SourceRuntime | null = null;
  // Called per record: the text is built only when the throttle lets a status out.
  const showCounts = (): void => status.set(() => sourceStatus(label, counts, runtime));
  const fail = (text: string): void => status.now({ fill: 'red', shape: 'ring', text });
  const badSettings = (details: string[]): void => {
    for (const detail of details) node.error(t('errors.setting', { detail }));
    fail(t('status.bad-settings'));
  };
  /** Journals a record and hands it on; resolves once durable (see SourceRuntime.take). */
  const take = (record: unknown, source: SourceInfo): Promise<void> => runtime!.take([{ payload: record, source } satisfies StoredRecord]);
  // A flood of bad records becomes a few folded reports a second (count and sample).
  const reporter = createErrorReporter((text, msg) => node.error(text, msg), { summary: (first, count, from, seconds) => t('errors.more', { first, count, from, seconds }) });
  const reportBad = (reason: string, raw: string, source: SourceInfo, from: string): void => {
    counts.errors++;
    reporter.report(from, () => ({ text: t('errors.bad-record', { from, reason }), msg: sourceMessage(raw, topic, source) as unknown as Record<string, unknown> }));
    showCounts();
  };

  node.on('close', (_removed: boolean, done: () => void) => {
    closed = true;
    for (const l of listeners) l.stop();
    status.stop();
    reporter.close();
    Promise.allSettled(stoppers.map((stop) => stop()))
      .then(() => runtime?.close())
      .then(
        () => done(),
        () => done(),
      );
  });

  const made = sourceRuntimeOf(node, env, 'fs-cdr-in', config, topic, countingHooks(counts, node, showCounts, fail));
  if (made.ok) runtime = made.value;

  /** A duration setting in seconds → ms; blank gives the default; null when invalid. */
  const seconds = (v: string | number | undefined, fallbackMs: number, min: number): number | null => {
    if (v === undefined || String(v).trim() === '') return fallbackMs;
    const n = Number(v);
    return Number.isFinite(n) && n >= min && n <= 3600 ? Math.round(n * 1000) : null;
  };
  const pollMs = seconds(config.pollSec, 1000, 0.01);
  const settleMs = seconds(config.settleSec, 1000, 0);

  if (!made.ok) {
    badSettings(made.problems.map((p) => p.detail));
  } else if (mode !== 'http' && (pollMs === null || settleMs === null)) {
    badSettings([t('errors.seconds')]);
  } else if (mode === 'http') startHttp();
  else if (mode === 'spool') startSpool();
  else startCsv();

  /** File sources report I/O trouble and rejected files here; they keep running. */
  function fileError(err: FileSourceError, format: string, transport: string): void {
    const source: SourceInfo = { vendor: 'freeswitch', format, transport, ...(err.file ? { file: err.file } : {}), receivedAt: new Date().toISOString() };
    if (err.text !== undefined) return reportBad(err.message, err.text, source, err.file ?? '?');
    counts.errors++;
    node.error(t('errors.file', { reason: err.message }));
    if (err.code === 'IO') fail(t('status.file-error', { reason: err.message }));
    else showCounts();
  }
  function fileEvent(ev: FileSourceEvent): void {
    node.debug(ev.message);
    if (ev.kind === 'waiting') status.now({ fill: 'yellow', shape: 'ring', text: `${label} · ${t('status.waiting')}` });
  }

  function startSpool(): void {
    const dir = config.dir?.trim() ?? '';
    if (!dir) return badSettings([t('errors.no-dir')]);
    const after = config.after === 'delete' ? 'delete' : 'move';
    label = `spool ${nodePath.basename(dir)}`;
    const spool = createSpoolDir({
      dir,
      // mod_xml_cdr / mod_json_cdr names: [a_]<uuid>.cdr.xml | .cdr.json
      pattern: '*.cdr.{xml,json}',
      after,
      settleMs: settleMs!,
      pollIntervalMs: pollMs!,
      ...(config.doneDir?.trim() ? { doneDir: config.doneDir.trim() } : {}),
      ...(config.errorDir?.trim() ? { errorDir: config.errorDir.trim() } : {}),
      // A file FreeSWITCH is still writing is not complete until its root closes.
      isComplete: (content, name) => {
        const text = content.toString('utf8').trimEnd();
        return name.endsWith('.json') ? text.endsWith('}') : text.endsWith('</cdr>');
      },
      onFile(file) {
        const format = file.name.endsWith('.json') ? 'json' : 'xml';
        const text = file.content.toString('utf8');
        // A throw sends the file to the error folder; the spool reports it through onError.
        const record = format === 'xml' ? parseXmlCdr(text) : parseJsonCdr(text, jsonOptions);
        // The file is moved or deleted only once the record is durable in the journal.
        return take(record, { vendor: 'freeswitch', format, transport: 'spool', file: file.path, receivedAt: new Date().toISOString() }).catch((err: Error) => {
          showCounts();
          throw new SpoolRetryLater(err.message);
        });
      },
      onError: (err) => fileError(err, err.file?.endsWith('.json') ? 'json' : 'xml', 'spool'),
      onEvent: fileEvent,
    });
    stoppers.push(() => spool.close());
    status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') });
    runtime!.ready.then((d) => (closed || !d ? undefined : spool.start())).then(
      () => {
        if (closed) return;
        node.log(t('log.watching', { what: dir }));
        showCounts();
        resolveListening(0);
      },
      (err: Error) => {
        node.error(t('errors.file', { reason: err.message }));
        fail(t('status.file-error', { reason: err.message }));
      },
    );
  }

  function startCsv(): void {
    const file = config.file?.trim() ?? '';
    if (!file) return badSettings([t('errors.no-file')]);
    let template: CompiledTemplate;
    try {
      template = compileTemplate(config.template === 'custom' ? (config.customTemplate ?? '') : (config.template || 'example'));
    } catch (err) {
      return badSettings([(err as Error).message]);
    }
    label = `csv ${nodePath.basename(file)}`;
    const userDir = env.userDir;
    const checkpointDir = config.checkpoint?.trim() || nodePath.join(userDir ?? os.tmpdir(), 'cdrflow-checkpoints');
    // The position moves on only over lines already durable in the journal.
    const checkpoint = runtime!.guard(createCheckpointStore<FileTailCheckpoint>({ dir: checkpointDir, name: `fs-cdr-in-${node.id}`, validate: isFileTailCheckpoint }));
    const tail = createFileTail({
      path: file,
      checkpoint,
      pollIntervalMs: pollMs!,
      // mod_cdr_csv renames and reopens under its lock: nothing is written to the
      // old file after the rename, so one poll interval of grace is plenty.
      rotationGraceMs: pollMs!,
      startAt: config.startAt === 'beginning' ? 'beginning' : 'end',
      onLine(line, at) {
        if (line.trim() === '') return;
        const source: SourceInfo = { vendor: 'freeswitch', format: 'csv', transport: 'file', file: at.file, receivedAt: new Date().toISOString() };
        let record;
        try {
          record = parseCsvLine(line, template);
        } catch (err) {
          return reportBad((err as Error).message, line, source, `${at.file}@${at.start}`);
        }
        const records = [{ payload: record, source }];
        // A full journal holds the tail here: the file keeps the lines meanwhile.
        return runtime!.takeFromFile(records, (err) => node.error(t('errors.journal', { reason: err.message })));
      },
      onError: (err) => fileError(err, 'csv', 'file'),
      onEvent: fileEvent,
    });
    stoppers.push(() => tail.close());
    status.now({ fill: 'yellow', shape: 'ring', text: t('status.starting') });
    runtime!.ready.then((d) => (closed || !d ? undefined : tail.start())).then(
      () => {
        if (closed) return;
        node.log(t('log.watching', { what: file }));
        if (tail.stats.file !== null) showCounts();
        resolveListening(0);
      },
      (err: Error) => {
        node.error(t('errors.file', { reason: err.message }));
        fail(t('status.file-error', { reason: err.message }));
      },
    );
  }

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
    let tls = null;
    try {
      tls = listenerTls(secure, config.tls, env);
    } catch (err) {
      return badSettings([(err as Error).message]);
    }
    const source = (peer: Peer, format: string): SourceInfo => ({
      vendor: 'freeswitch',
      format,
      transport,
      address: peer.address,
      port: peer.port,
      receivedAt: new Date().toISOString(),
    });
    const server = cdrHttpReceiver({
      node,
      t,
      settings,
      path: config.path,
      auth: credentialsAuth(node),
      tls,
      refusedText: (address) => t('log.refused', { from: address }),
      parse(req) {
        const parsed = parsePostBody(req.body, req.contentType, req.query, jsonOptions);
        return [{ payload: parsed.record, source: source(req.peer, parsed.format) }];
      },
      onBadBody(err, req) {
        const reason = err instanceof FsFormatError ? err.message : String(err);
        reportBad(reason, req.body.toString('utf8'), source(req.peer, 'unknown'), req.peer.address);
      },
      runtime: runtime!,
      onRefusedBody: () => showCounts(),
    });
    stoppers.push(() => server.close());
    listeners.push(
      listenAs(server, {
        node,
        t,
        status,
        transport,
        host: settings.host,
        port: settings.port,
        onListening(port) {
          label = `${transport} :${port}`;
          showCounts();
          resolveListening(port);
        },
      }),
    );
  }
}
