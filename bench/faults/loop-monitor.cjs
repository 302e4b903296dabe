// Preloaded into a worker by `bench/faults/loop-blocks.ts` (`node -r`): a lock renewal is a timer on
// the event loop, so what matters is the longest stretch the loop runs no timer. A 10 ms interval
// notes every gap beyond LOOP_MONITOR_MIN_MS as a JSON line {pid, end, ms} in LOOP_MONITOR_FILE
// (monitorEventLoopDelay gives only a histogram, not when a block happened nor in which stage).
const { appendFileSync } = require('node:fs');

const file = process.env.LOOP_MONITOR_FILE;
const min = Number(process.env.LOOP_MONITOR_MIN_MS || 200);
const tick = 10;
if (file) {
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const ms = now - last - tick;
    last = now;
    if (ms > min) appendFileSync(file, `${JSON.stringify({ pid: process.pid, end: Date.now(), ms })}\n`);
  }, tick).unref();
}
