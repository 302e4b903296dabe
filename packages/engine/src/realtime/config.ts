/** What a real-time refresh weighs and bounds (the defaults below, each with its reason). */
export interface RealtimeConfig {
  /** Events further apart than this start a new session (when events carry no session id). */
  sessionGapMinutes: number;
  /** Weight of the current session's events against earlier events since the build. */
  sessionWeight: number;
  /** Share of the remaining purchase probability that a product with full live intent gains. */
  intentLift: number;
  /** The same for a complement of such a product, scaled by the edge's strength in its row. */
  complementLift: number;
  /** Complements ("bought with", "bought after") proposed per product of live intent. */
  complementsPerItem: number;
  /** Score multiplier of a product bought since the build that the customer does not re-buy on a cycle. */
  justBoughtFactor: number;
  /** Purchase occasions before the build from which a product counts as re-bought on a cycle. */
  cyclePurchases: number;
  /** Newest events since the build that a refresh reads (bounds its cost whatever a client sends). */
  maxLiveEvents: number;
}

export const DEFAULT_REALTIME_CONFIG: RealtimeConfig = {
  sessionGapMinutes: 30, // the usual web-analytics session timeout
  sessionWeight: 2, // what they browse now says more than what they browsed yesterday
  intentLift: 0.7, // a product in the cart right now is more likely bought than not
  complementLift: 0.35, // half the item's own lift: a complement is a guess about the basket
  complementsPerItem: 10,
  justBoughtFactor: 0.2, // just bought, no cycle: the need is met for now
  cyclePurchases: 2, // two occasions make an interval, i.e. a cycle
  maxLiveEvents: 1000,
};
