'use strict';
// A small seeded generator so "random" test data is the same on every run.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * `distinct` UCM leg records (copies of a sample leg with their own AcctId and
 * times), plus `repeatShare` of them sent again, at random later positions.
 * Gives the stream and which positions are repeats.
 */
function ucmStreamWithRepeats(template, distinct, repeatShare, seed = 7) {
  const random = rng(seed);
  const base = Date.UTC(2024, 0, 1);
  const pad = (n) => String(n).padStart(2, '0');
  const local = (ms) => { const d = new Date(ms); return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`; };
  const records = [];
  for (let i = 0; i < distinct; i++) {
    const start = base + i * 7000;
    records.push({ ...template, AcctId: String(100000 + i), uniqueid: `${start / 1000}.${i}`, session: `${start}-${i}`, start: local(start), answer: local(start + 5000), end: local(start + 65000), duration: '65', billsec: '60' });
  }
  const stream = records.map((r) => ({ record: r, repeat: false }));
  const repeats = shuffle(records, random).slice(0, Math.round(distinct * repeatShare));
  for (const r of repeats) {
    const first = stream.findIndex((e) => e.record === r);
    const at = first + 1 + Math.floor(random() * (stream.length - first));
    stream.splice(at, 0, { record: JSON.parse(JSON.stringify(r)), repeat: true });
  }
  return stream;
}

module.exports = { rng, shuffle, ucmStreamWithRepeats };
