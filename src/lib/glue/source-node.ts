import { batchSettingsOf } from '../cdr/batch';
import { ACK_PROPERTY } from '../source/ack-registry';
import { BatchOutput } from '../source/batch-output';
import { JournalLockedError } from '../source/journal-lock';
import type { FlowNodeConfig } from '../source/ack-reach';
import type { HeldRecord, StoredRecord } from '../source/delivery';
import { SourceRuntime } from '../source/source-runtime';
import { ackModeOf, checkJournalSettings, type JournalSettingsInput } from './journal-settings';
import type { Checked } from './listener-config';

/** The settings of a source's optional batch output (see batch-output.ts). */
export interface SourceBatchInput {
  batchSize?: unknown;
  batchMs?: unknown;
}

/** What a source node gives the source layer: where it is, and how it sends. */

export interface SourceNodeWiring {
  config: JournalSettingsInput & SourceBatchInput;
  userDir: string | undefined;
  type: string;
  id: string;
  /** For a node inside a subflow instance: its id in the subflow definition. */
  alias?: string | undefined;
  /** RED.nodes.eachNode: the deployed flows, where a cdr-ack reachable from this node is looked for. */
  eachNode: (cb: (n: FlowNodeConfig) => void) => void;
  /** Calls `cb` after every deploy, also one that did not restart this node; gives the unsubscribe. */
  onFlowsStarted?: ((cb: () => void) => () => void) | undefined;
  topic: string;
  /** node.send for one message (on the first output); `records` it carries (a batch: its count). */
  send(msg: Record<string, unknown>, records: number): void;
  warn(text: string): void;
  fail(err: Error): void;
  /** Records were acknowledged downstream: a moment to redraw the status. */
  acknowledged?: () => void;
  /** Nothing is sent before this resolves (see SourceEnv.started). */
  started?: Promise<void>;
  /** Held records found in the journal at start (see DeliveryOptions.restore). */
  restore?: (held: HeldRecord[]) => void;
}

/** The message for a record: the message contract plus the acknowledgement handles. */
export function recordMessage(record: StoredRecord, topic: string, handles: string[], redelivered: boolean): Record<string, unknown> {
  // One object per record (this runs for every one): the message contract's fields, then the extras.
  const msg: Record<string, unknown> = record.extra
    ? { payload: record.payload, topic, source: record.source, ...record.extra }
    : { payload: record.payload, topic, source: record.source };
  if (handles.length > 0) msg[ACK_PROPERTY] = handles;
  if (redelivered) msg['redelivered'] = true;
  return msg;
}

/** What a composition does with the source layer's news. */
export interface SourceHooks {
  /** node.send of one message, and the counts: it carries `records` (a batch: its count). */
  send(msg: Record<string, unknown>, records: number): void;
  /** Records were acknowledged: redraw the status. */
  acknowledged?(): void;
  /** The journal failed (after node.error): show `text` in a red status. */
  failed?(text: string): void;
  /** Held records found in the journal at start: the source takes them back (see DeliveryOptions.restore). */
  restore?(held: HeldRecord[]): void;
}

/** Hooks of a source with one output: each record sent is counted and the status redrawn. */
export function countingHooks(counts: { records: number }, node: Pick<SourceNodeLike, 'send'>, show: () => void, fail: (text: string) => void): SourceHooks {
  return {
    send(msg, records) {
      counts.records += records;
      node.send(msg);
      show();
    },
    acknowledged: show,
    failed: fail,
  };
}

/** The source layer of a source node: its journal settings read, warnings and failures reported on the node. */
export function sourceRuntimeOf(node: SourceNodeLike, env: SourceEnv, type: string, config: JournalSettingsInput & SourceBatchInput, topic: string, hooks: SourceHooks): Checked<SourceRuntime> {
  return sourceRuntimeFor({
    config,
    ...(env.started ? { started: env.started } : {}),
    userDir: env.userDir,
    type,
    id: node.id,
    alias: node._alias,
    eachNode: env.eachNode,
    onFlowsStarted: env.onFlowsStarted,
    topic,
    send: hooks.send,
    warn: (text) => node.warn(text),
    acknowledged: hooks.acknowledged,
    ...(hooks.restore ? { restore: (held: HeldRecord[]) => hooks.restore!(held) } : {}),
    fail(err) {
      // Another node's journal directory: say which setting to change, not only that it failed.
      if (err.cause instanceof JournalLockedError) {
        node.error(env.t('errors.journal-in-use', { dir: err.cause.dir, holder: err.cause.holder }));
        hooks.failed?.(env.t('status.journal-in-use'));
        return;
      }
      node.error(env.t('errors.journal', { reason: err.message }));
      hooks.failed?.(env.t('status.journal-failed'));
    },
  });
}

