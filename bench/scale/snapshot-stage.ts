/**
 * The snapshot stage's read alone, against DATABASE_URL: wall time, CPU seconds and this process's
 * peak RSS (VmHWM) while the store's events become the engine's snapshot, and the snapshot's
 * fingerprint (first 16 hex digits of the SHA-256 of its encoded artifact):
 *   DATABASE_URL=postgres://…/db npx tsx bench/scale/snapshot-stage.ts
 * One read per process, so the peak is this read's own; run it alternated against another version.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CatalogRepository, createDataSource, EventRepository } from '@nextbuy/db';
import { encodeArtifact } from '@nextbuy/engine';
import { readSnapshot } from '@nextbuy/rebuild';

const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL');
  const db = await createDataSource({ url, poolSize: 4 }).initialize();
  const events = new EventRepository(db);
  const asOf = await events.newestTime();
  if (!asOf) throw new Error('no events');
  const before = peakRssMb();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await readSnapshot({ events, catalog: new CatalogRepository(db) }, asOf, true);
  const wall = (performance.now() - t0) / 1000;
  const u = process.cpuUsage(cpu0);
  const fingerprint = createHash('sha256')
    .update(encodeArtifact('snapshot', 1, s))
    .digest('hex')
    .slice(0, 16);
  console.log(
    JSON.stringify({
      events: s.events.ts.length,
      wallS: +wall.toFixed(2),
      cpuS: +((u.user + u.system) / 1e6).toFixed(2),
      peakRssMb: Math.round(peakRssMb()),
      rssBeforeMb: Math.round(before),
      fingerprint,
    }),
  );
  await db.destroy();
}

void main();
