/** Anything that binds a port: TcpServer, UdpSocket, HttpReceiver. */
export interface Listenable {
  listen(): Promise<{ address: string; port: number }>;
}

export interface KeepListeningHooks {
  /** Before each attempt. */
  onStarting?(): void;
  onListening(port: number): void;
  /** An attempt failed; another follows after the retry delay. `inUse`: the port is taken. */
  onFailed(err: NodeJS.ErrnoException, inUse: boolean): void;
}

export const RETRY_LISTEN_MS = 5000;

/**
 * Binds `server`, retrying every `retryMs` while it fails (a port still held by
 * another program, an address not up yet), until it listens or `stop()` is
 * called. No hook runs after `stop()`.
 */
export function keepListening(server: Listenable, hooks: KeepListeningHooks, retryMs = RETRY_LISTEN_MS): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const attempt = (): void => {
    timer = null;
    if (stopped) return;
    hooks.onStarting?.();
    server.listen().then(
      ({ port }) => {
        if (!stopped) hooks.onListening(port);
      },
      (err: NodeJS.ErrnoException) => {
        if (stopped) return;
        hooks.onFailed(err, err.code === 'EADDRINUSE');
        timer = setTimeout(attempt, retryMs);
      },
    );
  };
  attempt();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
