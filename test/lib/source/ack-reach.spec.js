'use strict';
// Which sources wait for cdr-ack: only those a cdr-ack is reachable from, over
// hand-written flows shaped as RED.nodes.eachNode yields them (the deployed
// JSON: tabs, subflow definitions, groups and nodes side by side).
const assert = require('node:assert/strict');
const { ackReach, anyCdrAck } = require('../../../nodes/lib/source/ack-reach');
const { ackModeOf } = require('../../../nodes/lib/glue/journal-settings');

const tab = (id, extra = {}) => ({ id, type: 'tab', label: id, disabled: false, ...extra });
const node = (id, type, wires = [], extra = {}) => ({ id, type, z: 't1', x: 10, y: 10, wires, ...extra });
const reach = (flow, from = 'src') => ackReach(flow, [from]);

describe('ack-reach: a cdr-ack reachable from a source', () => {
  it('follows wires of every output, several hops on', () => {
    const flow = [tab('t1'), node('src', 'fs-cdr-in', [['n1']]), node('n1', 'cdr-normalize', [[], ['db']]), node('db', 'sqlite', [['ack']]), node('ack', 'cdr-ack')];
    assert.equal(reach(flow), 'reachable');
  });

  it('two sources, a cdr-ack after only one of them: the other does not reach it', () => {
    const flow = [tab('t1'), tab('t2'), node('a', 'fs-cdr-in', [['db']]), node('db', 'sqlite', [['ack']]), node('ack', 'cdr-ack'), node('b', 'ucm-cdr-in', [['dbg']], { z: 't2' }), node('dbg', 'debug', [], { z: 't2' })];
    assert.equal(reach(flow, 'a'), 'reachable');
    assert.equal(reach(flow, 'b'), 'unreachable');
  });

  it('a cdr-ack on the same tab but not wired after the source does not count', () => {
    const flow = [tab('t1'), node('src', 'fs-cdr-in', [['dbg']]), node('dbg', 'debug'), node('other', 'inject', [['ack']]), node('ack', 'cdr-ack')];
    assert.equal(reach(flow), 'unreachable');
  });

  it('ends at a cycle and at missing targets without looping', () => {
    const flow = [tab('t1'), node('src', 'fs-cdr-in', [['a', 'gone']]), node('a', 'function', [['b']]), node('b', 'function', [['a', 'nowhere']])];
    assert.equal(reach(flow), 'unreachable');
    flow.push(node('c', 'cdr-ack'));
    flow[3].wires[0].push('c');
    assert.equal(reach(flow), 'reachable');
  });

  it('passes nothing through a disabled node, and a disabled cdr-ack does not count', () => {
    const base = () => [tab('t1'), node('src', 'fs-cdr-in', [['mid']]), node('mid', 'function', [['ack']]), node('ack', 'cdr-ack')];
    assert.equal(reach(base()), 'reachable');
    const offMid = base();
    offMid[2].d = true;
    assert.equal(reach(offMid), 'unreachable');
    const offAck = base();
    offAck[3].d = true;
    assert.equal(reach(offAck), 'unreachable');
  });

  it('a cdr-ack on a disabled tab does not count', () => {
    const flow = [tab('t1'), tab('t2', { disabled: true }), node('src', 'fs-cdr-in', [['lo']]), node('lo', 'link out', [], { mode: 'link', links: ['li'] }), node('li', 'link in', [['ack']], { z: 't2' }), node('ack', 'cdr-ack', [], { z: 't2' })];
    assert.equal(reach(flow), 'unreachable');
    flow[1].disabled = false;
    assert.equal(reach(flow), 'reachable');
  });

  it('goes through link out → link in, across tabs; a link loop ends', () => {
    const flow = [
      tab('t1'),
      tab('t2'),
      node('src', 'vos-cdr-in', [['lo']]),
      node('lo', 'link out', [], { mode: 'link', links: ['li'] }),
      node('li', 'link in', [['lo2']], { z: 't2' }),
      // A loop: the far side links back to the first tab's link in.
      node('lo2', 'link out', [], { z: 't2', mode: 'link', links: ['back'] }),
      node('back', 'link in', [['lo']]),
    ];
    assert.equal(reach(flow), 'unreachable');
    flow.push(node('ack', 'cdr-ack', [], { z: 't2' }));
    flow[4].wires[0].push('ack');
    assert.equal(reach(flow), 'reachable');
  });

  it('link call → its link in, and back from a return link out to the call, then on from the call', () => {
    const flow = [
      tab('t1'),
      node('src', 'ucm-cdr-in', [['call']]),
      node('call', 'link call', [['ack']], { links: ['li'], linkType: 'static' }),
      node('li', 'link in', [['sink']]),
      node('sink', 'function', [['ret']]),
      node('ret', 'link out', [], { mode: 'return', links: [] }),
      node('ack', 'cdr-ack'),
    ];
    assert.equal(reach(flow), 'reachable');
    // Without the return, nothing comes back to the call's output.
    const noReturn = flow.map((n) => (n.id === 'sink' ? { ...n, wires: [[]] } : n));
    assert.equal(reach(noReturn), 'unreachable');
    // A cdr-ack inside the called flow counts as well.
    const inside = noReturn.map((n) => (n.id === 'sink' ? { ...n, wires: [['ack']] } : n));
    assert.equal(reach(inside), 'reachable');
  });

  it('a dynamic link call may reach any link in', () => {
    const flow = [tab('t1'), tab('t2'), node('src', 'ucm-cdr-in', [['call']]), node('call', 'link call', [[]], { links: [], linkType: 'dynamic' }), node('li', 'link in', [['ack']], { z: 't2', name: 'sink' }), node('ack', 'cdr-ack', [], { z: 't2' })];
    assert.equal(reach(flow), 'reachable');
  });

  describe('the error path (catch) and complete', () => {
    // The Refused=catch pattern: cdr-calc raises the record; catch → dead-letter → cdr-ack.
    const flow = (catchExtra, catchZ = 't1') => [
      tab('t1'),
      tab('t2'),
      node('src', 'fs-cdr-in', [['calc']]),
      node('calc', 'cdr-calc', [['dbg']]),
      node('dbg', 'debug'),
      node('c', 'catch', [['dead']], { z: catchZ, scope: null, uncaught: false, ...catchExtra }),
      node('dead', 'file', [['ack']], { z: catchZ }),
      node('ack', 'cdr-ack', [], { z: catchZ }),
    ];

    it('a catch of all nodes of the tab', () => assert.equal(reach(flow({})), 'reachable'));
    it('a catch with a scope list holding a reachable node', () => assert.equal(reach(flow({ scope: ['calc'] })), 'reachable'));
    it('a catch with a scope list of other nodes does not count', () => assert.equal(reach(flow({ scope: ['someone'] })), 'unreachable'));
    it('a catch of uncaught errors counts', () => assert.equal(reach(flow({ uncaught: true })), 'reachable'));
    it('a catch on another tab does not count', () => assert.equal(reach(flow({}, 't2')), 'unreachable'));
    it('a disabled catch does not count', () => assert.equal(reach(flow({ d: true })), 'unreachable'));

    it('a catch scoped to its group catches the nodes of that group and of groups inside it', () => {
      const f = flow({ scope: 'group', g: 'outer' });
      f.push({ id: 'outer', type: 'group', z: 't1', nodes: ['c', 'inner'] }, { id: 'inner', type: 'group', z: 't1', g: 'outer', nodes: ['calc'] });
      assert.equal(reach(f), 'unreachable');
      f.find((n) => n.id === 'calc').g = 'inner';
      assert.equal(reach(f), 'reachable');
      // A group catch that is in no group takes the whole flow, as the runtime has it.
      assert.equal(reach(flow({ scope: 'group' })), 'reachable');
    });

    it('a complete node listing a reachable node', () => {
      const f = [tab('t1'), node('src', 'fs-cdr-in', [['db']]), node('db', 'sqlite'), node('done', 'complete', [['ack']], { scope: ['db'] }), node('ack', 'cdr-ack')];
      assert.equal(reach(f), 'reachable');
      f[3].scope = ['other'];
      assert.equal(reach(f), 'unreachable');
    });
  });

  describe('subflows', () => {
    const def = (extra = {}) => ({ id: 'sf', type: 'subflow', name: 'sink', in: [{ x: 0, y: 0, wires: [{ id: 'in1' }] }], out: [{ x: 0, y: 0, wires: [{ id: 'in1', port: 0 }] }], ...extra });

    it('a cdr-ack anywhere inside a reachable instance counts', () => {
      const flow = [tab('t1'), def(), node('in1', 'function', [[]], { z: 'sf' }), node('ack', 'cdr-ack', [], { z: 'sf' }), node('src', 'fs-cdr-in', [['inst']]), node('inst', 'subflow:sf', [[]])];
      assert.equal(reach(flow), 'reachable');
      flow[5].d = true;
      assert.equal(reach(flow), 'unreachable');
    });

    it('goes on from an instance’s outputs; a second instance does not bring the first’s targets', () => {
      const flow = [
        tab('t1'),
        def(),
        node('in1', 'function', [[]], { z: 'sf' }),
        node('a', 'fs-cdr-in', [['i1']]),
        node('i1', 'subflow:sf', [['dbg']]),
        node('dbg', 'debug'),
        node('b', 'fs-cdr-in', [['i2']]),
        node('i2', 'subflow:sf', [['ack']]),
        node('ack', 'cdr-ack'),
      ];
      assert.equal(reach(flow, 'a'), 'unreachable');
      assert.equal(reach(flow, 'b'), 'reachable');
    });

    it('nested subflows: a cdr-ack in a subflow used inside a subflow', () => {
      const flow = [tab('t1'), def(), { id: 'sf2', type: 'subflow', in: [], out: [] }, node('in1', 'subflow:sf2', [[]], { z: 'sf' }), node('ack', 'cdr-ack', [], { z: 'sf2' }), node('src', 'fs-cdr-in', [['inst']]), node('inst', 'subflow:sf', [[]])];
      assert.equal(reach(flow), 'reachable');
    });

    it('a source inside a subflow (found by its id in the definition): out port → each instance’s output', () => {
      const flow = [
        tab('t1'),
        { id: 'sf', type: 'subflow', in: [], out: [{ wires: [{ id: 'n1', port: 0 }] }, { wires: [] }] },
        node('src', 'fs-cdr-in', [['n1']], { z: 'sf' }),
        node('n1', 'function', [[]], { z: 'sf' }),
        node('inst', 'subflow:sf', [['dbg'], ['ack']]),
        node('dbg', 'debug'),
        node('ack', 'cdr-ack'),
      ];
      assert.equal(ackReach(flow, ['generated-instance-id', 'src']), 'unreachable');
      flow[4].wires = [['ack'], []];
      assert.equal(ackReach(flow, ['generated-instance-id', 'src']), 'reachable');
    });

    it('an error inside a subflow goes on as the instance’s: a catch of the instance’s tab', () => {
      const flow = [
        tab('t1'),
        { id: 'sf', type: 'subflow', in: [], out: [] },
        node('src', 'fs-cdr-in', [['n1']], { z: 'sf' }),
        node('n1', 'cdr-calc', [[]], { z: 'sf' }),
        node('inst', 'subflow:sf', []),
        node('c', 'catch', [['ack']], { scope: ['inst'] }),
        node('ack', 'cdr-ack'),
      ];
      assert.equal(ackReach(flow, ['x', 'src']), 'reachable');
    });
  });

  it('unknown when the source is not in the flows', () => {
    assert.equal(reach([tab('t1'), node('ack', 'cdr-ack')], 'src'), 'unknown');
    assert.equal(anyCdrAck([tab('t1'), node('ack', 'cdr-ack')]), true);
    assert.equal(anyCdrAck([tab('t1', { disabled: true }), node('ack', 'cdr-ack')]), false);
  });

  it('ackModeOf: downstream only for the source a cdr-ack is reachable from; unknown sources keep the old rule', () => {
    const flow = [tab('t1'), node('a', 'fs-cdr-in', [['ack']]), node('ack', 'cdr-ack'), node('b', 'fs-cdr-in', [['dbg']]), node('dbg', 'debug')];
    const eachNode = (cb) => flow.forEach(cb);
    assert.equal(ackModeOf(eachNode, ['a']), 'downstream');
    assert.equal(ackModeOf(eachNode, ['b']), 'sent');
    assert.equal(ackModeOf(eachNode, ['lib-user']), 'downstream');
    assert.equal(ackModeOf((cb) => cb({ type: 'debug' }), ['lib-user']), 'sent');
  });
});
