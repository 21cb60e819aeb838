import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { calc } from './lib/cdr/calc';
import { toFlatRow } from './lib/cdr/rows';
import type { Cdr } from './lib/cdr/schema';
import { problemOf } from './lib/cdr/gate';
import { checkCalcSettings, cdrProblem, MsgRatesCache, type CalcConfigInput } from './lib/glue/calc-config';
import { formatCount, StatusThrottle } from './lib/glue/status';
import { ackHandlesOf } from './lib/source/ack-registry';
import { settleRefused } from './lib/glue/refused';

interface CdrCalcDef extends NodeDef, CalcConfigInput {}

export = function register(RED: NodeAPI): void {
  function CdrCalc(this: Node, config: CdrCalcDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`cdr-calc.${key}`, params);
    const status = new StatusThrottle((s) => node.status(s));
    const counts = { records: 0, rated: 0, unrated: 0, errors: 0, refused: 0 };

    const checked = checkCalcSettings(config);
    if (!checked.ok) {
      for (const p of checked.problems) node.error(t('errors.setting', { detail: p.detail }));
      status.now({ fill: 'red', shape: 'ring', text: t('status.bad-settings') });
      node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: () => void) => {
        node.error(t('errors.not-configured'), msg);
        done();
      });
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }
    const settings = checked.value;
    const msgRates = new MsgRatesCache(settings.rating.internationalPrefix);

    const renderCounts = (): void => {
      const parts = [`${formatCount(counts.records)} rec`];
      if (counts.rated + counts.unrated > 0) parts.push(`${formatCount(counts.rated)} rated`);
      if (counts.unrated > 0) parts.push(`${formatCount(counts.unrated)} no rate`);
      if (counts.refused > 0) parts.push(`${formatCount(counts.refused)} refused`);
      if (counts.errors > counts.refused) parts.push(`${formatCount(counts.errors - counts.refused)} err`);
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

    /** One record through calc, or null after reporting why it cannot be. */
    const calcOne = (payload: unknown, rates: typeof settings.rates, badMsgRates: boolean, msg: NodeMessageInFlow): Cdr | null => {
      const problem = cdrProblem(payload);
      if (problem !== null) {
        counts.errors++;
        counts.refused++;
        node.error(t('errors.not-cdr', { reason: problem }), msg);
        return null;
      }
      let out: Cdr;
      try {
        out = calc(payload as Cdr, { rates, rating: settings.rating });
        if (badMsgRates) {
          out.cost = null;
          out.costReason = 'msg.rates is not a valid rate table';
        }
      } catch (err) {
        counts.errors++;
        counts.refused++;
        const problem = problemOf(err);
        if (problem) {
          // Refused by the schema gate: the vendor record (when cdr-normalize kept it) in msg.payload, the Cdr in msg.cdr.
          const m = msg as NodeMessageInFlow & { vendorRecord?: unknown; vendorRecords?: unknown };
          const raw = m.vendorRecord ?? m.vendorRecords ?? payload;
          node.error(t('errors.invalid', { reason: (err as Error).message }), { ...msg, payload: raw, cdr: payload, cdrProblem: problem } as NodeMessage);
        } else node.error(t('errors.internal', { reason: (err as Error).message }), msg);
        return null;
      }
      counts.records++;
      if (out.cost !== undefined) {
        if (out.cost === null) counts.unrated++;
        else counts.rated++;
      }
      return out;
    };

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: () => void) => {
      let rates = settings.rates;
      const fromMsg = (msg as { rates?: unknown }).rates;
      if (fromMsg !== undefined) {
        try {
          rates = msgRates.tableOf(fromMsg);
        } catch (err) {
          // The record still goes on, with metrics and an unrated cost: a bad table must not lose calls.
          counts.errors++;
          node.error(t('errors.msg-rates', { reason: (err as Error).message }), msg);
          rates = null;
        }
      }
      const badMsgRates = rates === null && fromMsg !== undefined;
      // Refused (on the error path, msg.cdrAck kept): acknowledged there unless a cdr-ack after the
      // error path is to. Records that went on carry the batch's handles to the sink's cdr-ack.
      if (!Array.isArray(msg.payload)) {
        // One record (most messages): no lists built for it.
        const out = calcOne(msg.payload, rates, badMsgRates, msg);
        if (out === null) settleRefused(settings.refused, ackHandlesOf(msg));
        else {
          if (settings.format === 'row') (msg as NodeMessageInFlow & { cdr?: Cdr }).cdr = out;
          msg.payload = settings.format === 'row' ? toFlatRow(out) : out;
          send(msg);
        }
        showCounts();
        return done();
      }
      // A batch (an array of records, as cdr-normalize's batch output sends) stays a
      // batch, in order; a record that cannot be computed is reported and left out.
      const inputs = msg.payload as unknown[];
      const outs: Cdr[] = [];
      for (const p of inputs) {
        const out = calcOne(p, rates, badMsgRates, msg);
        if (out !== null) outs.push(out);
      }
      if (outs.length === 0 && inputs.length > 0) settleRefused(settings.refused, ackHandlesOf(msg));
      if (outs.length > 0) {
        if (settings.format === 'row') (msg as NodeMessageInFlow & { cdr?: Cdr[] }).cdr = outs;
        msg.payload = settings.format === 'row' ? outs.map(toFlatRow) : outs;
        (msg as NodeMessageInFlow & { batch?: unknown }).batch = { count: outs.length };
        send(msg);
      }
      showCounts();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = null;
      status.stop();
      done();
    });

    status.now({ fill: 'green', shape: 'dot', text: settings.rates ? t('status.rates', { count: settings.rates.size }) : t('status.no-rates') });
  }

  RED.nodes.registerType('cdr-calc', CdrCalc);
};
