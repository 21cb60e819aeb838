/**
 * Whether a cdr-ack is reachable from a source in the deployed flows, over the
 * node configs that RED.nodes.eachNode yields (the deployed JSON, one object per
 * node, tab, subflow definition, group and config node).
 *
 * A source waits for cdr-ack only when this says so: a source whose messages
 * can never reach a cdr-ack would otherwise be re-sent for ever and fill its
 * journal. A message can go on from a node by:
 * - its wires (every output);
 * - a link out's `links` (link in nodes); a link out in "return" mode goes back
 *   to a link call, which then sends on its own outputs;
 * - a link call's `links` (a dynamic link call: any link in, its target being
 *   known only per message);
 * - the error path: a catch node of the node's tab or subflow whose scope takes
 *   the node (all, an explicit list, or the node's group); and a complete node
 *   listing the node (done() with the message);
 * - a subflow instance: every node of its definition counts (a cdr-ack anywhere
 *   inside is reachable), then the instance's outputs; an error not caught
 *   inside goes on as the instance's own.
 * Disabled nodes, and nodes on a disabled tab, pass nothing on.
 */

/** One node config as the runtime has it: any field may be missing or of any type. */
export type FlowNodeConfig = { readonly [key: string]: unknown };

export type AckReach = 'reachable' | 'unreachable' | 'unknown';

const SUBFLOW_TYPE = /^subflow:(.+)$/;

