import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { Deduper } from './lib/cdr/dedupe';
import { MapError } from './lib/cdr/normalize';
import { NormalizePipeline, type Output } from './lib/cdr/pipeline';
import { checkNormalizeSettings, vendorOf, zoneOf, type NormalizeConfigInput } from './lib/glue/normalize-config';
import { formatCount, StatusThrottle } from './lib/glue/status';

interface CdrNormalizeDef extends NodeDef, NormalizeConfigInput {}

/** What travels with a record to its output message. */
interface Meta {
  msg: NodeMessageInFlow;
}

const CONTEXT_KEY = 'cdrflow-dedupe';
const SAVE_EVERY_MS = 5000;

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
    const pipeline = new NormalizePipeline<Meta>(settings, deduper);
    const store = settings.contextStore === '' ? undefined : settings.contextStore;
    let timer: NodeJS.Timeout | null = null;
    let saveTimer: NodeJS.Timeout | null = null;
    let dirty = false;

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

    const toMessage = (o: Output<Meta>): NodeMessage => {
      const base = o.meta ? o.meta.msg : ({} as NodeMessageInFlow);
      // Every output keeps the input's properties (topic, source, _msgid, …), like a split node.
      const m: NodeMessage & Record<string, unknown> = { ...base, payload: o.payload };
      if (o.grouped) m['vendorRecords'] = o.vendorRecords;
      else m['vendorRecord'] = o.vendorRecords[0];
      if (o.duplicate) m['duplicate'] = true;
      return m;
    };

    const sendLater = (outputs: Array<Output<Meta>>): void => {
      if (outputs.length === 0) return;
      node.send([outputs.map(toMessage)]);
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

    const saveWindow = (cb?: () => void): void => {
      if (!deduper || !settings.dedupeContext || !dirty) {
        cb?.();
        return;
      }
      dirty = false;
      node.context().set(CONTEXT_KEY, deduper.toJSON(), store, (err?: Error) => {
        if (err) node.warn(t('errors.context', { reason: err.message }));
        cb?.();
      });
    };

    // The window kept in context is read before the first record is handled.
    let ready = !(deduper && settings.dedupeContext);
    const waiting: Array<() => void> = [];
    if (!ready && deduper) {
      node.context().get(CONTEXT_KEY, store, (err: Error | undefined, value: unknown) => {
        if (err) node.warn(t('errors.context', { reason: err.message }));
        else if (value !== undefined) {
          const restored = Deduper.fromJSON(value, { maxEntries: settings.dedupeCount, maxAgeMs: settings.dedupeAgeMs });
          for (const [id, at] of restored.toJSON().entries) deduper.check(id, at);
        }
        ready = true;
        for (const run of waiting.splice(0)) run();
      });
      saveTimer = setInterval(() => saveWindow(), SAVE_EVERY_MS);
      saveTimer.unref();
    }

    const handle = (msg: NodeMessageInFlow, send: (m: NodeMessage[] | NodeMessage[][]) => void, done: (err?: Error) => void): void => {
      const vendor = vendorOf(settings.vendor, msg as { source?: unknown; topic?: unknown });
      if (vendor === null) {
        errors.count++;
        node.error(t('errors.no-vendor'), msg);
        showCounts();
        done();
        return;
      }
      let outputs: Array<Output<Meta>>;
      try {
        const pbx = (msg as { source?: { pbx?: unknown } }).source?.pbx;
        const zone = zoneOf(settings, msg as { timeZone?: unknown; source?: unknown });
        if ('error' in zone) throw new MapError(zone.error);
        outputs = pipeline.push(vendor, msg.payload, { msg }, Date.now(), { ...(typeof pbx === 'string' ? { pbx } : {}), timeZone: zone.zone });
      } catch (err) {
        errors.count++;
        const reason = err instanceof MapError ? err.message : t('errors.internal', { reason: (err as Error).message });
        node.error(t('errors.map', { vendor, reason }), msg);
        showCounts();
        done();
        return;
      }
      dirty = dirty || deduper !== null;
      if (outputs.length > 0) send([outputs.map(toMessage)]);
      if (settings.output === 'call') schedule();
      showCounts();
      done();
    };

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage[] | NodeMessage[][]) => void, done: (err?: Error) => void) => {
      if (ready) handle(msg, send, done);
      else waiting.push(() => handle(msg, send, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      if (saveTimer) clearInterval(saveTimer);
      timer = null;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = null;
      status.stop();
      // Calls still waiting for legs go out as they are: nothing is kept back on a redeploy.
      try {
        sendLater(pipeline.flush());
      } catch (err) {
        node.error(t('errors.internal', { reason: (err as Error).message }));
      }
      saveWindow(() => done());
    });

    status.now({ fill: 'green', shape: 'dot', text: t('status.ready') });
  }

  RED.nodes.registerType('cdr-normalize', CdrNormalize);
};
