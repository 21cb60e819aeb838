/** Where a frame came from. */
export interface Peer {
  address: string;
  port: number;
  /** Connection number on this listener (TCP); 0 for datagrams. */
  connection: number;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`: users think in the address the PBX has. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}
