'use strict';
// Each node's dialog (nodes/<type>.html) against its help
// (nodes/locales/en-US/<type>.html) and catalog, without a browser: the
// registerType definitions are read by running the .html scripts in a
// sandbox. A value a new node's dialog fills in is the one its help names; a
// setting the help calls "no default" starts blank; every validator returns
// its message (Node-RED 4 uses a returned text only from a function of two
// parameters); every node has its own icon and the CDR colour.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const CDR_COLOUR = '#87C6E8';

// Runs the node's .html scripts (and the resources they load) with a stub RED;
// returns { type: definition } for every type the file registers.
function definitionsOf(htmlFile) {
  const html = fs.readFileSync(htmlFile, 'utf8');
  const defs = {};
  const window = {};
  const RED = { nodes: { registerType: (type, def) => (defs[type] = def), getType: (t) => defs[t], node: () => null }, _: (k) => k };
  const sandbox = vm.createContext({ window, RED, $: () => ({ length: 0 }), Intl, console });
  window.RED = RED;
  for (const m of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
    const src = /src="resources\/@cdrflow\/node-red-cdr\/([^"]+)"/.exec(m[1]);
    if (src) vm.runInContext(fs.readFileSync(path.join(root, 'resources', src[1]), 'utf8'), sandbox, { filename: src[1] });
    else if (/type="text\/javascript"/.test(m[1])) vm.runInContext(m[2], sandbox, { filename: htmlFile });
  }
  return { defs, editor: window.cdrflowEditor };
}

// The template as the editor shows it: the rows shared by the source dialogs
// (resources/cdr-editor.js) where the template marks their place.
function expandedTemplate(template, type, editor) {
  if (!editor || !template.includes(editor.SOURCE_ROWS_MARK)) return template;
  return template.replace(editor.SOURCE_ROWS_MARK, editor.sourceRowsHtml(type));
}

function catalogOf(type) {
  return JSON.parse(fs.readFileSync(path.join(root, 'nodes', 'locales', 'en-US', `${type}.json`), 'utf8'))[type];
}

// The help as text blocks (paragraphs, list items, definitions), HTML kept.
function helpBlocks(type) {
  const html = fs.readFileSync(path.join(root, 'nodes', 'locales', 'en-US', `${type}.html`), 'utf8');
  return [...html.matchAll(/<(p|li|dd)\b[^>]*>([\s\S]*?)<\/\1>/g)].map((m) => m[2]);
}

const plain = (html) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

// What the help says about the setting labelled `label`: the text from each
// <b>label</b> to the next bold name (or the end of its block).
function saysAbout(blocks, label) {
  const out = [];
  for (const b of blocks) {
    const parts = b.split(/(<b>[\s\S]*?<\/b>)/);
    for (let i = 1; i < parts.length; i += 2) {
      if (plain(parts[i]).trim() !== label) continue;
      // "<b>A</b> and <b>B</b> default to 9000": what follows the last of a run of names.
      let j = i + 1;
      while (j + 1 < parts.length && /^\s*(,|and|or)?\s*$/.test(plain(parts[j]))) j += 2;
      out.push(plain(parts[j] || ''));
    }
  }
  return out;
}

// The label a field shows: its <label for> text from the catalog, else <type>.label.<prop>.
function labelOf(type, template, prefix, prop, labels) {
  const m = new RegExp(`<label for="${prefix}-${prop}"[^>]*>(?:<i[^>]*></i>\\s*)?<span data-i18n="${type}\\.label\\.(\\w+)"`).exec(template);
  return m ? labels[m[1]] : labels[prop];
}

const files = [...new Set(Object.values(pkg['node-red'].nodes))].map((f) => path.join(root, f.replace(/\.js$/, '.html')));
const nodes = [];
for (const file of files) {
  const { defs, editor } = definitionsOf(file);
  for (const [type, def] of Object.entries(defs)) nodes.push({ type, def, template: expandedTemplate(fs.readFileSync(file, 'utf8'), type, editor) });
}

