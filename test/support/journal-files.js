'use strict';
// Reads a source's journal directory the way the journal does at open (length,
// CRC-32, record or acknowledgement entries), without opening it: a test can
// watch what a running Node-RED holds, even while it owns the directory.
const fs = require('node:fs');
const path = require('node:path');
const { crc32 } = require('../../nodes/lib/source/crc32');

/** The records of `dir` not acknowledged, as { seq, record } (record: the parsed JSON), oldest first. */
function unacknowledged(dir) {
  if (!fs.existsSync(dir)) return [];
  const live = new Map();
  for (const name of fs.readdirSync(dir).filter((n) => /^seg-\d{12}\.log$/.test(n)).sort()) {
    const content = fs.readFileSync(path.join(dir, name));
    for (let at = 0; at + 8 <= content.length; ) {
      const length = content.readUInt32BE(at);
      const body = content.subarray(at + 8, at + 8 + length);
      if (length < 1 || body.length < length || crc32(body) !== content.readUInt32BE(at + 4)) break; // a tail still being written
      if (body[0] === 0x52) live.set(body.readUIntBE(1, 6), body.subarray(7));
      else if (body[0] === 0x41) {
        for (let i = 1; i < length; i += 10) {
          const first = body.readUIntBE(i, 6);
          const count = body.readUInt32BE(i + 6);
          for (let s = first; s < first + count; s++) live.delete(s);
        }
      }
      at += 8 + length;
    }
  }
  return [...live].sort((a, b) => a[0] - b[0]).map(([seq, data]) => ({ seq, record: JSON.parse(data.toString('utf8')) }));
}

/** Where a source node keeps its journal unless its Journal dir is set. */
const journalDirOf = (userDir, type, id) => path.join(userDir, 'cdrflow-journal', `${type}-${id}`);

module.exports = { unacknowledged, journalDirOf };
