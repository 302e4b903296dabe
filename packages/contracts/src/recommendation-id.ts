import { randomUUID } from 'node:crypto';

/**
 * A served answer's `recommendation_id`: a UUIDv7 (RFC 9562), whose first 48 bits are the serving
 * instant in Unix milliseconds. The answer log and feedback are partitioned by the day an answer
 * was served, and feedback finds that day in the id alone (`nb_served_at` in SQL), so an answer and
 * its feedback share a partition and expire together. Still a UUID for every client.
 */
export function recommendationId(servedAtMs: number = Date.now()): string {
  // randomUUID draws from Node's pooled random bytes: cheaper than assembling 10 random bytes here.
  const random = randomUUID();
  const t = Math.floor(servedAtMs).toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${random.slice(15)}`;
}

/** The serving instant of a UUIDv7 `recommendation_id` (epoch ms), or null for any other id. */
export function recommendationServedAt(id: string): number | null {
  if (id[14] !== '7') return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
