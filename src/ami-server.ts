import type { ConnectionOptions } from 'node:tls';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { AmiMessage } from './lib/formats/ami';
import { AmiStateLog, amiItemOf, IsoClock } from './lib/glue/ami-events';
import { amiEventChoice, amiStatus, checkAmiServerSettings, unsetLoginVariables, type AmiServerCredentials, type AmiEventChoice } from './lib/glue/ami-settings';
import type { StatusLike } from './lib/glue/status';
import type { AmiServerApi, AmiServerUser } from './lib/glue/ami-users';
import { AmiClient, type AmiStatus } from './lib/transport/ami-client';

interface AmiServerDef extends NodeDef {
  host: string;
  port: string | number;
  useTls?: boolean;
  tls?: string;
  events?: AmiEventChoice;
  pingSec?: string | number;
  pingTimeoutSec?: string | number;
  backoffMaxSec?: string | number;
}

interface AmiServerNode extends Node<AmiServerCredentials>, AmiServerApi {
  /** The client of the current connection (tests and the bench read its counters). */
  client: AmiClient | null;
}

export = function register(RED: NodeAPI): void {
  function AmiServer(this: AmiServerNode, config: AmiServerDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string, params?: Record<string, string | number>): string => RED._(`ami-server.${key}`, params);
    const users = new Set<AmiServerUser>();
    let closing: Promise<void> = Promise.resolve();
    let last: AmiStatus = { state: 'idle', attempt: 0 };

    let tls: ConnectionOptions | undefined;
    const problems: string[] = [];
    if (config.useTls) {
      tls = {};
      const tlsNode = config.tls ? (RED.nodes.getNode(config.tls) as unknown as { addTLSOptions?(o: Record<string, unknown>): void } | null) : null;
      if (config.tls && !tlsNode?.addTLSOptions) problems.push(t('errors.no-tls'));
      tlsNode?.addTLSOptions?.(tls as Record<string, unknown>);
    }
    const checked = checkAmiServerSettings(config, node.credentials ?? {}, tls);
    if (!checked.ok) for (const p of checked.problems) problems.push(p.detail);

    node.host = String(config.host ?? '').trim();
    node.port = Number(config.port) || 5038;
    node.pbx = config.name?.trim() || `${node.host}:${node.port}`;
    node.tlsEnabled = config.useTls === true;
    node.events = amiEventChoice(config.events) ?? 'cdr';
    node.problems = problems;
    node.client = null;
    const label = `${node.host}:${node.port}`;
    for (const p of problems) node.error(t('errors.setting', { detail: p }));
    // A login given as ${AMI_USER} / ${AMI_SECRET} whose variables are not set
    // (an example imported as shipped): nothing is wrong yet, it waits for them.
    const unset = problems.length === 0 ? unsetLoginVariables(node.credentials ?? {}) : [];
    if (unset.length > 0) node.log(t('log.unset-login', { label, names: unset.join(', ') }));

    const render = (s: AmiStatus) => (counts: string): StatusLike => amiStatus(s, label, counts, t);
    const push = (s: AmiStatus): void => {
      last = s;
      for (const u of users) u.connection(render(s), s);
    };

    const stateLog = new AmiStateLog({
      connected: () => node.log(t('log.connected', { label, user: node.credentials?.username ?? '' })),
      loginFailed: (reason) => node.error(t('log.login-failed', { label, reason })),
      disconnected: (reason) => node.warn(t('log.disconnected', { label, reason })),
    });
    const clock = new IsoClock();

    const dispatch = (m: AmiMessage): void => {
      const item = amiItemOf(m);
      if (item === null) return;
      const receivedAt = clock.now();
      for (const u of users) {
        try {
          u.item(item, receivedAt);
        } catch (err) {
          node.error(t('errors.internal', { reason: (err as Error).message }));
        }
      }
    };

    const connect = (): void => {
      if (!checked.ok || problems.length > 0 || unset.length > 0 || node.client) return;
      const client = new AmiClient(checked.value.options);
      node.client = client;
      client.on('status', (s) => {
        stateLog.record(s);
        push(s);
      });
      client.on('event', dispatch);
      client.on('frame-error', (err, raw) => {
        for (const u of users) u.item({ kind: 'bad', eventName: '', raw, reason: err.message }, clock.now());
      });
      client.start();
    };

    const disconnect = (): Promise<void> => {
      const client = node.client;
      node.client = null;
      if (!client) return closing;
      client.removeAllListeners('event');
      closing = client.close().then(() => {
        stateLog.reset();
        node.log(t('log.closed', { label }));
      });
      return closing;
    };

    node.register = (user: AmiServerUser): void => {
      users.add(user);
      if (problems.length > 0) {
        user.connection(() => ({ fill: 'red', shape: 'ring', text: t('status.bad-settings') }), { state: 'idle', attempt: 0 });
        return;
      }
      if (unset.length > 0) {
        user.connection(() => ({ fill: 'grey', shape: 'ring', text: t('status.unset-login', { names: unset.join(', ') }) }), { state: 'idle', attempt: 0 });
        return;
      }
      // A node redeployed while the last connection still closes waits for it: one connection at a time.
      if (users.size === 1 && !node.client) void closing.then(() => { if (users.size > 0) connect(); });
      else user.connection(render(last), last);
    };

    node.deregister = (user: AmiServerUser, done: () => void): void => {
      users.delete(user);
      if (users.size > 0) {
        done();
        return;
      }
      disconnect().then(done, done);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      users.clear();
      disconnect().then(() => done(), () => done());
    });
  }

  RED.nodes.registerType<AmiServerNode, AmiServerDef, unknown, AmiServerCredentials>('ami-server', AmiServer, {
    credentials: {
      username: { type: 'text' },
      secret: { type: 'password' },
    },
  });
};
