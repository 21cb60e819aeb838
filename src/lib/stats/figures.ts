import type { TallyData } from './tally';

/**
 * The KPIs of one key over one window, named as charts and databases take
 * them. Ratios are 0..1 (not %), null when nothing was attempted / answered /
 * measured. Definitions (README "Traffic KPIs"):
 * - asr = answered / attempts (ITU-T E.411 answer seizure ratio)
 * - ner = effective attempts / attempts (ITU-T E.425 network effectiveness ratio)
 * - acd = talk seconds of answered calls / answered calls (ACD, also called ALOC)
 * - pddAvg, pddP95 = mean and 95th percentile (nearest rank, 0.1 s steps) of the
 *   post-dial delay of the calls that rang
 * - shortCallRatio = answered calls with talk under the short-call limit / answered
 */
export interface Figures {
  attempts: number;
  answered: number;
  failed: number;
  effective: number;
  asr: number | null;
  ner: number | null;
  acd: number | null;
  pddAvg: number | null;
  pddP95: number | null;
  shortCalls: number;
  shortCallRatio: number | null;
  talkMinutes: number;
  cost: Record<string, number>;
  revenue: Record<string, number>;
  concurrentPeak: number;
  causes: Array<{ cause: string; count: number }>;
  late: number;
}

const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;
const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 4) : null);

/** Nearest-rank percentile of the PDD histogram, in seconds. */
export function pddPercentile(hist: Record<string, number>, count: number, p: number): number | null {
  if (count === 0) return null;
  const rank = Math.ceil((p / 100) * count);
  const bins = Object.keys(hist).map(Number).sort((a, b) => a - b);
  let seen = 0;
  for (const b of bins) {
    seen += hist[String(b)]!;
    if (seen >= rank) return b / 10;
  }
  return bins[bins.length - 1]! / 10;
}

function money(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(m).sort()) out[k] = round(m[k]!, 6);
  return out;
}

export function figuresOf(t: TallyData, concurrentPeak: number, topCauses: number): Figures {
  const causes = Object.entries(t.causes)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, topCauses)
    .map(([cause, count]) => ({ cause, count }));
  return {
    attempts: t.attempts,
    answered: t.answered,
    failed: t.attempts - t.answered,
    effective: t.effective,
    asr: ratio(t.answered, t.attempts),
    ner: ratio(t.effective, t.attempts),
    acd: t.answered > 0 ? round(t.talkSec / t.answered, 3) : null,
    pddAvg: t.pddCount > 0 ? round(t.pddSum / t.pddCount, 3) : null,
    pddP95: pddPercentile(t.pdd, t.pddCount, 95),
    shortCalls: t.shortCalls,
    shortCallRatio: ratio(t.shortCalls, t.answered),
    talkMinutes: round(t.talkSec / 60, 3),
    cost: money(t.cost),
    revenue: money(t.revenue),
    concurrentPeak,
    causes,
    late: t.late,
  };
}
