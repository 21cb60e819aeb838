import type { Node, NodeAPI, NodeDef } from 'node-red';
import { sourceEnv } from './lib/glue/source-node';
import { runGatewaySource, type GwCdrInDef, type GwCdrInNode } from './lib/source/gateway-source';

/** Reads the settings and hands the node to the source layer, which does the rest. */
export = function register(RED: NodeAPI): void {
  function Run(this: Node, config: NodeDef & GwCdrInDef): void {
    RED.nodes.createNode(this, config);
    runGatewaySource(this as unknown as GwCdrInNode, config, sourceEnv(RED, 'gw-cdr-in'));
  }

  RED.nodes.registerType('gw-cdr-in', Run);
};
