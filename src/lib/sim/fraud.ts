import { wallClock } from './random';
import type { UcmLeg } from './ucm';

/**
 * A fraud pattern for the demo: every `cycleSec`, one extension makes
 * `burstCalls` short answered calls (a few seconds each, one a second) to a
 * watch-listed prefix — the shape of a short-call burst (wangiri call-backs,
 * SIM-box testing) and of calls to high-cost destinations (IRSF). cdr-alert's
 * rules fire on it, and clear once the burst has left their windows.
 */
export interface FraudOptions {
  cycleSec: number;
  burstCalls: number;
  /** The "compromised" extension the calls come from. */
  caller: string;
  /** Digits dialled, before the random rest (00 + a watch-listed prefix). */
  dialPrefix: string;
  talkSec: number;
}

export const FRAUD_DEFAULTS: FraudOptions = { cycleSec: 300, burstCalls: 12, caller: '1003', dialPrefix: '00882', talkSec: 3 };

/** A UCM leg of one fraudulent call ending at `endMs`, made from an ordinary generated leg (for its ids). */
export function fraudLeg(template: UcmLeg, endMs: number, n: number, o: FraudOptions = FRAUD_DEFAULTS): UcmLeg {
  const dst = `${o.dialPrefix}${String(1000000 + ((n * 7919) % 9000000)).padStart(7, '0')}`;
  const answerMs = endMs - o.talkSec * 1000;
  const startMs = answerMs - 2000;
  const epoch = Math.floor(startMs / 1000);
  const toChan = `PJSIP/trunk_1-0000${(n + 4096).toString(16)}`;
  return {
    ...template,
    src: o.caller,
    dst,
    dcontext: 'from-internal',
    clid: `"" <${o.caller}>`,
    channel: `PJSIP/${o.caller}-0000${(n + 8192).toString(16)}`,
    dstchannel: toChan,
    lastdata: `PJSIP/trunk_1,60`,
    start: wallClock(startMs),
    answer: wallClock(answerMs),
    end: wallClock(endMs),
    duration: String(o.talkSec + 2),
    billsec: String(o.talkSec),
    disposition: 'ANSWERED',
    accountcode: '',
    userfield: 'Outbound',
    channel_ext: o.caller,
    dstchannel_ext: 'trunk_1',
    caller_name: '',
    recordfiles: '',
    dstanswer: dst,
    session: `${epoch}${String(n).padStart(6, '0')}-${o.caller}`,
    action_owner: o.caller,
    action_type: 'DIAL',
    src_trunk_name: '',
    dst_trunk_name: 'CarrierA',
  };
}

/** Sends a burst every `cycleSec` (the first after 20 s) until `signal` aborts. */
export async function fraudLoop(make: () => UcmLeg, send: (leg: UcmLeg) => Promise<void>, signal: AbortSignal | undefined, log: (s: string) => void, o: FraudOptions = FRAUD_DEFAULTS): Promise<void> {
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  let n = 0;
  await sleep(20_000);
  while (!signal?.aborted) {
    log(`fraud pattern: ${o.burstCalls} calls of ${o.talkSec} s from ${o.caller} to ${o.dialPrefix}…`);
    for (let i = 0; i < o.burstCalls && !signal?.aborted; i++) {
      await send(fraudLeg(make(), Date.now(), n++, o));
      await sleep(1000);
    }
    await sleep(Math.max(1, o.cycleSec - o.burstCalls) * 1000);
  }
}
