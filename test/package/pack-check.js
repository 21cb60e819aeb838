'use strict';
// Child process for pack.spec.js: starts a real Node-RED (editor on) from the
// given userDir and reports what a user would see: the node list with load
// errors, the help HTML, the icons, the example flows. One runtime per process.
const http = require('node:http');
const path = require('node:path');

const [userDir, redPath] = process.argv.slice(2);
const RED = require(redPath);

function get(port, url, accept) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, headers: { Accept: accept, 'Node-RED-API-Version': 'v2' } }, (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
      })
      .on('error', reject)
      .setTimeout(20000, function () {
        this.destroy(new Error(`no answer from ${url}`));
      });
  });
}

(async () => {
  // Embedded: the admin API (editor, /nodes, /icons, /library) is mounted by us.
  const server = http.createServer((req, res) => RED.httpAdmin(req, res));
  RED.init(server, {
    userDir,
    httpAdminRoot: '/',
    credentialSecret: false,
    logging: { console: { level: 'off' } },
    diagnostics: { enabled: false },
    editorTheme: { tours: false },
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await RED.start();
  const port = server.address().port;
  const list = JSON.parse((await get(port, '/nodes', 'application/json')).body);
  const html = (await get(port, '/nodes', 'text/html')).body;
  const icons = JSON.parse((await get(port, '/icons', 'application/json')).body);
  const modulesWithExamples = JSON.parse((await get(port, '/library/examples/flows/', 'application/json')).body);
  const examples = JSON.parse((await get(port, '/library/examples/flows/@cdrflow/node-red-cdr', 'application/json')).body);
  const pkgName = '@cdrflow/node-red-cdr';
  const ours = list.filter((s) => s.module === pkgName);
  const iconFile = await get(port, `/icons/${pkgName}/cdr.svg`, 'image/svg+xml');
  const editorScript = await get(port, `/resources/${pkgName}/cdr-editor.js`, 'application/javascript');
  const ratingScript = await get(port, `/resources/${pkgName}/cdr-rating.js`, 'application/javascript');
  process.stdout.write(
    `RESULT ${JSON.stringify({
      sets: ours.map((s) => ({ id: s.id, types: s.types, enabled: s.enabled, err: s.err || null })),
      helpFor: [...html.matchAll(/data-help-name="([^"]+)"/g)].map((m) => m[1]),
      templatesFor: [...html.matchAll(/data-template-name="([^"]+)"/g)].map((m) => m[1]),
      icons: icons[pkgName] || [],
      iconStatus: iconFile.status,
      editorScript: editorScript.status === 200 && editorScript.body.includes('cdrflowEditor'),
      ratingScript: ratingScript.status === 200 && ratingScript.body.includes('cdrflowRating'),
      examplesListed: modulesWithExamples.includes(pkgName),
      exampleFiles: Array.isArray(examples) ? examples.filter((e) => e.fn).map((e) => e.fn) : [],
    })}\n`,
  );
  await RED.stop();
  server.close();
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
