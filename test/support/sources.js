'use strict';
// Simulated PBX traffic for an example flow run in a real Node-RED
// (red-process.js): every source node of the flow gets a free port on
// 127.0.0.1, the fake Asterisk (AmiSimServer) listens for the flow's
// ami-server, and each simulator of nodes/lib/sim sends a bounded, seeded
// batch of records to its source node. A batch can be sent again (a PBX
// resending after an outage): same records, same ids.
//
//   const sources = await startSources(exampleFlow);  // sources.flow: the flow to deploy
//   await red.deploy(sources.flow);
//   await sources.ready();                             // every source listens, AMI logged in
//   const batch = sources.traffic({ seed: 1, count: 10 });
//   await batch.send();                                // batch.legs: records per vendor
//   await batch.send();                                // the same records again
//   await sources.close();
const path = require('node:path');
const { freePort, accepting } = require('./net');

const lib = path.join(__dirname, '..', '..', 'nodes', 'lib', 'sim');
const { UcmGenerator, UcmSender } = require(path.join(lib, 'ucm.js'));
const { FsCallGenerator, postBody, toXml } = require(path.join(lib, 'freeswitch.js'));
const { postWithRetry } = require(path.join(lib, 'freeswitch-send.js'));
const { generateCalls, formatLine, sendTcp } = require(path.join(lib, 'vos.js'));
const { formatWall, generateGatewayTraffic, sendGatewayTcp } = require(path.join(lib, 'gateway.js'));
const { AmiSimServer } = require(path.join(lib, 'ami.js'));

const HOST = '127.0.0.1';
const AMI_USER = { username: 'cdruser', secret: 'cdrpass' };
const nap = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Gives every source node of `flow` (a copy; the argument is not changed) a
 * free port on 127.0.0.1 and starts the fake Asterisk its ami-server logs in to.
 */
