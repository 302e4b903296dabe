#!/usr/bin/env node
// `npm start`: the four apps on this machine (candidates as rebuild workers plus one real-time
// process, see apps.mjs), each log line prefixed by its process. Ctrl-C (SIGINT) or
// SIGTERM reaches every app, which closes gracefully (requests finish, queues and pools close);
// this process exits once all four have. On a terminal, the apps' JSON logs are pretty-printed.
import { Transform } from 'node:stream';
import concurrently from 'concurrently';
import { apps, ROOT, unbuiltApps } from './apps.mjs';

const missing = unbuiltApps();
if (missing.length) {
  process.stderr.write(
    `npm start: ${missing.map((a) => a.main).join(', ')} missing: run \`npm install && npm run build\` first\n`,
  );
  process.exit(1);
}

const pretty = process.stdout.isTTY && !process.env.NO_PRETTY_LOGS;

/**
 * Formats pino JSON lines after concurrently's prefix (`[serving] {"level":30,…}`) with
 * pino-pretty; anything else passes through untouched.
 */
async function prettyStream() {
  const { prettyFactory } = (await import('pino-pretty')).default;
  const format = prettyFactory({
    colorize: true,
    singleLine: true,
    ignore: 'pid,hostname,name,context',
    messageFormat: '{if context}{context}: {end}{msg}',
  });
  let pending = '';
  const stream = new Transform({
    transform(chunk, _encoding, done) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      done(null, lines.map((line) => `${prettyLine(line)}\n`).join(''));
    },
    flush(done) {
      done(null, pending ? prettyLine(pending) : '');
    },
  });
  const prettyLine = (line) => {
    const at = line.indexOf('{"');
    if (at < 0 || !line.trimEnd().endsWith('}')) return line;
    try {
      JSON.parse(line.slice(at));
    } catch {
      return line;
    }
    return `${line.slice(0, at)}${format(line.slice(at)).trimEnd()}`;
  };
  stream.pipe(process.stdout);
  return stream;
}

const { result } = concurrently(
  apps().map((app) => ({
    name: app.name,
    command: ['node', ...app.nodeArgs, app.main].join(' '),
    prefixColor: app.color,
    env: app.env,
  })),
  {
    cwd: ROOT,
    prefix: 'name',
    padPrefix: true,
    // One app that cannot start (port taken, bad environment) stops the others: no half a system.
    killOthersOn: ['failure'],
    // Apps stopped that way get the signal they treat as "close gracefully".
    killSignal: 'SIGTERM',
    // The apps hard-exit after 15 s of closing; give them that long before a SIGKILL.
    killTimeout: 20_000,
    outputStream: pretty ? await prettyStream() : process.stdout,
  },
);

result.then(
  () => process.exit(0),
  (events) => {
    const failed = events.filter(
      (e) => e.exitCode !== 0 && e.exitCode !== 'SIGINT' && e.exitCode !== 'SIGTERM',
    );
    process.exit(failed.length ? 1 : 0);
  },
);
