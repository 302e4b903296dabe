import { Inject, Injectable } from '@nestjs/common';
import type { CompiledRules } from '@nextbuy/engine';
import type { CachedTop } from '@nextbuy/server';
import { SERVING_CONFIG, type ServingConfig } from '../serving.config';

/**
 * Everything besides the list that decides how serve-time shaping answers the usual call
 * (`MerchandisingService.shapeState`): equal states shape an equal list into the same answer.
 */
export interface ShapeState {
  /** The catalogue's `revision`: availability and every field rules read. */
  readonly catalogue: number;
  /** The rules version held (`null`: no rules apply to the request). */
  readonly rules: CompiledRules | null;
  /** `CompiledRules.activeKey`: which of its rules hold now, for this customer's context. */
  readonly activeKey: string;
}

interface Entry {
  /** `listToken` of the list the answer was shaped from. */
  token: string;
  state: ShapeState;
  top: CachedTop;
}

/**
 * The storefront's usual call, once the rules, the catalogue or both reshaped it: per customer of the
 * active build, the answer's first `TOP_ITEMS` items as the full path wrote them, kept with what they
 * were worked out from (the list's token, which its cached top carries, and the `ShapeState`). A
 * request whose top names the same list and whose state is the same is answered from it: one Redis
 * GET, as without rules, instead of reading the whole list and shaping it again (issue #17,
 * BENCHMARKS.md). Anything that changes the answer changes the key: a rules version or a rule's
 * validity window (the state), a product's availability or fields (the catalogue revision), a list
 * the real-time refresh rewrote (its token), another build (the build id is part of the key: the
 * builds of several prediction tasks are served side by side, each keeping its customers' answers,
 * and a build no longer asked for ages out).
 *
 * Per process and bounded (`shapedTopsMaxBytes`, oldest entries out first): a customer not held is
 * answered by the full path, which keeps the result for the next request.
 */
@Injectable()
export class ShapedTops {
  /** By build and customer (`key`), oldest first. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(@Inject(SERVING_CONFIG) private readonly config: ServingConfig) {}

  /** The answer kept for this customer's list in this state, if any. */
  get(buildId: string, customerId: string, token: string, state: ShapeState): CachedTop | undefined {
    const entry = this.entries.get(key(buildId, customerId));
    if (entry === undefined || entry.token !== token) return undefined;
    const held = entry.state;
    return held.catalogue === state.catalogue &&
      held.rules === state.rules &&
      held.activeKey === state.activeKey
      ? entry.top
      : undefined;
  }

  /** Keeps `top` as the answer of this customer's list (`token`) in `state`. */
  set(buildId: string, customerId: string, token: string, state: ShapeState, top: CachedTop): void {
    const max = this.config.shapedTopsMaxBytes;
    if (max <= 0) return;
    const at = key(buildId, customerId);
    this.drop(at);
    this.entries.set(at, { token, state, top });
    this.bytes += top.byteLength;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= max) break;
      this.drop(oldest);
    }
  }

  /** Whether anything is kept (`SHAPED_TOPS_MAX_BYTES` > 0). */
  get enabled(): boolean {
    return this.config.shapedTopsMaxBytes > 0;
  }

  /** Entries held (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  private drop(at: string): void {
    const entry = this.entries.get(at);
    if (entry === undefined) return;
    this.entries.delete(at);
    this.bytes -= entry.top.byteLength;
  }
}

/** Build ids are digits: a NUL never occurs in one. */
const key = (buildId: string, customerId: string) => `${buildId}\u0000${customerId}`;
