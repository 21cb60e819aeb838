import type { TlsOptions } from 'node:tls';

/** The part of Node-RED's `tls-config` node a listener uses. */
export interface TlsConfigLike {
  addTLSOptions(options: Record<string, unknown>): void;
}

/** Server TLS options from a `tls-config` node; throws when it has no certificate and key. */
export function serverTlsOptions(tlsNode: TlsConfigLike): TlsOptions {
  const options: Record<string, unknown> = {};
  tlsNode.addTLSOptions(options);
  if (!options['cert'] || !options['key']) {
    throw new Error('the TLS configuration has no certificate and private key; a listener needs both');
  }
  return options as TlsOptions;
}
