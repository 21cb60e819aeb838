import type { AlertBookOptions } from '../stats/alert-book';
import { outOfHoursMatch, parseBusinessHours, watchListMatch } from '../stats/matchers';
import { parsePrefixList } from '../stats/prefix-list';
import { BurstRule } from '../stats/rule-burst';
import { ConcurrentRule } from '../stats/rule-concurrent';
import { EventRule } from '../stats/rule-event';
import { RiseRule } from '../stats/rule-rise';
import { SpendRule } from '../stats/rule-spend';
import { THRESHOLD_FIGURES, ThresholdRule, type ThresholdFigure } from '../stats/rule-threshold';
import { RECORD_KEYS, type RecordKey, type RecordRule, type ReportRule } from '../stats/rules';
import type { Checked, SettingProblem } from './listener-config';
import { intSetting, numSetting, zoneSetting } from './stats-config';

/** cdr-alert settings as the editor stores them (flat, one group per built-in rule), checked again at runtime. */
export type AlertConfigInput = Record<string, unknown>;

export interface AlertSettings {
  recordRules: RecordRule[];
  reportRules: ReportRule[];
  book: AlertBookOptions;
  tickMs: number;
  contextStore: string;
}

export const DEFAULT_THRESHOLDS = [
  { figure: 'asr', op: '<', raise: 0.3, clear: 0.35, minAttempts: 50, window: '' },
  { figure: 'pddP95', op: '>', raise: 6, clear: 5, minAttempts: 20, window: '' },
];

const on = (v: unknown, fallback: boolean): boolean => (v === undefined || v === null || v === '' ? fallback : v === true || v === 'true');

function by(problems: SettingProblem[], input: AlertConfigInput, key: string, fallback: RecordKey): RecordKey {
  const v = input[key] === undefined || input[key] === '' ? fallback : String(input[key]);
  if (!(RECORD_KEYS as readonly string[]).includes(v)) problems.push({ key, detail: `${key} "${v}" must be one of ${RECORD_KEYS.join(', ')}` });
  return v as RecordKey;
}

function oneOf<T extends string>(problems: SettingProblem[], input: AlertConfigInput, key: string, allowed: readonly T[]): T {
  const v = input[key] === undefined || input[key] === '' ? allowed[0]! : String(input[key]);
  if (!(allowed as readonly string[]).includes(v)) problems.push({ key, detail: `${key} "${v}" must be one of ${allowed.join(', ')}` });
  return v as T;
}

function thresholds(problems: SettingProblem[], v: unknown): ThresholdRule[] {
  let list: unknown = v;
  if (v === undefined || v === null || v === '') list = DEFAULT_THRESHOLDS;
  else if (typeof v === 'string') {
    try {
      list = JSON.parse(v);
    } catch {
      problems.push({ key: 'thresholds', detail: 'thresholds must be a JSON list' });
      return [];
    }
  }
  if (!Array.isArray(list)) return (problems.push({ key: 'thresholds', detail: 'thresholds must be a list' }), []);
  return list.flatMap((row: Record<string, unknown>, i: number) => {
    const p: SettingProblem[] = [];
    const figure = String(row['figure']) as ThresholdFigure;
    if (!THRESHOLD_FIGURES.includes(figure)) p.push({ key: 'thresholds', detail: `threshold ${i + 1}: figure "${figure}" must be one of ${THRESHOLD_FIGURES.join(', ')}` });
    const op = row['op'] === '>' ? '>' : row['op'] === '<' ? '<' : null;
    if (op === null) p.push({ key: 'thresholds', detail: `threshold ${i + 1}: the comparison must be < or >` });
    const raise = numSetting(p, row, 'raise', NaN, -Infinity);
    const clear = numSetting(p, row, 'clear', raise, -Infinity);
    if (Number.isNaN(raise)) p.push({ key: 'thresholds', detail: `threshold ${i + 1}: the raise level is missing` });
    else if (op !== null && (op === '<' ? clear < raise : clear > raise)) p.push({ key: 'thresholds', detail: `threshold ${i + 1}: the clear level must be on the good side of the raise level` });
    const minAttempts = intSetting(p, row, 'minAttempts', 1, 0, 1e9);
    problems.push(...p.map((x) => ({ key: 'thresholds', detail: x.detail.startsWith('threshold') ? x.detail : `threshold ${i + 1}: ${x.detail}` })));
    return p.length > 0 ? [] : [new ThresholdRule({ figure, op: op!, raise, clear, minAttempts, window: String(row['window'] ?? '').trim() })];
  });
}

