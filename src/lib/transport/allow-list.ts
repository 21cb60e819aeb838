import { BlockList, isIP } from 'node:net';

/**
 * Which client addresses may connect: a comma/space separated list of
 * addresses and CIDR ranges, IPv4 or IPv6. IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`, what a dual-stack socket reports) match their IPv4 entry.
 */
export interface AllowList {
  allows(address: string | undefined): boolean;
  readonly text: string;
}

export class AllowListError extends Error {
  constructor(readonly entry: string) {
    super(`"${entry}" is not an IP address or CIDR range`);
    this.name = 'AllowListError';
  }
}

/** Parses the setting; an empty setting gives null (everyone allowed). Throws AllowListError. */
export function parseAllowList(text: string | undefined | null): AllowList | null {
  const entries = (text ?? '')
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, prefixText, ...rest] = entry.split('/');
    const family = isIP(addr ?? '');
    if (!addr || family === 0 || rest.length > 0) throw new AllowListError(entry);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) {
      list.addAddress(addr, type);
      continue;
    }
    const prefix = Number(prefixText);
    if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new AllowListError(entry);
    list.addSubnet(addr, prefix, type);
  }
  return {
    text: entries.join(', '),
    allows(address) {
      if (!address) return false;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
      const plain = mapped ? mapped[1]! : address;
      const family = isIP(plain);
      if (family === 0) return false;
      return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
