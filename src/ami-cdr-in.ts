import type { Node, NodeAPI, NodeDef } from 'node-red';
import { sourceEnv } from './lib/glue/source-node';
import { runAmiSource, type AmiCdrInDef, type AmiCdrInNode } from './lib/source/ami-source';

/** Reads the settings and hands the node to the source layer, which does the rest. */
export = function register(RED: NodeAPI): void {
  function Run(this: Node, config: NodeDef & AmiCdrInDef): void {
    RED.nodes.createNode(this, config);
    runAmiSource(this as unknown as AmiCdrInNode, config, sourceEnv(RED, 'ami-cdr-in'));
  }

  RED.nodes.registerType('ami-cdr-in', Run);
};
