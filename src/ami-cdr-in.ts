import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { AmiItem, AmiServerApi, AmiServerUser } from './lib/glue/ami-users';
import { sourceMessage, type SourceInfo } from './lib/glue/source-message';
import { formatCount, StatusThrottle, type StatusLike } from './lib/glue/status';
import type { AmiStatus } from './lib/transport/ami-client';

interface AmiCdrInDef extends NodeDef {
  server: string;
  celOutput?: boolean;
  topic?: string;
}

/** `msg.source` for AMI: the contract's fields, plus `pbx` naming the PBX (the ami-server's name, else host:port). */
interface AmiSourceInfo extends SourceInfo {
  pbx: string;
}

export = function register(RED: NodeAPI): void {
  function AmiCdrIn(this: Node, config: AmiCdrInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`ami-cdr-in.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const counts = { records: 0, cel: 0, errors: 0 };
    const topic = config.topic?.trim() || 'asterisk';
    const celOutput = config.celOutput === true;
    const server = config.server ? (RED.nodes.getNode(config.server) as unknown as AmiServerApi | null) : null;

    if (!server || typeof server.register !== 'function') {
      node.error(t('errors.no-server'));
      status.now({ fill: 'red', shape: 'ring', text: t('status.no-server') });
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }
    if (celOutput && server.events !== 'cdr,cel') node.warn(t('log.cel-not-asked'));

    let render: (c: string) => StatusLike = () => ({ fill: 'yellow', shape: 'ring', text: '' });
    let state: AmiStatus['state'] = 'idle';
    const countText = (): string => {
      const parts = [`${formatCount(counts.records)} rec`];
      if (celOutput) parts.push(`${formatCount(counts.cel)} cel`);
      if (counts.errors > 0) parts.push(`${formatCount(counts.errors)} err`);
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
        if (state === 'connected') status.set(render(countText()));
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
          node.error(t('errors.bad-record', { pbx: server.pbx, reason: item.reason }), msg as unknown as NodeMessageInFlow);
        } else if (item.kind === 'cdr') {
          counts.records++;
          const msg = sourceMessage(item.record, topic, source(receivedAt)) as unknown as NodeMessageInFlow;
          node.send(celOutput ? [msg, null] : msg);
        } else {
          if (!celOutput) return;
          counts.cel++;
          node.send([null, sourceMessage(item.record, topic, source(receivedAt)) as unknown as NodeMessageInFlow]);
        }
        show();
      },
    };
    server.register(user);

    node.on('close', (_removed: boolean, done: () => void) => {
      if (showTimer) clearTimeout(showTimer);
      showTimer = null;
      status.stop();
      server.deregister(user, done);
    });
  }

  RED.nodes.registerType('ami-cdr-in', AmiCdrIn);
};