/** The source layer of one node, from its settings: journal, acknowledgement mode, messages. */
export function sourceRuntimeFor(w: SourceNodeWiring): Checked<SourceRuntime> {
  const checked = checkJournalSettings(w.config, { userDir: w.userDir, type: w.type, id: w.id });
  const batchProblems: string[] = [];
  const batch = batchSettingsOf(w.config, batchProblems);
  const problems = [...(checked.ok ? [] : checked.problems), ...batchProblems.map((detail) => ({ key: 'batch', detail }))];
  if (!checked.ok || problems.length > 0) return { ok: false, problems };
  const ids = w.alias ? [w.id, w.alias] : [w.id];
  const ackMode = ackModeOf(w.eachNode, ids);
  const journaled = checked.value.journal !== null;
  // Optional batch output: one message for up to batchSize records (off by default).
  const output = new BatchOutput({ settings: batch, journaled, ackOnSend: journaled && ackMode === 'sent', send: (msg, records) => w.send(msg, records), onError: (err) => w.warn(err.message) });
  const runtime = new SourceRuntime({
    journal: checked.value.journal ? { ...checked.value.journal, owner: `${w.type} node ${w.id}`, onWarning: (m) => w.warn(m) } : null,
    ackMode,
    ackTimeoutMs: checked.value.ackTimeoutMs,
    ...(w.started ? { startAfter: w.started } : {}),
    emit: (record, handles, redelivered) => output.add(recordMessage(record, w.topic, handles, redelivered)),
    ackAfterEmit: output.batching,
    closing: () => {
      stopWatching?.();
      output.close();
    },
    onWarning: (m) => w.warn(m),
    onAcknowledged: () => w.acknowledged?.(),
    ...(w.restore ? { restore: w.restore } : {}),
    onFailure: (err) => w.fail(err),
  });
  // A deploy of modified nodes only keeps this node running: the cdr-ack after it may have come or gone.
  const stopWatching = w.onFlowsStarted?.(() => {
    const mode = ackModeOf(w.eachNode, ids);
    if (mode === runtime.delivery?.ackMode) return;
    output.setAckOnSend(journaled && mode === 'sent');
    runtime.setAckMode(mode);
    w.acknowledged?.();
  });
  return { ok: true, value: runtime };
}

/**
 * What a source composition needs of its Node-RED node, by shape (no node-red
 * import): a library user or a test can hand in any object like it.
 */
export interface SourceNodeLike {
  readonly id: string;
  /** Node-RED sets it on a node of a subflow instance: the node's id in the subflow definition. */
  readonly _alias?: string;
  credentials?: { username?: string; password?: string };
  send(msg: unknown): void;
  error(text: string, msg?: unknown): void;
  warn(text: string): void;
  log(text: string): void;
  debug(text: string): void;
  status(s: { fill?: string; shape?: string; text?: string }): void;
  on(event: 'close', cb: (removed: boolean, done: () => void) => void): void;
  on(event: 'input', cb: (msg: Record<string, unknown>, send: unknown, done: (err?: Error) => void) => void): void;
}

/** A source node with one listener or file: `listening` resolves once it receives, with the bound port (0 without one); tests, the bench and the demo use it. */
export interface ListeningSourceNode extends SourceNodeLike {
  listening: Promise<number>;
}

/** What a source composition needs of the runtime: messages, the userDir, other nodes. */
export interface SourceEnv {
  /** A message of the node's locale, `key` without the node type. */
  t(key: string, params?: Record<string, string | number>): string;
  userDir: string | undefined;
  getNode(id: string): unknown;
  eachNode(cb: (n: FlowNodeConfig) => void): void;
  /** See SourceNodeWiring.onFlowsStarted (absent: the mode is chosen once, at start). */
  onFlowsStarted?(cb: () => void): () => void;
  /**
   * Resolves once the flows are started. Node-RED creates a flow's nodes one by
   * one with awaits between them: a record sent before the nodes downstream
   * exist is dropped. Absent: at once.
   */
  started?: Promise<void>;
}

/** Longest wait for the flows to start before a source sends anyway. */
export const FLOWS_START_TIMEOUT_MS = 30_000;

/** The SourceEnv of a node type from the runtime API (RED), by shape. */
export function sourceEnv(
  red: {
    _(key: string, params?: Record<string, string | number>): string;
    settings: unknown;
    nodes: { getNode(id: string): unknown; eachNode(cb: (n: object) => void): void };
    events?: { once(event: string, cb: () => void): unknown; on?(event: string, cb: () => void): unknown; removeListener?(event: string, cb: () => void): unknown };
  },
  type: string,
): SourceEnv {
  const started = new Promise<void>((resolve) => {
    if (!red.events) return resolve();
    red.events.once('flows:started', () => resolve());
    setTimeout(resolve, FLOWS_START_TIMEOUT_MS).unref();
  });
  return {
    started,
    t: (key, params) => red._(`${type}.${key}`, params),
    userDir: (red.settings as { userDir?: string }).userDir,
    getNode: (id) => red.nodes.getNode(id),
    eachNode: (cb) => red.nodes.eachNode(cb as (n: object) => void),
    onFlowsStarted: (cb) => {
      const events = red.events;
      if (!events?.on || !events.removeListener) return () => undefined;
      events.on('flows:started', cb);
      return () => void events.removeListener!('flows:started', cb);
    },
  };
}