async function startSources(flow, { deadlineMs = 20000 } = {}) {
  const nodes = JSON.parse(JSON.stringify(flow));
  const of = (type) => nodes.filter((n) => n.type === type);
  const listening = []; // { what, port }
  for (const n of of('ucm-cdr-in')) {
    Object.assign(n, { host: HOST, port: String(await freePort()), transport: 'tcp', useTls: false, allow: '' });
    listening.push({ what: `ucm-cdr-in ${n.id}`, port: Number(n.port) });
  }
  for (const n of of('fs-cdr-in')) {
    Object.assign(n, { mode: 'http', host: HOST, port: String(await freePort()), path: '', useTls: false, allow: '' });
    listening.push({ what: `fs-cdr-in ${n.id}`, port: Number(n.port) });
  }
  for (const n of of('vos-cdr-in')) {
    Object.assign(n, { tcp: true, udp: false, host: HOST, tcpPort: String(await freePort()), useTls: false, allow: '' });
    listening.push({ what: `vos-cdr-in ${n.id}`, port: Number(n.tcpPort) });
  }
  for (const n of of('gw-cdr-in')) {
    Object.assign(n, { transport: 'tcp', host: HOST, port: String(await freePort()), allow: '' });
    listening.push({ what: `gw-cdr-in ${n.id}`, port: Number(n.port) });
  }
  const amiServers = of('ami-server').filter((s) => of('ami-cdr-in').some((n) => n.server === s.id));
  let ami = null;
  if (amiServers.length > 0) {
    ami = new AmiSimServer({ users: { [AMI_USER.username]: { secret: AMI_USER.secret, read: 'cdr,call,system' } }, timeZone: 'UTC' });
    const port = await ami.listen(0, HOST);
    for (const s of amiServers) {
      // A short reconnect backoff: the fake Asterisk is there from the start.
      Object.assign(s, { host: HOST, port: String(port), useTls: false, backoffMaxSec: '2' });
      s.credentials = { ...AMI_USER };
    }
  }

  const has = (type) => of(type).length > 0;
  const vendors = [
    has('ucm-cdr-in') && 'ucm',
    has('fs-cdr-in') && 'freeswitch',
    has('vos-cdr-in') && 'vos3000',
    has('gw-cdr-in') && 'gateway',
    ami && 'asterisk',
  ].filter(Boolean);

  /** Resolves once every source node accepts connections and the flow's ami-server has logged in. */
  const ready = async () => {
    const until = Date.now() + deadlineMs;
    const waiting = new Set(listening);
    for (;;) {
      for (const l of [...waiting]) if (await accepting(l.port)) waiting.delete(l);
      const amiDown = ami && ami.loggedIn < amiServers.length;
      if (waiting.size === 0 && !amiDown) return;
      if (Date.now() > until) {
        const what = [...waiting].map((l) => `${l.what} (port ${l.port})`);
        if (amiDown) what.push(`ami-server login (${ami.loggedIn} of ${amiServers.length})`);
        throw new Error(`sources not ready within ${deadlineMs} ms: ${what.join(', ')}`);
      }
      await nap(100);
    }
  };

  /**
   * A batch of `count` calls per vendor, generated once from `seed` with call
   * times from `startMs` on: `send()` delivers it (again on each call);
   * `legs[vendor]` is how many Cdr legs it makes, `calls[vendor]` how many calls.
   * The same options give the same records (and ids) again; another seed and
   * startMs give other ids.
   */
  const traffic = ({ seed = 1, count = 10, startMs = Date.UTC(2026, 0, 5, 9, 0, 0) } = {}) => {
    const legs = {};
    const calls = {};
    const senders = []; // [vendor, send]

    if (has('ucm-cdr-in')) {
      const gen = new UcmGenerator({ seed, startMs, firstAcctId: 100000 + seed * 10000 });
      const records = Array.from({ length: count }, () => gen.next('leg'));
      legs.ucm = calls.ucm = records.length;
      for (const n of of('ucm-cdr-in')) {
        senders.push(['ucm', async () => {
          const sender = new UcmSender({ transport: 'tcp', host: HOST, port: Number(n.port), format: 'json', bufferLimit: records.length });
          try {
            for (const r of records) await sender.send(r);
          } finally {
            await sender.close();
          }
          if (sender.stats.sent !== records.length) throw new Error(`ucm: ${sender.stats.sent} of ${records.length} sent`);
        }]);
      }
    }

    if (has('fs-cdr-in')) {
      const gen = new FsCallGenerator({ seed, startMs });
      const docs = [];
      for (let i = 0; i < count; i++) {
        const call = gen.call();
        for (const rec of call.b ? [call.a, call.b] : [call.a]) {
          docs.push({ uuid: rec.variables.uuid, doc: toXml(rec) });
        }
      }
      legs.freeswitch = docs.length;
      calls.freeswitch = count;
      for (const n of of('fs-cdr-in')) {
        senders.push(['freeswitch', async () => {
          for (const { uuid, doc } of docs) {
            const { body, contentType } = postBody(doc, 'xml', 'base64');
            const r = await postWithRetry({ url: `http://${HOST}:${n.port}/cdr`, body, contentType, uuid, format: 'xml', document: doc, retries: 2, delayMs: 200 });
            if (!r.ok) throw new Error(`freeswitch: POST of ${uuid} failed (status ${r.status})`);
          }
        }]);
      }
    }

    if (has('vos-cdr-in')) {
      const lines = generateCalls(count, { startMs, cps: 0.2, seed }).map((c) => formatLine(c, { timeFormat: 'ms' }));
      legs.vos3000 = calls.vos3000 = lines.length;
      for (const n of of('vos-cdr-in')) {
        senders.push(['vos3000', async () => {
          const sent = await sendTcp(lines, { host: HOST, port: Number(n.tcpPort) });
          if (sent !== lines.length) throw new Error(`vos3000: ${sent} of ${lines.length} lines sent`);
        }]);
      }
    }

    if (has('gw-cdr-in')) {
      const gw = generateGatewayTraffic({ calls: count, seed, start: formatWall(startMs), log: true });
      legs.gateway = calls.gateway = gw.calls.filter((c) => c.ends).length;
      for (const n of of('gw-cdr-in')) {
        senders.push(['gateway', () => sendGatewayTcp(gw.lines, { host: HOST, port: Number(n.port) })]);
      }
    }

    if (ami) {
      // The fake Asterisk's own generator, on a copy whose UniqueID counter
      // starts from the seed: the same seed gives the same events (and ids).
      // Each call ends a minute after the one before.
      const gen = new AmiSimServer({ timeZone: 'UTC' });
      gen.counter = seed * 100000;
      const events = [];
      for (let i = 0; i < count; i++) events.push(gen.nextCdr(startMs + (i + 1) * 60000));
      legs.asterisk = calls.asterisk = events.length;
      senders.push(['asterisk', async () => {
        for (const fields of events) {
          const got = ami.sendCdr(fields);
          if (got < amiServers.length) throw new Error(`asterisk: a Cdr event reached ${got} of ${amiServers.length} AMI sessions`);
        }
      }]);
    }

    return {
      legs,
      calls,
      /**
       * Sends the records of every vendor, or of `only` those (the simulators
       * run side by side); resolves when all were handed over.
       */
      send: async ({ only = null } = {}) => {
        await Promise.all(senders.filter(([v]) => !only || only.includes(v)).map(([, s]) => s()));
      },
    };
  };

  const close = async () => {
    if (ami) await ami.stop();
  };

  return { flow: nodes, vendors, ready, traffic, close, ami, amiCredentials: { ...AMI_USER } };
}

module.exports = { startSources };
