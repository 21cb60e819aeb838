'use strict';
// Every link a user can follow from the README, the nodes' help (the editor's
// help sidebar) and the examples (comment and flow info texts), and every
// markdown file they name: a file of the repository must exist, an #anchor
// must be a heading (or id) of the page it points into. Links to the
// repository's own GitHub page count as links into README.md and the tree;
// other web addresses are not fetched (the tests run offline). The files are
// found by listing their directories: a help file or example added later is
// checked too.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const repoUrl = pkg.homepage.replace(/#.*$/, '').replace(/\/+$/, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2 … */
function slugger() {
  const seen = new Map();
  return (heading) => {
    const text = heading
      .replace(/`([^`]*)`/g, '$1')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .trim()
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };
}

/** The anchors of a markdown file: its headings (outside code blocks) and the ids of HTML in it. */
function markdownAnchors(text) {
  const slug = slugger();
  const anchors = new Set();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) anchors.add(slug(h[1]));
  }
  for (const m of text.matchAll(/<[a-z]+[^>]*\s(?:id|name)="([^"]+)"/gi)) anchors.add(m[1]);
  return anchors;
}

const htmlAnchors = (text) => new Set([...text.matchAll(/\s(?:id|name)="([^"]+)"/gi)].map((m) => m[1]));

/** Markdown links and images, minus code spans and blocks (a `[x](y)` in code is not a link). */
function markdownLinks(text) {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...prose.matchAll(/\s(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
}

const htmlLinks = (text) => [...text.matchAll(/\s(?:href|src)="([^"]+)"/g)].map((m) => m[1]);

/** Names of markdown files the text mentions (`See README-asterisk.md.`), link or not. */
const mentionedMarkdown = (text) => [...text.matchAll(/(?<![\w/.#-])((?:[\w.-]+\/)*[\w-]+(?:\.[\w-]+)*\.md)\b/g)].map((m) => m[1]);

// Each page a user reads: where its text is, how its links are written, and
// whether a link relative to the repository works there (the editor shows help
// and example texts under its own address: only absolute links work).
function pages() {
  const list = [{ name: 'README.md', dir: root, text: fs.readFileSync(path.join(root, 'README.md'), 'utf8'), links: markdownLinks, relativeOk: true }];
  const help = path.join(root, 'nodes', 'locales', 'en-US');
  for (const f of fs.readdirSync(help).filter((x) => x.endsWith('.html')).sort()) {
    list.push({ name: `nodes/locales/en-US/${f}`, dir: help, text: fs.readFileSync(path.join(help, f), 'utf8'), links: htmlLinks, relativeOk: false, html: true });
  }
  const ex = path.join(root, 'examples');
  for (const f of fs.readdirSync(ex).filter((x) => x.endsWith('.json')).sort()) {
    for (const n of JSON.parse(fs.readFileSync(path.join(ex, f), 'utf8'))) {
      for (const key of ['info', 'name']) {
        if (typeof n[key] !== 'string' || n[key] === '') continue;
        if (key === 'name' && n.type !== 'comment' && n.type !== 'tab') continue;
        list.push({ name: `examples/${f} ${n.type} ${n.id} ${key}`, dir: ex, text: n[key], links: markdownLinks, relativeOk: false });
      }
    }
  }
  return list;
}

const anchorCache = new Map();
function anchorsOf(file) {
  if (!anchorCache.has(file)) {
    const text = fs.readFileSync(file, 'utf8');
    anchorCache.set(file, /\.html?$/.test(file) ? htmlAnchors(text) : markdownAnchors(text));
  }
  return anchorCache.get(file);
}

/** What is wrong with `link` on `page`, or null. */
function problem(page, link) {
  if (/^(mailto|tel):/i.test(link)) return null;
  if (/^https?:\/\//i.test(link)) {
    if (!(link === repoUrl || link.startsWith(`${repoUrl}#`) || link.startsWith(`${repoUrl}/`))) return null; // the web: not fetched
    const rest = link.slice(repoUrl.length);
    if (/^\/(issues|pulls|releases|actions)\b/.test(rest)) return null;
    const m = /^(?:\/(?:blob|tree|raw)\/[^/]+\/([^#?]*))?(?:#(.*))?$/.exec(rest);
    if (!m) return `an address of the repository this test cannot check (${link})`;
    return inFile(path.join(root, m[1] || 'README.md'), m[2], link);
  }
  if (link.startsWith('#') && page.html) return htmlAnchors(page.text).has(link.slice(1)) ? null : `no id="${link.slice(1)}" on this page (${link})`;
  if (!page.relativeOk) return `a relative link does not work where this text is shown (the editor): use ${repoUrl}/… (${link})`;
  const [file, anchor] = link.split('#');
  return inFile(file === '' ? path.join(page.dir, page.name) : path.resolve(page.dir, decodeURIComponent(file)), anchor, link);
}

/** Whether `file` exists and, when an anchor is given, has it. */
function inFile(file, anchor, link) {
  if (!fs.existsSync(file)) return `no file ${path.relative(root, file)} (${link})`;
  if (anchor === undefined || anchor === '') return null;
  if (fs.statSync(file).isDirectory() || !/\.(md|html?)$/.test(file)) return `an anchor into a file that has none (${link})`;
  return anchorsOf(file).has(decodeURIComponent(anchor)) ? null : `no heading "#${anchor}" in ${path.relative(root, file)} (${link})`;
}

describe('links in the README, the help and the examples', () => {
  const all = pages();

  it('finds the pages and their links (README, every help file, every example text)', () => {
    assert.ok(all.filter((p) => p.html).length >= Object.keys(pkg['node-red'].nodes).length, 'a help file per node');
    assert.ok(all.some((p) => p.name.startsWith('examples/')), 'example texts');
    assert.ok(markdownLinks(all[0].text).length > 20, 'the README has links');
    // The checker itself, on links that are wrong.
    const readme = all[0];
    assert.match(problem(readme, '#no-such-heading'), /no heading/);
    assert.match(problem(readme, 'docs/no-such.png'), /no file/);
    assert.match(problem(all[1], `${repoUrl}#no-such-heading`), /no heading/);
    assert.match(problem(all[1], 'README.md'), /relative link/);
    assert.equal(problem(readme, '#asterisk-ami'), null);
    assert.equal(problem(all[1], `${repoUrl}#asterisk-ami`), null);
    assert.deepEqual(mentionedMarkdown('See README-asterisk.md. Or docs/x.md, not https://x.org/y.md'), ['README-asterisk.md', 'docs/x.md']);
  });

  it('every link leads to a file of the repository and a heading that exist', () => {
    const broken = [];
    for (const page of all) for (const link of page.links(page.text)) {
      const p = problem(page, link);
      if (p) broken.push(`${page.name}: ${p}`);
    }
    assert.deepEqual(broken, []);
  });

  it('every markdown file a text names exists', () => {
    const missing = [];
    for (const page of all) {
      for (const name of mentionedMarkdown(page.text.replace(/https?:\/\/\S+/g, ''))) {
        if (!fs.existsSync(path.join(root, name))) missing.push(`${page.name}: ${name}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