export function checkAlertSettings(input: AlertConfigInput): Checked<AlertSettings> {
  const problems: SettingProblem[] = [];
  const timeZone = zoneSetting(problems, input['timeZone']);
  const maxKeys = intSetting(problems, input, 'maxKeys', 10000, 1, 1_000_000);
  const recordRules: RecordRule[] = [];
  const reportRules: ReportRule[] = thresholds(problems, input['thresholds']);
  if (on(input['burstOn'], true)) {
    const count = intSetting(problems, input, 'burstCount', 10, 1, 100000);
    recordRules.push(new BurstRule({ by: by(problems, input, 'burstBy', 'caller'), shortSec: numSetting(problems, input, 'burstShortSec', 10, 0), count, clearCount: intSetting(problems, input, 'burstClearCount', Math.max(1, Math.floor(count / 3)), 1, count), windowMin: intSetting(problems, input, 'burstWindowMin', 10, 1, 1440), maxKeys }));
  }
  if (on(input['spendOn'], false)) {
    recordRules.push(new SpendRule({ by: by(problems, input, 'spendBy', 'account'), measure: oneOf(problems, input, 'spendMeasure', ['cost', 'minutes'] as const), period: oneOf(problems, input, 'spendPeriod', ['day', 'hour'] as const), timeZone, cap: numSetting(problems, input, 'spendCap', 100, 0), clearRatio: numSetting(problems, input, 'spendClearRatio', 0.8, 0, 1), maxKeys }));
  }
  if (on(input['watchOn'], false)) {
    try {
      const list = parsePrefixList(String(input['watchList'] ?? ''));
      if (list.size === 0) problems.push({ key: 'watchList', detail: 'the watch list is empty' });
      recordRules.push(new EventRule('watch list', watchListMatch(list, by(problems, input, 'watchBy', 'caller')), intSetting(problems, input, 'watchQuietMin', 60, 1, 10080), maxKeys));
    } catch (err) {
      problems.push({ key: 'watchList', detail: (err as Error).message });
    }
  }
  if (on(input['hoursOn'], false)) {
    try {
      const hours = parseBusinessHours(String(input['hours'] || '08:00-18:00'), String(input['hoursDays'] || 'mon-fri'), timeZone);
      recordRules.push(new EventRule('out of hours', outOfHoursMatch(hours, by(problems, input, 'hoursBy', 'account')), intSetting(problems, input, 'hoursQuietMin', 60, 1, 10080), maxKeys));
    } catch (err) {
      problems.push({ key: 'hours', detail: (err as Error).message });
    }
  }
  if (on(input['concOn'], false)) {
    const cap = intSetting(problems, input, 'concCap', 30, 1, 1e6);
    recordRules.push(new ConcurrentRule({ by: by(problems, input, 'concBy', 'account'), cap, clearCap: cap, windowMin: intSetting(problems, input, 'concWindowMin', 5, 1, 1440), maxKeys }));
  }
  if (on(input['riseOn'], false)) {
    const factor = numSetting(problems, input, 'riseFactor', 3, 1);
    reportRules.push(new RiseRule({ figure: oneOf(problems, input, 'riseFigure', ['attempts', 'cost'] as const), factor, clearFactor: Math.max(1, (factor + 1) / 2), days: intSetting(problems, input, 'riseDays', 7, 1, 60), minValue: numSetting(problems, input, 'riseMin', 20, 0), slotMinutes: 15, maxKeys }));
  }
  const book = { minHoldMs: intSetting(problems, input, 'minHoldSec', 300, 0, 86400) * 1000, maxCauses: intSetting(problems, input, 'maxCauses', 10, 0, 1000) };
  const tickMs = intSetting(problems, input, 'tickSec', 30, 1, 3600) * 1000;
  if (problems.length > 0) return { ok: false, problems };
  const store = input['contextStore'];
  return { ok: true, value: { recordRules, reportRules, book, tickMs, contextStore: typeof store === 'string' ? store : '' } };
}
