import type { Node, NodeAPI, NodeDef } from 'node-red';
import { sourceEnv } from './lib/glue/source-node';
import { runVosSource, type VosCdrInDef, type VosCdrInNode } from './lib/source/vos-source';

/** Reads the settings and hands the node to the source layer, which does the rest. */
export = function register(RED: NodeAPI): void {
  function Run(this: Node, config: NodeDef & VosCdrInDef): void {
    RED.nodes.createNode(this, config);
    runVosSource(this as unknown as VosCdrInNode, config, sourceEnv(RED, 'vos-cdr-in'));
  }

  RED.nodes.registerType('vos-cdr-in', Run);
};
