/**
 * API key scopes. Not a line but a small lattice:
 *
 *            admin
 *           /     \
 *       write     ops
 *           \     /
 *            read
 *
 * - `read`: what a storefront needs (recommendations, similar lists, feedback, the MCP tool) and the
 *   public-ish read routes it always had. It is embedded in storefronts, so it sees no customer's history.
 * - `write`: `read` and sending data (events, products, customers).
 * - `ops`: `read` and the operations read routes (customer histories, and every read route an operator
 *   uses: builds, models, evaluations, experiments' reports, status, the queues view); it changes nothing.
 * - `admin`: everything.
 */
export const API_SCOPES = ['read', 'write', 'ops', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** The scopes each scope covers directly (besides itself); `covers` follows them transitively. */
const DIRECTLY_COVERS: Readonly<Record<ApiScope, readonly ApiScope[]>> = {
  read: [],
  write: ['read'],
  ops: ['read'],
  admin: ['write', 'ops'],
};

function closure(scope: ApiScope): ReadonlySet<ApiScope> {
  const seen = new Set<ApiScope>([scope]);
  const next = [scope];
  for (let s = next.pop(); s !== undefined; s = next.pop()) {
    for (const c of DIRECTLY_COVERS[s]) {
      if (seen.has(c)) continue;
      seen.add(c);
      next.push(c);
    }
  }
  return seen;
}

const COVERED: Readonly<Record<ApiScope, ReadonlySet<ApiScope>>> = Object.fromEntries(
  API_SCOPES.map((s) => [s, closure(s)]),
) as Record<ApiScope, ReadonlySet<ApiScope>>;

export const isApiScope = (value: string): value is ApiScope =>
  (API_SCOPES as readonly string[]).includes(value);

/** Whether a key of scope `held` may use a route that needs `required` (every scope covers itself). */
export const covers = (held: ApiScope, required: ApiScope): boolean => COVERED[held].has(required);

/** The other scopes that grant `required`, weakest first: what a 403 tells the caller to use instead. */
export const scopesCovering = (required: ApiScope): ApiScope[] =>
  API_SCOPES.filter((s) => s !== required && covers(s, required));

/**
 * Of two scopes one key was given (a key listed twice), the one that covers the other; null when
 * neither does (`write` and `ops`): granting both would take `admin`, which nobody asked for.
 */
export function strongerScope(a: ApiScope, b: ApiScope): ApiScope | null {
  if (covers(a, b)) return a;
  if (covers(b, a)) return b;
  return null;
}
