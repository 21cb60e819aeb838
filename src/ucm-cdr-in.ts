import type { Node, NodeAPI, NodeDef } from 'node-red';
import { sourceEnv } from './lib/glue/source-node';
import { runUcmSource, type UcmCdrInDef, type UcmSourceNode } from './lib/source/ucm-source';

interface UcmCredentials {
  username?: string;
  password?: string;
}

/** Reads the settings and hands the node to the source layer, which does the rest. */
export = function register(RED: NodeAPI): void {
  function UcmCdrIn(this: Node<UcmCredentials>, config: NodeDef & UcmCdrInDef): void {
    RED.nodes.createNode(this, config);
    runUcmSource(this as unknown as UcmSourceNode, config, sourceEnv(RED, 'ucm-cdr-in'));
  }

  RED.nodes.registerType<Node<UcmCredentials>, NodeDef & UcmCdrInDef, unknown, UcmCredentials>('ucm-cdr-in', UcmCdrIn, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });
};
