import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { Batcher, batchMessage, batchSettingsOf } from './lib/cdr/batch';
import { Deduper } from './lib/cdr/dedupe';
import { MapError } from './lib/cdr/normalize';
import { NormalizePipeline, type Output } from './lib/cdr/pipeline';
import { problemOf } from './lib/cdr/gate';
import { DedupeContext, type ContextLike } from './lib/glue/dedupe-context';
import { outputMessage, rejectedHandles, rejectedMessage, type NormalizeMeta } from './lib/glue/normalize-messages';
import { checkNormalizeSettings, vendorOf, zoneOf, type NormalizeConfigInput } from './lib/glue/normalize-config';
import { formatCount, StatusThrottle } from './lib/glue/status';
import { ackHandlesOf, acknowledge } from './lib/source/ack-registry';
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
    const pipeline = new NormalizePipeline<Meta>(settings, deduper, (meta) => acknowledge(ackHandlesOf(meta.msg)));
    // Batch output (optional): records gathered into one message; flushed on close.
    const batchProblems: string[] = [];
    const batchSettings = batchSettingsOf(config, batchProblems);
    for (const p of batchProblems) node.error(t('errors.setting', { detail: p }));
    const batcher =
      batchSettings.maxRecords > 0
        ? new Batcher<NodeMessage>(batchSettings, (msgs) => node.send(batchMessage(msgs as Array<Record<string, unknown>>) as NodeMessage), (err) =>
            node.error(t('errors.internal', { reason: err.message })),
          )
        : null;
    const deliver = (outputs: Array<Output<Meta>>, send: (m: NodeMessage[][]) => void): void => {
      if (outputs.length === 0) return;
      if (batcher) for (const o of outputs) batcher.add(toMessage(o));
      else send([outputs.map(toMessage)]);
    };
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
    let timer: NodeJS.Timeout | null = null;

    const renderCounts = (): void => {
      const c = pipeline.counts;
      const parts = [`${formatCount(c.in)} in`, `${formatCount(c.out)} out`];
      if (c.duplicates > 0) parts.push(`${formatCount(c.duplicates)} dup`);
      if (settings.output === 'call') parts.push(`${formatCount(pipeline.openCalls)} open`);
      if (errors.count > 0) parts.push(`${formatCount(errors.count)} err`);
      status.set({ fill: 'green', shape: 'dot', text: parts.join(' · ') });
    };

    // Building the status text costs more than handling a record: do it at most
    // every 250 ms, from a timer, however many records arrive.
    let statusTimer: NodeJS.Timeout | null = null;
    const showCounts = (): void => {
      if (statusTimer) return;
      statusTimer = setTimeout(() => {
        statusTimer = null;
        renderCounts();
      }, 250);
      statusTimer.unref();
    };

    const toMessage = (o: Output<Meta>): NodeMessage => outputMessage(o) as NodeMessage;

    // Calls the schema gate refused: to the error path with the vendor records in msg.payload.
    const reportRejected = (): void => {
      for (const r of pipeline.takeRejected()) {
        errors.count++;
        node.error(t('errors.invalid-call', { reason: r.error.message }), rejectedMessage(r));
        // On the error path for good: acknowledged, so the journal does not send it again and again.
        acknowledge(rejectedHandles(r));
      }
    };

    const sendLater = (outputs: Array<Output<Meta>>): void => {
      reportRejected();
      if (outputs.length === 0) return;
      deliver(outputs, (m) => node.send(m));
    };

    // One timer for the next call to complete. A new leg never makes the next
    // completion earlier than the one scheduled, so a running timer is left alone;
    // when it fires it sends what is due and schedules the next. Its callback is
    // guarded: an exception escaping a timer would stop Node-RED.
    const schedule = (): void => {
      if (timer) return;
      const at = pipeline.nextDueAt();
      if (at === null) return;
      timer = setTimeout(() => {
        timer = null;
        try {
          sendLater(pipeline.due(Date.now()));
          showCounts();
        } catch (err) {
          node.error(t('errors.internal', { reason: (err as Error).message }));
        }
        schedule();
      }, Math.max(0, at - Date.now()));
    };

    const handle = (msg: NodeMessageInFlow, send: (m: NodeMessage[] | NodeMessage[][]) => void, done: (err?: Error) => void): void => {
      const vendor = vendorOf(settings.vendor, msg as { source?: unknown; topic?: unknown });
      if (vendor === null) {
        errors.count++;
        node.error(t('errors.no-vendor'), msg);
        // The error path has it (a catch node): sending it again would fail the same way forever.
        acknowledge(ackHandlesOf(msg));
        showCounts();
        done();
        return;
      }
      let outputs: Array<Output<Meta>>;
      try {
        const pbx = (msg as { source?: { pbx?: unknown } }).source?.pbx;
        const redelivered = (msg as { redelivered?: unknown }).redelivered === true;
        const zone = zoneOf(settings, msg as { timeZone?: unknown; source?: unknown });
        if ('error' in zone) throw new MapError(zone.error);
        outputs = pipeline.push(vendor, msg.payload, { msg: msg as unknown as Record<string, unknown> }, Date.now(), { ...(typeof pbx === 'string' ? { pbx } : {}), timeZone: zone.zone, redelivered });
      } catch (err) {
        errors.count++;
        const reason = err instanceof MapError ? err.message : t('errors.internal', { reason: (err as Error).message });
        const problem = problemOf(err);
        if (problem) (msg as NodeMessageInFlow & { cdrProblem?: unknown }).cdrProblem = problem;
        node.error(t('errors.map', { vendor, reason }), msg);
        acknowledge(ackHandlesOf(msg));
        showCounts();
        done();
        return;
      }
      kept?.touch();
      reportRejected();
      deliver(outputs, send);
      if (settings.output === 'call') schedule();
      showCounts();
      done();
    };

    // A source's batch is taken apart into the messages its records would have had one by one.
    const take = eachRecordOf(handle);
    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage[] | NodeMessage[][]) => void, done: (err?: Error) => void) => {
      if (kept) kept.whenReady(() => take(msg, send, done));
      else take(msg, send, done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = null;
      status.stop();
      // Calls still waiting for legs go out as they are: nothing is kept back on a redeploy.
      try {
        sendLater(pipeline.flush());
        batcher?.flush();
      } catch (err) {
        node.error(t('errors.internal', { reason: (err as Error).message }));
      }
      if (kept) kept.close(() => done());
      else done();
    });

    status.now({ fill: 'green', shape: 'dot', text: t('status.ready') });
  }

  RED.nodes.registerType('cdr-normalize', CdrNormalize);
};
