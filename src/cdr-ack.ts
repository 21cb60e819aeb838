import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ackHandlesOfBatch, acknowledge } from './lib/source/ack-registry';
import { formatCount, StatusThrottle } from './lib/glue/status';

/**
 * Placed after the user's sink: every record behind a message that reaches it
 * (msg.cdrAck, or the elements of a batch in msg.payload) is marked delivered,
 * and its source's journal lets it go. The message goes on unchanged.
 */
export = function register(RED: NodeAPI): void {
  function CdrAck(this: Node, config: NodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`cdr-ack.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const counts = { acked: 0, stale: 0, without: 0 };

    const show = (): void => {
      const parts = [t('status.acked', { n: formatCount(counts.acked) })];
      if (counts.stale > 0) parts.push(t('status.stale', { n: formatCount(counts.stale) }));
      if (counts.without > 0) parts.push(t('status.without', { n: formatCount(counts.without) }));
      status.set({ fill: 'green', shape: 'dot', text: parts.join(' · ') });
    };

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const handles = ackHandlesOfBatch(msg);
      if (handles.length === 0) counts.without++;
      const reached = acknowledge(handles);
      counts.acked += reached;
      // Handles of a source redeployed since: its new instance replays those records from the journal.
      counts.stale += handles.length - reached;
      show();
      send(msg);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      done();
    });
    status.now({ fill: 'green', shape: 'dot', text: t('status.ready') });
  }

  RED.nodes.registerType('cdr-ack', CdrAck);
};
