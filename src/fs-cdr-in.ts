import type { Node, NodeAPI, NodeDef } from 'node-red';
import { sourceEnv } from './lib/glue/source-node';
import { runFsSource, type FsCdrInDef, type FsCdrInNode } from './lib/source/fs-source';

interface Credentials {
  username?: string;
  password?: string;
}

/** Reads the settings and hands the node to the source layer, which does the rest. */
export = function register(RED: NodeAPI): void {
  function Run(this: Node<Credentials>, config: NodeDef & FsCdrInDef): void {
    RED.nodes.createNode(this, config);
    runFsSource(this as unknown as FsCdrInNode, config, sourceEnv(RED, 'fs-cdr-in'));
  }

  RED.nodes.registerType<Node<Credentials>, NodeDef & FsCdrInDef, unknown, Credentials>('fs-cdr-in', Run, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });
};
