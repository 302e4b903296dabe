import { SetMetadata } from '@nestjs/common';
import type { ApiScope } from '@nextbuy/config';

export const REQUIRED_SCOPE = 'nextbuy:required-scope';
export const PUBLIC_ROUTE = 'nextbuy:public-route';

/**
 * The scope a route (or every route of a controller) needs; keys whose scope covers it pass
 * (read ⊂ write ⊂ admin, read ⊂ ops ⊂ admin: `covers` in @nextbuy/config).
 */
export const RequiresScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);

/** A route that needs no key (health, metrics): internal-network endpoints only. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
