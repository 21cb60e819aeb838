'use strict';
// Every flow in examples/ (read from the directory, so an example added later
// is tested too) deployed into a real Node-RED as a new user gets it: a fresh
// userDir with the package and the node modules the examples need installed,
// no environment variables set, the flow deployed through the Admin API like
// the editor's Deploy button. Each must start with no error and no warning in
// the log and no red status in the editor, also while it is stopped again.
//
// What the test changes, and nothing else (test/support/example-flows.js):
// listening sources get a free port on 127.0.0.1, and a SQLite file goes to
// the test's temp dir.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startRed } = require('../support/red-process');
const { watchStatus } = require('../support/red-status');
const { readExamples, asDeployed } = require('../support/example-flows');
const { AmiSimServer } = require('../../nodes/lib/sim/ami');

const root = path.resolve(__dirname, '..', '..');
const EXAMPLES = readExamples();

// The login of every ami-server an example ships (the convention of the examples).
const AMI_ENV = ['AMI_USER', 'AMI_SECRET'];
const QUIET_MS = 2000; // no new log line and no new status for this long: the flow has settled

/** External modules function nodes load (their Setup tab), present in our node_modules. */
function externalModules() {
  const names = new Set();
  for (const { flow } of EXAMPLES) for (const n of flow) for (const lib of n.type === 'function' ? n.libs || [] : []) names.add(lib.module);
  return [...names].filter((name) => fs.existsSync(path.join(root, 'node_modules', name, 'package.json')));
}

describe('every example deploys clean on a fresh Node-RED (a real Node-RED, every file in examples/)', function () {
  this.timeout(120000);
  let red;
  let watch;
  let tmp;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-every-example-'));
    // A fresh install: none of the variables the examples read is set.
    const env = Object.fromEntries(AMI_ENV.map((k) => [k, undefined]));
    red = await startRed({ externalModules: externalModules(), env });
    watch = await watchStatus(red.port);
  });

  after(async () => {
    if (watch) await watch.close();
    if (red) await red.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const logLines = () => red.log().split('\n');

  /** Resolves once neither the log nor any status has changed for QUIET_MS. */
  async function settled(deadlineMs = 30000) {
    const until = Date.now() + deadlineMs;
    let seen = `${logLines().length}/${watch.mark()}`;
    let since = Date.now();
    while (Date.now() - since < QUIET_MS) {
      if (Date.now() > until) throw new Error(`the flow did not settle within ${deadlineMs} ms:\n${red.log()}`);
      await new Promise((r) => setTimeout(r, 100));
      const now = `${logLines().length}/${watch.mark()}`;
      if (now !== seen) {
        seen = now;
        since = Date.now();
      }
    }
  }

  /**
   * Deploys `nodes`, waits for them to settle, reads the statuses, then stops
   * them (an empty deploy). Returns the warnings and errors logged from deploy
   * to stop, the red statuses shown, and each node's last status.
   */
  async function run(nodes) {
    const ids = new Set(nodes.map((n) => n.id));
    const fromLine = logLines().length;
    const fromStatus = watch.mark();
    await red.deploy(nodes);
    await settled();
    const last = new Map();
    for (const e of watch.events) if (e.seq > fromStatus && ids.has(e.id)) last.set(e.id, e);
    await red.deploy([]);
    await settled();
    const lines = logLines().slice(fromLine);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    return {
      problems: lines.filter((l) => /\[(warn|error)\]/.test(l)),
      red: watch.events.filter((e) => e.seq > fromStatus && ids.has(e.id) && e.fill === 'red').map((e) => `${byId.get(e.id).type} ${byId.get(e.id).name || e.id}: ${e.text}`),
      last,
      log: lines.join('\n'),
    };
  }

  for (const { file, flow } of EXAMPLES) {
    it(`${file}: no error, no warning, no red status`, async () => {
      const { nodes } = await asDeployed(flow, tmp);
      const r = await run(nodes);
      assert.deepEqual(r.problems, [], `${file}: warnings or errors in the log:\n${r.log}`);
      assert.deepEqual(r.red, [], `${file}: red statuses`);
      // An AMI source without its login waits, and says what for.
      for (const n of nodes.filter((x) => x.type === 'ami-cdr-in')) {
        const s = r.last.get(n.id);
        assert.deepEqual(s && { fill: s.fill, text: s.text }, { fill: 'grey', text: `waiting for the login: set ${AMI_ENV.join(', ')}` }, `${file}: ${n.name || n.id}`);
      }
    });
  }

  for (const { file, flow } of EXAMPLES.filter((e) => e.flow.some((n) => n.type === 'ami-server'))) {
    it(`${file}: with AMI_USER and AMI_SECRET set, each AMI source logs in (green, no error, no warning)`, async () => {
      const sim = new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } } });
      const port = await sim.listen(0, '127.0.0.1');
      try {
        const { nodes } = await asDeployed(flow, tmp);
        // The example's own ${AMI_USER} / ${AMI_SECRET}, untouched; only where the fake Asterisk listens.
        for (const s of nodes.filter((n) => n.type === 'ami-server')) {
          assert.deepEqual(s.credentials, { username: '${AMI_USER}', secret: '${AMI_SECRET}' }, `${file}: the login is read from the environment`);
          Object.assign(s, { host: '127.0.0.1', port: String(port) });
        }
        // Set as a user does in the editor (Menu ▸ Settings ▸ Environment: Node-RED's
        // global-config node). A tab's own variables do not reach a config node
        // outside the tab, as the examples' ami-server is.
        nodes.push({
          id: 'every-example-global-env',
          type: 'global-config',
          env: [
            { name: 'AMI_USER', value: 'cdruser', type: 'str' },
            { name: 'AMI_SECRET', value: 'cdrpass', type: 'str' },
          ],
          modules: {},
        });
        const r = await run(nodes);
        assert.deepEqual(r.problems, [], `${file}: warnings or errors in the log:\n${r.log}`);
        assert.deepEqual(r.red, [], `${file}: red statuses`);
        for (const n of nodes.filter((x) => x.type === 'ami-cdr-in')) assert.equal(r.last.get(n.id)?.fill, 'green', `${file}: ${n.name || n.id} logged in`);
        assert.match(r.log, new RegExp(`logged in to AMI at 127\\.0\\.0\\.1:${port} as cdruser`), 'logged in with the user Node-RED filled in');
      } finally {
        await sim.stop();
      }
    });
  }
});
