/** Largest value of a Postgres `bigint` (`bigserial` ids of builds, evaluations, experiments). */
const MAX_BIGINT = 9223372036854775807n;

/**
 * Whether `text` can be the id of a stored row (a positive `bigint`, in decimal): anything else is
 * answered as not found before Postgres sees it, since a value out of range fails the query.
 */
export function isStoredIdText(text: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(text) && BigInt(text) <= MAX_BIGINT;
}
