import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { checkAlertSettings, type AlertConfigInput } from './lib/glue/alert-config';
import { loadState, saveState, type ContextLike } from './lib/glue/context-state';
import { pbxOf } from './lib/glue/stats-keys';
import { formatCount, StatusThrottle } from './lib/glue/status';
import type { AlertMessage } from './lib/stats/alert-book';
import { Alerter } from './lib/stats/alerter';
import type { Report } from './lib/stats/engine';
import { toStatsRecord } from './lib/stats/record';

type CdrAlertDef = NodeDef & AlertConfigInput;
type Send = (m: Array<NodeMessage[] | null>) => void;

const STATE_KEY = 'cdr-alert';

/** A cdr-stats report (its payload), not a record. */
function isReport(p: unknown): p is Report {
  const r = p as Partial<Report> | null;
  return !!r && typeof r === 'object' && typeof r.key === 'string' && typeof r.attempts === 'number' && typeof r.window === 'object' && r.window !== null;
}

export = function register(RED: NodeAPI): void {
  function CdrAlert(this: Node, config: CdrAlertDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`cdr-alert.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const checked = checkAlertSettings(config);
    if (!checked.ok) {
      for (const p of checked.problems) node.error(t('errors.setting', { detail: p.detail }));
      status.now({ fill: 'red', shape: 'ring', text: t('status.bad-settings') });
      node.on('input', (msg: NodeMessageInFlow, _s: unknown, done: () => void) => (node.error(t('errors.not-configured'), msg), done()));
      return;
    }
    const settings = checked.value;
    const alerter = new Alerter(settings.recordRules, settings.reportRules, settings.book);
    const ctx = node.context() as unknown as ContextLike;
    let errors = 0;

    const showStatus = (): void => {
      const active = alerter.book.list();
      const counts = `${formatCount(alerter.records)} rec · ${formatCount(alerter.reports)} reports${errors ? ` · ${formatCount(errors)} err` : ''}`;
      if (active.length === 0) status.set({ fill: 'green', shape: 'dot', text: t('status.none', { counts }) });
      else status.set({ fill: 'yellow', shape: 'dot', text: t('status.active', { count: active.length, last: `${active[active.length - 1]!.rule} ${active[active.length - 1]!.key}`, counts }) });
    };
    const save = (): Promise<void> => saveState(ctx, STATE_KEY, settings.contextStore, alerter.snapshot()).catch((err: Error) => node.warn(t('errors.context', { reason: err.message })));
    const emit = (alerts: AlertMessage[], send: Send): void => {
      if (alerts.length === 0) return;
      const up = alerts.filter((a) => a.state === 'raised').map((a) => ({ topic: a.rule, payload: a }));
      const down = alerts.filter((a) => a.state === 'cleared').map((a) => ({ topic: a.rule, payload: a }));
      send([up.length ? up : null, down.length ? down : null]);
      void save();
    };

    const handle = (msg: NodeMessageInFlow, send: Send): void => {
      if (msg.topic === 'reset') {
        alerter.book.clearAll();
        void save();
        return;
      }
      const now = Date.now();
      if (isReport(msg.payload)) return emit(alerter.onReport(msg.payload, now), send);
      const batch = Array.isArray(msg.payload) ? (msg.payload as unknown[]) : [msg.payload];
      const ctxOf = { pbx: pbxOf(msg as { source?: unknown }) };
      const out: AlertMessage[] = [];
      for (const p of batch) {
        if (isReport(p)) {
          out.push(...alerter.onReport(p, now));
          continue;
        }
        const r = toStatsRecord(p);
        if (typeof r === 'string') {
          errors++;
          node.error(t('errors.not-cdr', { reason: r }), msg);
        } else out.push(...alerter.onRecord(r, ctxOf, now));
      }
      emit(out, send);
    };

    let ready = false;
    const loaded = loadState(ctx, STATE_KEY, settings.contextStore)
      .then((s) => s !== undefined && alerter.restore(s))
      .catch((err: Error) => node.warn(t('errors.context', { reason: err.message })))
      .then(() => void ((ready = true), showStatus()));

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void) => {
      const run = (): void => {
        handle(msg, send);
        showStatus();
        done();
      };
      if (ready) run();
      else void loaded.then(run);
    });
    const tick = setInterval(() => {
      if (!ready) return;
      emit(alerter.tick(Date.now()), (m) => node.send(m as never));
      showStatus();
    }, settings.tickMs);
    tick.unref();
    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(tick);
      status.stop();
      void save().then(() => done());
    });
  }

  RED.nodes.registerType('cdr-alert', CdrAlert);
};
