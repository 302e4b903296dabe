#!/usr/bin/env node
// `npm test`: the whole suite from any checkout. Installs if node_modules is missing, builds (turbo
// caches, so a built tree costs a second or two: one test starts a real, built worker process), then
// runs Jest with whatever arguments follow (`npm test -- packages/engine`).
// Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) must be running: see README.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './apps.mjs';

const run = (command, args) => {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(join(ROOT, 'node_modules/.bin/jest'))) run('npm', ['ci', '--no-audit', '--no-fund']);
run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);
run(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), ...process.argv.slice(2)]);
