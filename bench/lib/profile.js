'use strict';
// CPU profile helpers shared by bench/profile-*.js (not benchmark rows): the
// inspector's post as a promise, and a profile's top functions by self and
// inclusive time.

function post(session, method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Self and inclusive time per function of a profile, as shares of the sampled time. */
function summarize(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  // Samples inside the inspector (Profiler.stop handing the profile over) are the profiler's own: left out.
  const inProfiler = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.url === 'node:inspector') return true;
    return false;
  };
  const spent = new Map();
  profile.samples.forEach((id, i) => {
    if (!inProfiler(id)) spent.set(id, (spent.get(id) || 0) + (profile.timeDeltas[i] || 0));
  });
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|nodes)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  for (const n of profile.nodes) {
    const t = spent.get(n.id) || 0;
    if (!t) continue;
    self.set(label(n), (self.get(label(n)) || 0) + t);
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const k = label(byId.get(id));
      if (!seen.has(k)) incl.set(k, (incl.get(k) || 0) + t);
      seen.add(k);
    }
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  const lines = [`sampled ${(total / 1e6).toFixed(2)} s`, '-- self'];
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(t)}  ${k}`);
  lines.push('-- inclusive, cdrflow code');
  const ours = [...incl].filter(([k]) => /^\S+ nodes\/(lib\/|[\w-]+\.js)/.test(k) && !/nodes\/(Node|Flow)\.js/.test(k));
  for (const [k, t] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(t)}  ${k}`);
  return lines.join('\n');
}

/** Bytes allocated per function of a sampled heap profile (self and inclusive), per record. */
function summarizeAllocations(profile, records, top = 25) {
  const self = new Map();
  const incl = new Map();
  let total = 0;
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|nodes)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const walk = (n, stack) => {
    const k = label(n);
    const bytes = n.selfSize;
    total += bytes;
    self.set(k, (self.get(k) || 0) + bytes);
    const path = stack.includes(k) ? stack : [...stack, k];
    for (const s of path) incl.set(s, (incl.get(s) || 0) + bytes);
    for (const c of n.children) walk(c, path);
  };
  walk(profile.head, []);
  const per = (b) => `${(b / records).toFixed(0).padStart(6)} B/rec`;
  const lines = [`sampled ${(total / 1048576).toFixed(1)} MB, ${per(total)}`, '-- self'];
  for (const [k, b] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${per(b)}  ${k}`);
  lines.push('-- inclusive, cdrflow code');
  const ours = [...incl].filter(([k]) => /^\S+ nodes\/(lib\/|[\w-]+\.js)/.test(k) && !/nodes\/(Node|Flow)\.js/.test(k));
  for (const [k, b] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${per(b)}  ${k}`);
  return lines.join('\n');
}

module.exports = { post, summarize, summarizeAllocations };
