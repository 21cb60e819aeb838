import * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { AllowList } from './allow-list';
import { createFramer, FramingError } from './framing';
import { plainAddress, type Peer } from './peer';

export interface UdpSocketOptions {
  host: string;
  port: number;
  /** Datagrams larger than this are dropped and reported. */
  maxDatagramBytes: number;
  allow?: AllowList | null;
}

export interface UdpSocketHandlers {
  /** One line of a datagram (a datagram may carry several). May throw. */
  onFrame(text: string, peer: Peer): void;
  onFrameError(err: FramingError, peer: Peer): void;
  onRefused?(reason: string, address: string): void;
  onError?(err: Error): void;
}

export const UDP_DEFAULTS = { maxDatagramBytes: 65_507 } as const;

/** A bound UDP socket; each datagram is split into lines. */
export class UdpSocket {
  private socket: dgram.Socket | null = null;

  constructor(
    private readonly options: UdpSocketOptions,
    private readonly handlers: UdpSocketHandlers,
  ) {}

  listen(): Promise<{ address: string; port: number }> {
    const type = isIP(this.options.host) === 6 || this.options.host === '::' ? 'udp6' : 'udp4';
    // A larger receive buffer rides out bursts (the kernel may cap it).
    const socket = dgram.createSocket({ type, reuseAddr: false, recvBufferSize: 4 * 1024 * 1024 });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.socket = null;
        reject(err);
      };
      socket.once('error', onError);
      socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.handlers.onError?.(err));
        const a = socket.address();
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const address = plainAddress(rinfo.address);
    if (this.options.allow && !this.options.allow.allows(rinfo.address)) {
      this.handlers.onRefused?.(`${address} is not in the allow-list`, address);
      return;
    }
    const peer: Peer = { address, port: rinfo.port, connection: 0 };
    // Handlers may throw: that must not escape the socket's callback.
    const guard = (fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        this.handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    };
    if (msg.length > this.options.maxDatagramBytes) {
      const err = new FramingError('oversize', `datagram of ${msg.length} bytes is over the ${this.options.maxDatagramBytes}-byte limit; dropped`, msg.subarray(0, 4096).toString('utf8'), msg.length);
      guard(() => this.handlers.onFrameError(err, peer));
      return;
    }
    const framer = createFramer(
      'line',
      {
        frame: (text) => guard(() => this.handlers.onFrame(text, peer)),
        error: (err) => guard(() => this.handlers.onFrameError(err, peer)),
      },
      { maxFrameBytes: this.options.maxDatagramBytes },
    );
    framer.push(msg);
    framer.end();
  }
}
