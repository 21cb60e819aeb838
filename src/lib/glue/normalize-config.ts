import type { Vendor } from '../cdr/schema';
import { isVendor } from '../cdr/normalize';
import { compileDirectionRuleSpecs, type CompiledDirectionRule } from '../cdr/normalize/direction-rules';
import { hostTimeZone, isValidTimeZone } from '../cdr/time';
import type { Checked, SettingProblem } from './listener-config';
import { refusedPolicyOf, type RefusedPolicy } from './refused';

/** cdr-normalize settings as the editor stores them (strings from inputs), checked again at runtime. */
export interface NormalizeConfigInput {
  vendor?: unknown;
  timeZone?: unknown;
  sourceZones?: unknown;
  output?: unknown;
  format?: unknown;
  waitSec?: unknown;
  maxOpenCalls?: unknown;
  dedupe?: unknown;
  dedupeCount?: unknown;
  dedupeHours?: unknown;
  dedupeContext?: unknown;
  contextStore?: unknown;
  vendorSettings?: unknown;
  directionRules?: unknown;
  refused?: unknown;
}

export type DedupeMode = 'off' | 'drop' | 'mark';

export interface NormalizeSettings {
  /** null: from msg.source.vendor (or a vendor-named msg.topic). */
  vendor: Vendor | null;
  timeZone: string;
  /** Zones of PBXs not in `timeZone`, by msg.source.pbx or the sender's address. */
  sourceZones: ReadonlyMap<string, string>;
  output: 'leg' | 'call';
  format: 'cdr' | 'row';
  waitMs: number;
  maxOpenCalls: number;
  dedupe: DedupeMode;
  dedupeCount: number;
  dedupeAgeMs: number;
  /** Keep the de-duplication window in node context (survives a restart with a persistent store). */
  dedupeContext: boolean;
  /** Context store name; '' = the default store. */
  contextStore: string;
  /** Per-vendor mapper settings, e.g. { ucm: { extensionPattern: "^\\d{3}$" } }. */
  vendorSettings: Partial<Record<Vendor, Record<string, unknown>>>;
  /** Direction rules for every vendor (JSON array of {vendor?, when, direction}), before the built-in ones. */
  directionRules: CompiledDirectionRule[];
  /** The acknowledgement of a record refused (see refused.ts). */
  refused: RefusedPolicy;
}

export const NORMALIZE_DEFAULTS = {
  waitSec: 10,
  maxOpenCalls: 10_000,
  dedupeCount: 100_000,
  dedupeHours: 24,
} as const;

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function numberSetting(v: unknown, min: number, max: number, fallback: number, integer: boolean): number | null {
  if (blank(v)) return fallback;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return null;
  return n;
}

export function checkNormalizeSettings(input: NormalizeConfigInput): Checked<NormalizeSettings> {
  const problems: SettingProblem[] = [];
  const vendorText = blank(input.vendor) ? 'auto' : String(input.vendor).trim();
  let vendor: Vendor | null = null;
  if (vendorText !== 'auto') {
    if (isVendor(vendorText)) vendor = vendorText;
    else problems.push({ key: 'vendor', detail: `vendor "${vendorText}" is not one of auto, ucm, asterisk, freeswitch, vos3000, gateway` });
  }
  const timeZone = blank(input.timeZone) ? hostTimeZone() : String(input.timeZone).trim();
  if (!isValidTimeZone(timeZone)) problems.push({ key: 'timeZone', detail: `time zone "${timeZone}" is not an IANA zone name (e.g. Europe/Berlin)` });
  const zones = parseSourceZones(blank(input.sourceZones) ? '' : String(input.sourceZones));
  if ('error' in zones) problems.push({ key: 'sourceZones', detail: zones.error });
  const output = blank(input.output) ? 'leg' : String(input.output);
  if (output !== 'leg' && output !== 'call') problems.push({ key: 'output', detail: `output "${output}" must be leg or call` });
  const format = blank(input.format) ? 'cdr' : String(input.format);
  if (format !== 'cdr' && format !== 'row') problems.push({ key: 'format', detail: `format "${format}" must be cdr or row` });
  const waitSec = numberSetting(input.waitSec, 0, 3600, NORMALIZE_DEFAULTS.waitSec, false);
  if (waitSec === null) problems.push({ key: 'waitSec', detail: 'wait after the last leg must be 0 to 3600 seconds' });
  const maxOpenCalls = numberSetting(input.maxOpenCalls, 1, 1_000_000, NORMALIZE_DEFAULTS.maxOpenCalls, true);
  if (maxOpenCalls === null) problems.push({ key: 'maxOpenCalls', detail: 'open calls must be a whole number from 1 to 1000000' });
  const dedupe = blank(input.dedupe) ? 'drop' : String(input.dedupe);
  if (dedupe !== 'off' && dedupe !== 'drop' && dedupe !== 'mark') problems.push({ key: 'dedupe', detail: `duplicates "${dedupe}" must be off, drop or mark` });
  const dedupeCount = numberSetting(input.dedupeCount, 1, 10_000_000, NORMALIZE_DEFAULTS.dedupeCount, true);
  if (dedupeCount === null) problems.push({ key: 'dedupeCount', detail: 'remembered ids must be a whole number from 1 to 10000000' });
  const dedupeHours = numberSetting(input.dedupeHours, 0.001, 24 * 366, NORMALIZE_DEFAULTS.dedupeHours, false);
  if (dedupeHours === null) problems.push({ key: 'dedupeHours', detail: 'remember ids for more than 0 and at most 8784 hours' });
  let vendorSettings: NormalizeSettings['vendorSettings'] = {};
  if (typeof input.vendorSettings === 'object' && input.vendorSettings !== null) {
    vendorSettings = input.vendorSettings as NormalizeSettings['vendorSettings'];
  } else if (!blank(input.vendorSettings)) {
    try {
      const parsed: unknown = JSON.parse(String(input.vendorSettings));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      for (const [k, v] of Object.entries(parsed)) {
        if (!isVendor(k)) throw new Error(`"${k}" is not a vendor`);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`the settings of ${k} are not an object`);
      }
      vendorSettings = parsed as NormalizeSettings['vendorSettings'];
    } catch (err) {
      problems.push({ key: 'vendorSettings', detail: `vendor settings must be a JSON object keyed by vendor: ${(err as Error).message}` });
    }
  }
  let directionRules: CompiledDirectionRule[] = [];
  try {
    directionRules = blank(input.directionRules) ? [] : compileDirectionRuleSpecs(input.directionRules);
  } catch (err) {
    problems.push({ key: 'directionRules', detail: (err as Error).message });
  }
  const refused = refusedPolicyOf(input.refused, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      refused,
      vendor,
      timeZone,
      sourceZones: 'zones' in zones ? zones.zones : new Map(),
      output: output as 'leg' | 'call',
      format: format as 'cdr' | 'row',
      waitMs: Math.round(waitSec! * 1000),
      maxOpenCalls: maxOpenCalls!,
      dedupe: dedupe as DedupeMode,
      dedupeCount: dedupeCount!,
      dedupeAgeMs: Math.round(dedupeHours! * 3_600_000),
      dedupeContext: input.dedupeContext === true || input.dedupeContext === 'true',
      contextStore: blank(input.contextStore) ? '' : String(input.contextStore).trim(),
      vendorSettings,
      directionRules,
    },
  };
}