interface Graph {
  byId: Map<string, FlowNodeConfig>;
  /** Node ids by their tab or subflow (z). */
  byZ: Map<string, string[]>;
  /** Instances of each subflow definition. */
  instances: Map<string, string[]>;
  disabledTabs: Set<string>;
  subflowDefs: Set<string>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The ids of a list of ids (a link's `links`, a catch's `scope`), missing or malformed ones left out. */
function idList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Every target of every output of a node. */
function wiresOf(n: FlowNodeConfig): string[] {
  const out: string[] = [];
  if (!Array.isArray(n['wires'])) return out;
  for (const port of n['wires'] as unknown[]) out.push(...idList(port));
  return out;
}

function listAt(m: Map<string, string[]>, key: string): string[] {
  let list = m.get(key);
  if (!list) m.set(key, (list = []));
  return list;
}

function graphOf(nodes: Iterable<FlowNodeConfig>): Graph {
  const g: Graph = { byId: new Map(), byZ: new Map(), instances: new Map(), disabledTabs: new Set(), subflowDefs: new Set() };
  for (const n of nodes) {
    const id = str(n['id']);
    if (!id) continue;
    g.byId.set(id, n);
    if (n['type'] === 'tab' && n['disabled'] === true) g.disabledTabs.add(id);
    if (n['type'] === 'subflow') g.subflowDefs.add(id);
    // No z: the helper's test flows, and the runtime runs them as one flow.
    const z = str(n['z']) ?? '';
    listAt(g.byZ, z).push(id);
    const sub = SUBFLOW_TYPE.exec(typeof n['type'] === 'string' ? n['type'] : '');
    if (sub) listAt(g.instances, sub[1]!).push(id);
  }
  return g;
}

/** A node that runs: a flow node (not a tab, subflow definition or group), not disabled, not on a disabled tab. */
function active(g: Graph, n: FlowNodeConfig | undefined): n is FlowNodeConfig {
  if (!n || n['d'] === true) return false;
  if (n['type'] === 'tab' || n['type'] === 'subflow' || n['type'] === 'group') return false;
  const z = str(n['z']);
  return z === undefined || !g.disabledTabs.has(z);
}

/** Whether a catch node's group holds the node, directly or through nested groups. */
function inGroup(g: Graph, node: FlowNodeConfig, group: string): boolean {
  const seen = new Set<string>();
  let at = str(node['g']);
  while (at && !seen.has(at)) {
    if (at === group) return true;
    seen.add(at);
    at = str(g.byId.get(at)?.['g']);
  }
  return false;
}

/** The catch and complete nodes that take what `node` raises or completes. */
function handlersOf(g: Graph, node: FlowNodeConfig, id: string): string[] {
  const out: string[] = [];
  for (const hid of g.byZ.get(str(node['z']) ?? '') ?? []) {
    const h = g.byId.get(hid)!;
    if (h['type'] === 'complete') {
      if (idList(h['scope']).includes(id)) out.push(hid);
    } else if (h['type'] === 'catch') {
      const scope = h['scope'];
      if (Array.isArray(scope)) {
        if (idList(scope).includes(id)) out.push(hid);
      } else if (scope === 'group') {
        // As the runtime does: a group catch outside any group takes the whole flow.
        const group = str(h['g']);
        if (!group || inGroup(g, node, group)) out.push(hid);
      } else {
        // All nodes of the tab (null), and "uncaught" ones: counted, as the error may be uncaught.
        out.push(hid);
      }
    }
  }
  return out;
}

/**
 * Whether a cdr-ack is reachable from any of `fromIds` (a node's id, and for a
 * node inside a subflow its id in the definition). 'unknown' when none of them
 * is in the flows (a library user's own list, say).
 */
export function ackReach(nodes: Iterable<FlowNodeConfig>, fromIds: readonly string[]): AckReach {
  const g = graphOf(nodes);
  const starts = fromIds.filter((id) => g.byId.has(id));
  if (starts.length === 0) return 'unknown';
  // Two kinds of visit: "native" (the message truly is here: a subflow's outputs
  // and uncaught errors go on to every instance) and "inside" (reached by
  // entering one instance, whose outputs are followed already).
  const seen = { native: new Set<string>(), inside: new Set<string>() };
  const queue: Array<{ id: string; inside: boolean }> = starts.map((id) => ({ id, inside: false }));
  const calls = new Set<string>();
  let returns = false;
  const returned = new Set<string>();
  const push = (id: string, inside: boolean): void => {
    if (!seen.native.has(id) && !(inside && seen.inside.has(id))) queue.push({ id, inside });
  };

  for (;;) {
    const item = queue.pop();
    if (!item) {
      // A return link out: back to every link call reached, on its outputs.
      if (!returns) break;
      for (const c of calls) {
        if (returned.has(c)) continue;
        returned.add(c);
        for (const t of wiresOf(g.byId.get(c)!)) push(t, false);
      }
      if (queue.length === 0) break;
      continue;
    }
    const { id, inside } = item;
    if (seen.native.has(id) || (inside && seen.inside.has(id))) continue;
    (inside ? seen.inside : seen.native).add(id);
    const n = g.byId.get(id);
    if (!active(g, n)) continue;
    const type = typeof n['type'] === 'string' ? n['type'] : '';
    if (type === 'cdr-ack') return 'reachable';

    // A link call's outputs carry only what comes back from a return link out (below).
    if (type !== 'link call') for (const t of wiresOf(n)) push(t, inside);
    if (type === 'link out') {
      if (n['mode'] === 'return') returns = true;
      else for (const t of idList(n['links'])) push(t, inside);
    } else if (type === 'link call') {
      calls.add(id);
      if (n['linkType'] === 'dynamic') {
        for (const [lid, l] of g.byId) if (l['type'] === 'link in') push(lid, inside);
      } else {
        for (const t of idList(n['links'])) push(t, inside);
      }
    }
    const sub = SUBFLOW_TYPE.exec(type);
    if (sub) for (const inner of g.byZ.get(sub[1]!) ?? []) push(inner, true);
    for (const h of handlersOf(g, n, id)) push(h, inside);

    // Inside a subflow definition, reached natively: out ports and uncaught errors go on from each instance.
    const z = str(n['z']);
    if (!inside && z && g.subflowDefs.has(z)) {
      const def = g.byId.get(z)!;
      const ports = Array.isArray(def['out']) ? (def['out'] as unknown[]) : [];
      for (const inst of g.instances.get(z) ?? []) {
        const instNode = g.byId.get(inst)!;
        if (!active(g, instNode)) continue;
        const instWires = Array.isArray(instNode['wires']) ? (instNode['wires'] as unknown[]) : [];
        ports.forEach((port, i) => {
          const from = port !== null && typeof port === 'object' ? (port as { wires?: unknown }).wires : undefined;
          const fed = Array.isArray(from) && from.some((w) => w !== null && typeof w === 'object' && (w as { id?: unknown }).id === id);
          if (fed) for (const t of idList(instWires[i])) push(t, false);
        });
        for (const h of handlersOf(g, instNode, inst)) push(h, false);
      }
    }
  }
  return 'unreachable';
}

/** Whether the flows hold any cdr-ack that runs (the rule when the source is not found in them). */
export function anyCdrAck(nodes: Iterable<FlowNodeConfig>): boolean {
  const list = [...nodes];
  const g = graphOf(list);
  return list.some((n) => n['type'] === 'cdr-ack' && active(g, n));
}
