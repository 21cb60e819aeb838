'use strict';
const http = require('node:http');
const https = require('node:https');

/** A real HTTP(S) request; resolves with { status, headers, body }. */
function request({ port, method = 'POST', path = '/', body, headers = {}, auth, secure = false, ca }) {
  const h = { ...headers };
  // A header given as undefined is left out (e.g. Content-Length for a chunked body).
  if (body !== undefined && !('Content-Length' in h)) h['Content-Length'] = Buffer.byteLength(body);
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  if (auth) h.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const lib = secure ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request({ host: '127.0.0.1', port, method, path, headers: h, ca, agent: false }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

module.exports = { request };
