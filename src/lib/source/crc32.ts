import * as zlib from 'node:zlib';

/** CRC-32 (IEEE, as zip and zlib use it). Node ≥ 20.15 has it built in; older ones use this table. */
let table: Uint32Array | null = null;

function tableCrc32(buf: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = table[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const builtIn = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

export const crc32: (buf: Uint8Array) => number = typeof builtIn === 'function' ? (b) => builtIn(b) >>> 0 : tableCrc32;
export { tableCrc32 };
