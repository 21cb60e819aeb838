/** The ami-cdr-in source without Node-RED: the records of an ami-server connection, journal, messages, status. */
import type { AmiItem, AmiServerApi, AmiServerUser } from '../glue/ami-users';
import { sourceMessage, type SourceInfo } from '../glue/source-message';
import { formatCount, StatusThrottle, type StatusLike } from '../glue/status';
import type { AmiStatus } from '../transport/ami-client';
import type { JournalSettingsInput } from '../glue/journal-settings';
import { sourceRuntimeOf, type SourceEnv, type SourceNodeLike } from '../glue/source-node';

/** The node's settings, as the editor saves them. */
export interface AmiCdrInDef extends JournalSettingsInput {
  server: string;
  celOutput?: boolean;
  topic?: string;
}

/** `msg.source` for AMI: the contract's fields, plus `pbx` naming the PBX (the ami-server's name, else host:port). */
export type AmiCdrInNode = SourceNodeLike;

interface AmiSourceInfo extends SourceInfo {
  pbx: string;
}

/** Runs a ami-cdr-in on `node` (a Node-RED node, or any object shaped like one): everything the node does. */
export function runAmiSource(node: AmiCdrInNode, config: AmiCdrInDef, env: SourceEnv): void {
  const t = env.t;
  const status = new StatusThrottle((s) => node.status(s));
  const counts = { records: 0, cel: 0, errors: 0 };
  const topic = config.topic?.trim() || 'asterisk';
  const celOutput = config.celOutput === true;
  const server = config.server ? (env.getNode(config.server) as unknown as AmiServerApi | null) : null;

  if (!server || typeof server.register !== 'function') {
    node.error(t('errors.no-server'));
    status.now({ fill: 'red', shape: 'ring', text: t('status.no-server') });
    node.on('close', (_removed: boolean, done: () => void) => done());
    return;
  }
  if (celOutput && server.events !== 'cdr,cel') node.warn(t('log.cel-not-asked'));
  const made = sourceRuntimeOf(node, env, 'ami-cdr-in', config, topic, {
    send(msg, records) {
      counts.records += records;
      node.send(celOutput ? [msg, null] : msg);
      show();
    },
    acknowledged: () => show(),
  });
  if (!made.ok) {
    for (const p of made.problems) node.error(t('errors.setting', { detail: p.detail }));
    status.now({ fill: 'red', shape: 'ring', text: t('status.bad-settings') });
    node.on('close', (_removed: boolean, done: () => void) => done());
    return;
  }
  const runtime = made.value;

  let render: (c: string) => StatusLike = () => ({ fill: 'yellow', shape: 'ring', text: '' });
  let state: AmiStatus['state'] = 'idle';
  const countText = (): string => {
    const parts = [`${formatCount(counts.records)} rec`];
    if (celOutput) parts.push(`${formatCount(counts.cel)} cel`);
    if (counts.errors > 0) parts.push(`${formatCount(counts.errors)} err`);
    parts.push(...runtime.statusParts());
    return parts.join(' · ');
  };
  // Counts change with every record: the text is made at most every 250 ms, not
  // per record (a burst of 10,000 would format 10,000 texts nobody sees).
  // State changes go out at once through connection().
  let showTimer: NodeJS.Timeout | null = null;
  const show = (): void => {
    if (showTimer || state !== 'connected') return;
    showTimer = setTimeout(() => {
      showTimer = null;
      if (state !== 'connected') return;
      const text = countText();
      status.set(runtime.refusing ? { fill: 'red', shape: 'ring', text } : render(text));
    }, 250);
  };

  const source = (receivedAt: string): AmiSourceInfo => ({
    vendor: 'asterisk',
    format: 'ami',
    transport: server.tlsEnabled ? 'ami-tls' : 'ami',
    address: server.host,
    port: server.port,
    receivedAt,
    pbx: server.pbx,
  });

  const user: AmiServerUser = {
    connection(r, s) {
      render = r;
      state = s.state;
      status.now(r(countText()));
    },
    item(item: AmiItem, receivedAt: string) {
      if (item.kind === 'bad') {
        if (item.eventName.toLowerCase() === 'cel' && !celOutput) return;
        counts.errors++;
        const msg = sourceMessage(item.raw, topic, source(receivedAt));
        node.error(t('errors.bad-record', { pbx: server.pbx, reason: item.reason }), msg);
      } else if (item.kind === 'cdr') {
        const record = item.record;
        runtime.take([{ payload: record, source: source(receivedAt) }]).catch((err: Error) => {
          counts.errors++;
          node.error(t('errors.journal', { reason: err.message }), sourceMessage(record, topic, source(receivedAt)));
        });
      } else {
        if (!celOutput) return;
        counts.cel++;
        node.send([null, sourceMessage(item.record, topic, source(receivedAt))]);
      }
      show();
    },
  };
  server.register(user);

  node.on('close', (_removed: boolean, done: () => void) => {
    if (showTimer) clearTimeout(showTimer);
    showTimer = null;
    status.stop();
    server.deregister(user, () => {
      runtime.close().then(
        () => done(),
        () => done(),
      );
    });
  });
}
