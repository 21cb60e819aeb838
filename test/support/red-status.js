'use strict';
// The node statuses of a Node-RED started by red-process.js, as its editor
// sees them: a WebSocket to /comms subscribed to `status/#` (Node-RED sends the
// current status of every node on subscribe, then each change).
//
//   const watch = await watchStatus(red.port);
//   watch.events   // [{ seq, id, fill, shape, text }] in arrival order
//   watch.latest(id)
//   await watch.close();
const path = require('node:path');

// The WebSocket client Node-RED's own editor server uses: it is there wherever Node-RED is.
const WebSocket = require(require.resolve('ws', { paths: [path.dirname(require.resolve('@node-red/editor-api/package.json'))] }));

function watchStatus(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
    const events = [];
    let seq = 0;
    const closed = new Promise((r) => ws.once('close', r));
    ws.once('error', reject);
    ws.on('message', (data) => {
      let parsed;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        return;
      }
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        if (!m || typeof m.topic !== 'string' || !m.topic.startsWith('status/')) continue;
        const s = m.data || {};
        events.push({ seq: ++seq, id: m.topic.slice('status/'.length), fill: s.fill, shape: s.shape, text: s.text });
      }
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ subscribe: 'status/#' }));
      resolve({
        events,
        /** The number of the last event so far: events after it are newer. */
        mark: () => seq,
        latest(id) {
          for (let i = events.length - 1; i >= 0; i--) if (events[i].id === id) return events[i];
          return null;
        },
        close() {
          ws.close();
          return closed;
        },
      });
    });
  });
}

module.exports = { watchStatus };
