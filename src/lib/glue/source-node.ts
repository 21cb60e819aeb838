import { ACK_PROPERTY } from '../source/ack-registry';
import type { StoredRecord } from '../source/delivery';
import { SourceRuntime } from '../source/source-runtime';
import { ackModeOf, checkJournalSettings, type JournalSettingsInput } from './journal-settings';
import type { Checked } from './listener-config';
import { sourceMessage } from './source-message';

/** What a source node gives the source layer: where it is, and how it sends. */
export interface SourceNodeWiring {
  config: JournalSettingsInput;
  userDir: string | undefined;
  type: string;
  id: string;
  /** RED.nodes.eachNode: finds a cdr-ack in the deployed flows. */
  eachNode: (cb: (n: { type?: string; d?: boolean }) => void) => void;
  topic: string;
  /** node.send for one message (on the first output). */
  send(msg: Record<string, unknown>): void;
  warn(text: string): void;
  fail(err: Error): void;
  /** Records were acknowledged downstream: a moment to redraw the status. */
  acknowledged?(): void;
}

/** The message for a record: the message contract plus the acknowledgement handles. */
export function recordMessage(record: StoredRecord, topic: string, handles: string[], redelivered: boolean): Record<string, unknown> {
  const msg: Record<string, unknown> = { ...sourceMessage(record.payload, topic, record.source), ...record.extra };
  if (handles.length > 0) msg[ACK_PROPERTY] = handles;
  if (redelivered) msg['redelivered'] = true;
  return msg;
}

/** The source layer of one node, from its settings: journal, acknowledgement mode, messages. */
export function sourceRuntimeFor(w: SourceNodeWiring): Checked<SourceRuntime> {
  const checked = checkJournalSettings(w.config, { userDir: w.userDir, type: w.type, id: w.id });
  if (!checked.ok) return checked;
  const runtime = new SourceRuntime({
    journal: checked.value.journal ? { ...checked.value.journal, onWarning: (m) => w.warn(m) } : null,
    ackMode: ackModeOf(w.eachNode),
    ackTimeoutMs: checked.value.ackTimeoutMs,
    emit: (record, handles, redelivered) => w.send(recordMessage(record, w.topic, handles, redelivered)),
    onWarning: (m) => w.warn(m),
    onAcknowledged: () => w.acknowledged?.(),
    onFailure: (err) => w.fail(err),
  });
  return { ok: true, value: runtime };
}
