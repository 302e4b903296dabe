'use strict';
// Container health probe: GET /health on this app's own port, exit 0 only on a 200.
// Plain Node because the slim runtime image has no curl or wget. The port comes from the same
// variable the app reads (SERVING_PORT, INGESTION_PORT, ...), chosen by NEXTBUY_APP, which the
// image sets from its APP build argument.
const http = require('node:http');

const DEFAULT_PORTS = { serving: 3000, ingestion: 3001, features: 3002, candidates: 3003, console: 3040 };
const TIMEOUT_MS = 4000;

const app = process.env.NEXTBUY_APP || '';
const port = Number(process.env[`${app.toUpperCase()}_PORT`] || DEFAULT_PORTS[app]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write(`healthcheck: no port known for NEXTBUY_APP="${app}"\n`);
  process.exit(1);
}

const request = http.get({ host: '127.0.0.1', port, path: '/health', timeout: TIMEOUT_MS }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
request.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exit(1);
});
