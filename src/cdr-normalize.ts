import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { batchMessage, batchSettingsOf } from './lib/cdr/batch';
import { Deduper } from './lib/cdr/dedupe';
import { MapError } from './lib/cdr/normalize';
import { NormalizePipeline, type Output } from './lib/cdr/pipeline';
import { problemOf } from './lib/cdr/gate';
import { CallTimer } from './lib/glue/call-timer';
import { DedupeContext, type ContextLike } from './lib/glue/dedupe-context';
import { droppedHandles, outputMessage, rejectedHandles, rejectedMessage, type NormalizeMeta } from './lib/glue/normalize-messages';
import { checkNormalizeSettings, vendorOf, zoneOf, type NormalizeConfigInput } from './lib/glue/normalize-config';
import { DeferredRender, normalizeCountsText } from './lib/glue/normalize-status';
import { OutputDelivery } from './lib/glue/output-delivery';
import { StatusThrottle } from './lib/glue/status';
import { ackHandlesOf, acknowledge } from './lib/source/ack-registry';
import { settleRefused } from './lib/glue/refused';
import { eachRecordOf } from './lib/source/batch-output';

interface CdrNormalizeDef extends NodeDef, NormalizeConfigInput {
  batchSize?: unknown;
  batchMs?: unknown;
}

type Meta = NormalizeMeta;

export = function register(RED: NodeAPI): void {
  function CdrNormalize(this: Node, config: CdrNormalizeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`cdr-normalize.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const internal = (err: Error): void => node.error(t('errors.internal', { reason: err.message }));

    const checked = checkNormalizeSettings(config);
    if (!checked.ok) {
      for (const p of checked.problems) node.error(t('errors.setting', { detail: p.detail }));
      status.now({ fill: 'red', shape: 'ring', text: t('status.bad-settings') });
      // Records still arrive: report each one instead of losing it silently.
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        node.error(t('errors.not-configured'), msg);
        done();
      });
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }
    const settings = checked.value;
    const errors = { count: 0 };
    const deduper = settings.dedupe === 'off' ? null : new Deduper({ maxEntries: settings.dedupeCount, maxAgeMs: settings.dedupeAgeMs });
    // A repeat dropped here never reaches cdr-ack: acknowledge it now (its first copy carries the delivery).
    const pipeline = new NormalizePipeline<Meta>(settings, deduper, (meta, part) => acknowledge(droppedHandles(meta, part)));
    // Batch output (optional): records gathered into one message; flushed on close.
    const batchProblems: string[] = [];
    const batchSettings = batchSettingsOf(config, batchProblems);
    for (const p of batchProblems) node.error(t('errors.setting', { detail: p }));
    const toMessage = (o: Output<Meta>): NodeMessage => outputMessage(o, settings.output === 'leg') as NodeMessage;
    const delivery = new OutputDelivery<Meta, NodeMessage>(batchSettings, toMessage, (msgs) => node.send(batchMessage(msgs as Array<Record<string, unknown>>) as NodeMessage), internal, (m) => RED.util.cloneMessage(m));
    // The duplicate window kept in node context, when asked: read before the first record is handled.
    const kept =
      deduper && settings.dedupeContext
        ? new DedupeContext(deduper, {
            context: node.context() as unknown as ContextLike,
            store: settings.contextStore === '' ? undefined : settings.contextStore,
            maxEntries: settings.dedupeCount,
            maxAgeMs: settings.dedupeAgeMs,
            warn: (reason) => node.warn(t('errors.context', { reason })),
          })
        : null;
    const counts = new DeferredRender(() =>
      status.set({ fill: 'green', shape: 'dot', text: normalizeCountsText(pipeline.counts, settings.output === 'call' ? pipeline.openCalls : null, errors.count) }),
    );
    const showCounts = (): void => counts.request();

    // Calls the schema gate refused: to the error path with the vendor records in msg.payload.
    const reportRejected = (): void => {
      for (const r of pipeline.takeRejected()) {
        errors.count++;
        node.error(t('errors.invalid-call', { reason: r.error.message }), rejectedMessage(r));
        // On the error path: acknowledged (unless a cdr-ack after the error path is to), so it is not sent again and again.
        settleRefused(settings.refused, rejectedHandles(r));
      }
    };

    const sendLater = (outputs: Array<Output<Meta>>): void => {
      reportRejected();
      if (outputs.length === 0) return;
      delivery.deliver(outputs, (m) => node.send(m));
    };

    // Calls complete when their last leg is due: sent from one timer (lib/glue/call-timer).
    const calls = new CallTimer(() => pipeline.nextDueAt(), (now) => { sendLater(pipeline.due(now)); showCounts(); }, internal);

    // A record refused here: on the error path, and settled (a catch node has it; sent again it would fail the same way).
    const refuse = (msg: NodeMessageInFlow, text: string, done: () => void): void => {
      errors.count++;
      node.error(text, msg);
      settleRefused(settings.refused, ackHandlesOf(msg));
      showCounts();
      done();
    };

    const handle = (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void): void => {
      const vendor = vendorOf(settings.vendor, msg as { source?: unknown; topic?: unknown });
      if (vendor === null) return refuse(msg, t('errors.no-vendor'), done);
      let outputs: Array<Output<Meta>>;
      try {
        const pbx = (msg as { source?: { pbx?: unknown } }).source?.pbx;
        const redelivered = (msg as { redelivered?: unknown }).redelivered === true;
        const zone = zoneOf(settings, msg as { timeZone?: unknown; source?: unknown });
        if ('error' in zone) throw new MapError(zone.error);
        outputs = pipeline.push(vendor, msg.payload, { msg: msg as unknown as Record<string, unknown> }, Date.now(), { pbx: typeof pbx === 'string' ? pbx : undefined, timeZone: zone.zone, redelivered });
      } catch (err) {
        const reason = err instanceof MapError ? err.message : t('errors.internal', { reason: (err as Error).message });
        const problem = problemOf(err);
        if (problem) (msg as NodeMessageInFlow & { cdrProblem?: unknown }).cdrProblem = problem;
        return refuse(msg, t('errors.map', { vendor, reason }), done);
      }
      kept?.touch();
      reportRejected();
      delivery.deliver(outputs, send);
      if (settings.output === 'call') calls.schedule();
      showCounts();
      done();
    };

    // A source's batch is taken apart into the messages its records would have had one by one.
    const take = eachRecordOf(handle);
    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      if (kept) kept.whenReady(() => take(msg, send, done));
      else take(msg, send, done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      calls.stop();
      counts.stop();
      status.stop();
      // Calls still waiting for legs go out as they are: nothing is kept back on a redeploy.
      try {
        sendLater(pipeline.flush());
        delivery.flush();
      } catch (err) {
        internal(err as Error);
      }
      if (kept) kept.close(() => done());
      else done();
    });

    status.now({ fill: 'green', shape: 'dot', text: t('status.ready') });
  }

  RED.nodes.registerType('cdr-normalize', CdrNormalize);
};