describe('node dialogs agree with their help', () => {
  it('reads a definition for every node of the package', () => {
    assert.ok(nodes.length >= Object.keys(pkg['node-red'].nodes).length);
  });

  for (const { type, def, template } of nodes) {
    describe(type, () => {
      const labels = catalogOf(type).label || {};
      const blocks = helpBlocks(type);
      const prefix = def.category === 'config' ? 'node-config-input' : 'node-input';

      it('a setting the help says has no default starts blank in a new node', () => {
        for (const b of blocks) {
          const m = /((?:<b>[^<]+<\/b>(?:,| and| or)?\s*)+)(?:has|have) no default/.exec(b);
          if (!m) continue;
          for (const name of [...m[1].matchAll(/<b>([^<]+)<\/b>/g)].map((x) => x[1])) {
            const prop = Object.keys(labels).find((k) => labels[k] === name);
            assert.ok(prop, `${type}: the help names "${name}", which is no label of the dialog`);
            const v = def.defaults[prop] && def.defaults[prop].value;
            assert.ok(v === '' || v === undefined, `${type}.${prop}: the help says "${name}" has no default, the dialog fills in ${JSON.stringify(v)}`);
          }
        }
      });

      it('the help names the value a new node starts with, for every text field that has one', () => {
        const missing = [];
        for (const [prop, d] of Object.entries(def.defaults)) {
          if (d.type || d.value === '' || d.value === undefined || typeof d.value === 'boolean') continue;
          if (!new RegExp(`<input type="text" id="${prefix}-${prop}"`).test(template)) continue;
          const label = labelOf(type, template, prefix, prop, labels);
          if (!label) continue; // a second field of a row named once (e.g. hours beside ids)
          const value = String(d.value);
          const said = saysAbout(blocks, label).map((t) => t.replace(/(\d)[,\u2009\u202f](?=\d{3})/g, '$1'));
          const named = said.some((t) => new RegExp(`(^|[^\\w.])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w]|\\.\\d)`).test(t));
          if (!named) missing.push(`<b>${label}</b> ${value}`);
        }
        assert.deepEqual(missing, [], `${type}: the help does not name these defaults of the dialog`);
      });

      it('every validator returns its message (a function of two parameters)', () => {
        const node = Object.fromEntries(Object.entries(def.defaults).map(([k, d]) => [k, d.value]));
        for (const [prop, d] of Object.entries(def.defaults)) {
          if (typeof d.validate !== 'function') continue;
          assert.equal(d.validate.length, 2, `${type}.${prop}: validate(v, opt)`);
          // A new node's value passes (a blank one may be required); anything else gives true or a text, never a bare false.
          if (!d.type && d.value !== '') assert.equal(d.validate.call(node, d.value, {}), true, `${type}.${prop}: the default ${JSON.stringify(d.value)} is valid`);
          for (const bad of ['70000', '-1', 'not valid ¤', '{', 'x'.repeat(300), '_ADD_']) {
            const r = d.validate.call({ ...node, tcp: true, udp: true, files: true, backfill: 'from', template: 'custom', mode: prop === 'file' || prop === 'customTemplate' ? 'csv' : prop === 'dir' ? 'spool' : 'http', transport: prop === 'path' ? 'file' : 'https', useTls: true }, bad, {});
            assert.ok(r === true || (typeof r === 'string' && r.length > 0), `${type}.${prop}: ${JSON.stringify(bad)} gives true or a message, not ${JSON.stringify(r)}`);
          }
        }
      });

      if (def.category !== 'config') {
        it(`has its own icon (icons/${type}.svg) and the CDR colour ${CDR_COLOUR}`, () => {
          assert.equal(def.icon, `${type}.svg`);
          assert.ok(fs.existsSync(path.join(root, 'icons', def.icon)), `icons/${def.icon}`);
          assert.equal(String(def.color).toUpperCase(), CDR_COLOUR);
          assert.equal(def.category, 'CDR');
        });
      }
    });
  }
});