/** The vendor of a message: the setting, else msg.source.vendor, else a vendor-named topic. */
export function vendorOf(setting: Vendor | null, msg: { source?: unknown; topic?: unknown }): Vendor | null {
  if (setting) return setting;
  const src = msg.source;
  if (typeof src === 'object' && src !== null) {
    const v = (src as { vendor?: unknown }).vendor;
    if (isVendor(v)) return v;
  }
  return isVendor(msg.topic) ? msg.topic : null;
}

/**
 * Zones by source, one a line: the source (its `msg.source.pbx`, or the
 * sender's `msg.source.address`) and an IANA zone, separated by spaces; blank
 * lines and `#` comments skipped. The cdr-normalize dialog checks the same rule.
 */
export function parseSourceZones(text: string): { zones: Map<string, string> } | { error: string } {
  const zones = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/\s+/);
    if (cells.length !== 2) return { error: `zones by source, line ${i + 1}: write a source and a zone, e.g. "pbx-paris Europe/Paris"` };
    const [source, zone] = cells as [string, string];
    if (!isValidTimeZone(zone)) return { error: `zones by source, line ${i + 1}: "${zone}" is not an IANA zone name (e.g. Europe/Berlin)` };
    if (zones.has(source)) return { error: `zones by source, line ${i + 1}: ${source} is given twice` };
    zones.set(source, zone);
  }
  return { zones };
}

/**
 * The zone a message's wall-clock times are read in: `msg.timeZone` when the
 * flow sets one, else the zone of its source (`msg.source.pbx`, then
 * `msg.source.address`), else the node's. An error for a msg.timeZone that is
 * not a zone: guessing would mis-time the record.
 */
export function zoneOf(
  settings: Pick<NormalizeSettings, 'timeZone' | 'sourceZones'>,
  msg: { timeZone?: unknown; source?: unknown },
): { zone: string } | { error: string } {
  if (msg.timeZone !== undefined && msg.timeZone !== null && msg.timeZone !== '') {
    const zone = typeof msg.timeZone === 'string' ? msg.timeZone.trim() : '';
    return isValidTimeZone(zone) ? { zone } : { error: `msg.timeZone ${JSON.stringify(msg.timeZone)} is not an IANA zone name (e.g. Europe/Berlin)` };
  }
  // No zones by source (most flows): nothing to look up per record.
  if (settings.sourceZones.size === 0 || typeof msg.source !== 'object' || msg.source === null) return { zone: settings.timeZone };
  const src = msg.source as { pbx?: unknown; address?: unknown };
  const byPbx = typeof src.pbx === 'string' ? settings.sourceZones.get(src.pbx) : undefined;
  if (byPbx !== undefined) return { zone: byPbx };
  const byAddress = typeof src.address === 'string' ? settings.sourceZones.get(src.address) : undefined;
  return { zone: byAddress ?? settings.timeZone };
}
