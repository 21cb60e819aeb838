import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { loadState, saveState, type ContextLike } from './lib/glue/context-state';
import { checkStatsSettings, type StatsConfigInput } from './lib/glue/stats-config';
import { StatsInput } from './lib/glue/stats-input';
import { formatCount, StatusThrottle } from './lib/glue/status';
import { StatsEngine } from './lib/stats/engine';

interface CdrStatsDef extends NodeDef, StatsConfigInput {}
type Expr = { evaluate(msg: unknown): unknown };

const STATE_KEY = 'cdr-stats';

export = function register(RED: NodeAPI): void {
  function CdrStats(this: Node, config: CdrStatsDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`cdr-stats.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const checked = checkStatsSettings(config);
    if (!checked.ok) {
      for (const p of checked.problems) node.error(t('errors.setting', { detail: p.detail }));
      status.now({ fill: 'red', shape: 'ring', text: t('status.bad-settings') });
      node.on('input', (msg: NodeMessageInFlow, _s: unknown, done: () => void) => (node.error(t('errors.not-configured'), msg), done()));
      return;
    }
    const settings = checked.value;
    const engine = new StatsEngine(settings.engine);
    const ctx = node.context() as unknown as ContextLike;
    let errors = 0;
    // A msg property that is not there (msg.source.pbx without msg.source) is a missing key, not an error.
    const property = (msg: object, path: string): unknown => {
      try {
        return RED.util.getMessageProperty(msg as NodeMessageInFlow, path);
      } catch {
        return undefined;
      }
    };
    const input = new StatsInput(settings, engine, property);
    const exprs = input.jsonata.map((k) => ({ index: k.index, e: RED.util.prepareJSONataExpression(k.expr, node) as unknown as Expr }));
    const hasJsonata = exprs.length > 0;

    // Building the status text costs more than counting a record: at most every 250 ms.
    let statusTimer: NodeJS.Timeout | null = null;
    const showCounts = (): void => {
      if (statusTimer) return;
      statusTimer = setTimeout(renderCounts, 250);
      statusTimer.unref();
    };
    const renderCounts = (): void => {
      statusTimer = null;
      const c = engine.counts;
      const parts = [`${formatCount(engine.keyCount)} keys`, `${formatCount(c.records)} rec`];
      if (c.evicted > 0) parts.push(`${formatCount(c.evicted)} evicted`);
      if (c.tooLate > 0) parts.push(`${formatCount(c.tooLate)} too late`);
      if (errors > 0) parts.push(`${formatCount(errors)} err`);
      status.set({ fill: 'green', shape: 'dot', text: parts.join(' · ') });
    };
    const save = (): Promise<void> => saveState(ctx, STATE_KEY, settings.contextStore, engine.snapshot()).catch((err: Error) => node.warn(t('errors.context', { reason: err.message })));

    const report = (send: (m: NodeMessage[][]) => void): void => {
      const rows = engine.report(Date.now());
      if (rows.length > 0) send([rows.map((r) => ({ topic: `${r.key}:${r.value}`, window: r.window.name, payload: r }))]);
      void save();
      showCounts();
    };

    // Sync unless a JSONata key must be evaluated: a promise per record would halve the rate.
    const count = (msg: NodeMessageInFlow, payload: unknown): Promise<void> | void => {
      const r = input.read(payload);
      if (typeof r === 'string') {
        errors++;
        node.error(t('errors.not-cdr', { reason: r }), msg);
        return;
      }
      if (!hasJsonata) return input.add(r, msg, Date.now());
      const probe = { ...msg, payload };
      const values: unknown[] = [];
      return Promise.all(exprs.map(async (x) => (values[x.index] = await evaluate(x.e, probe)))).then(() => input.add(r, msg, Date.now(), values));
    };
    const evaluate = (e: Expr, msg: unknown): Promise<unknown> =>
      new Promise((resolve) => RED.util.evaluateJSONataExpression(e as never, msg as never, (err: Error | null, v: unknown) => resolve(err ? undefined : v)));

    let ready = false;
    const loaded = loadState(ctx, STATE_KEY, settings.contextStore)
      .then((s) => s !== undefined && engine.restore(s))
      .catch((err: Error) => node.warn(t('errors.context', { reason: err.message })))
      .then(() => void (ready = true));

    const handle = async (msg: NodeMessageInFlow, send: (m: NodeMessage[][]) => void): Promise<void> => {
      if (msg.topic === 'report') return report(send);
      if (msg.topic === 'reset') {
        engine.reset();
        errors = 0;
        return void save().then(showCounts);
      }
      // A batch (an array of Cdrs) counts each of them.
      const batch = Array.isArray(msg.payload) ? (msg.payload as unknown[]) : [msg.payload];
      for (const p of batch) {
        const pending = count(msg, p);
        if (pending) await pending;
      }
      showCounts();
    };
    // Messages are handled in arrival order: a report after a record (read by JSONata, or
    // before the state was loaded) waits for it. The common case stays synchronous.
    let queue: Promise<void> | null = null;
    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage[][]) => void, done: (err?: Error) => void) => {
      if (ready && queue === null && !hasJsonata && msg.topic !== 'report' && msg.topic !== 'reset' && !Array.isArray(msg.payload)) {
        count(msg, msg.payload);
        showCounts();
        return done();
      }
      const run = (queue ?? loaded).then(() => handle(msg, send)).then(() => done(), (err: Error) => done(err));
      queue = run;
      void run.then(() => {
        if (queue === run) queue = null;
      });
    });

    const timer = settings.intervalMs > 0 ? setInterval(() => void loaded.then(() => report((m) => node.send(m as never))), settings.intervalMs) : null;
    timer?.unref();
    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      if (statusTimer) clearTimeout(statusTimer);
      status.stop();
      void save().then(() => done());
    });
    status.now({ fill: 'green', shape: 'dot', text: t('status.ready', { windows: settings.engine.windows.length, keys: settings.keys.length }) });
  }

  RED.nodes.registerType('cdr-stats', CdrStats);
};
