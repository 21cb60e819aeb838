'use strict';
// Deterministic mutations of vendor records for property tests: each case is a
// deep copy of a real record with one to three of its fields deleted, given
// another type, a huge or negative number, a garbage string, a time in another
// epoch unit, or two time fields swapped; or with an inherited name
// (__proto__, constructor, hasOwnProperty) added as an own key.

const TIME_NAME = /time|stamp|epoch|start|end|answer|begin|stop|created|hangup|at$/i;

/** Every [parent, key] leaf of `value` (objects and arrays, depth-limited). */
function leaves(value, out = [], depth = 0) {
  if (depth > 5 || value === null || typeof value !== 'object') return out;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v !== null && typeof v === 'object') leaves(v, out, depth + 1);
    else out.push([value, key]);
  }
  return out;
}

function objects(value, out = [], depth = 0) {
  if (depth > 5 || value === null || typeof value !== 'object') return out;
  if (!Array.isArray(value)) out.push(value);
  for (const v of Object.values(value)) objects(v, out, depth + 1);
  return out;
}

const GARBAGE = ['', ' ', 'abc', '-', 'NaN', 'Infinity', '0000-00-00 00:00:00', '2024-13-45 25:61:61', '9999-12-31 23:59:59',
  '\u0000\u0001', '<x>', '{"a":1}', '1e400', '-0', '0x1f', '١٢٣', 'null', '19000', '   42   ', '12:00'];
const NUMBERS = [0, -1, -60, -1e9, 1e20, Number.MAX_SAFE_INTEGER, 1e308, 0.5, 2 ** 31, 1.7e12, 1.7e15, 1.7e18, 128, 117000];
const INHERITED = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'prototype'];

const pick = (random, list) => list[Math.floor(random() * list.length)];

/** One mutation applied to `rec` in place; gives its description. */
function mutateOnce(rec, random) {
  const all = leaves(rec);
  if (all.length === 0) return 'none';
  const [parent, key] = pick(random, all);
  const v = parent[key];
  const op = Math.floor(random() * 9);
  switch (op) {
    case 0:
      delete parent[key];
      return `delete ${key}`;
    case 1: {
      // Type swap: a number for a numeric string, a string for a number, else another type.
      const n = Number(v);
      const swapped = typeof v === 'string' && v.trim() !== '' && Number.isFinite(n) ? n
        : typeof v === 'number' ? String(v)
          : pick(random, [true, false, null, 1002, [], {}, [v]]);
      parent[key] = swapped;
      return `type ${key}`;
    }
    case 2:
      parent[key] = typeof v === 'string' ? String(pick(random, NUMBERS)) : pick(random, NUMBERS);
      return `number ${key}`;
    case 3:
      parent[key] = pick(random, GARBAGE);
      return `garbage ${key}`;
    case 4: {
      // Epoch unit confusion: ×1000 or ÷1000 of a numeric value.
      const n = Number(v);
      if (!Number.isFinite(n) || v === '' || v === null) return mutateOnce(rec, random);
      const m = random() < 0.5 ? n * 1000 : Math.floor(n / 1000);
      parent[key] = typeof v === 'string' ? String(m) : m;
      return `unit ${key}`;
    }
    case 5: {
      // Two time-like fields swapped (end before start, answer after end, …).
      const times = all.filter(([p, k]) => TIME_NAME.test(k) && p[k] !== '' && p[k] !== null);
      if (times.length < 2) return mutateOnce(rec, random);
      const [pa, ka] = pick(random, times);
      const [pb, kb] = pick(random, times);
      [pa[ka], pb[kb]] = [pb[kb], pa[ka]];
      return `swap ${ka} ${kb}`;
    }
    case 6: {
      // A time moved: later by a day or earlier by a minute, keeping its shape.
      if (typeof v === 'string' && /^\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}$/.test(v)) {
        const d = new Date(v.replace(/\//g, '-').replace(' ', 'T') + 'Z');
        if (Number.isNaN(d.getTime())) return mutateOnce(rec, random);
        d.setUTCSeconds(d.getUTCSeconds() + (random() < 0.5 ? -60 : 86400));
        const sep = v[4];
        parent[key] = d.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, sep);
        return `shift ${key}`;
      }
      const n = Number(v);
      if (v === '' || v === null || !Number.isFinite(n)) return mutateOnce(rec, random);
      parent[key] = typeof v === 'string' ? String(n - 60_000_000) : n - 60_000;
      return `shift ${key}`;
    }
    case 7: {
      const host = pick(random, objects(rec));
      const name = pick(random, INHERITED);
      Object.defineProperty(host, name, { value: pick(random, ['x', '1', { a: 1 }, null]), enumerable: true, writable: true, configurable: true });
      return `own ${name}`;
    }
    default:
      parent[key] = typeof v === 'string' ? v + pick(random, ['x', '\u0000', ' 1', '99999999']) : pick(random, [-0.001, NaN, Infinity, -Infinity]);
      return `append ${key}`;
  }
}

/** A mutated deep copy of `record` (1 to 3 mutations) and what was done to it. */
function mutate(record, random) {
  const rec = structuredClone(record);
  const done = [];
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) done.push(mutateOnce(rec, random));
  return { record: rec, mutations: done };
}

module.exports = { mutate, leaves };
