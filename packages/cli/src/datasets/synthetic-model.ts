/**
 * The parameters of the synthetic store (`nextbuy dataset synthetic`): its category tree, shopper
 * segments, journeys and every rate the generator draws from. docs/datasets.md describes each one.
 */

/** A leaf of the category tree. `cycleDays` marks a staple: bought again about that often. */
export interface CategorySpec {
  basePrice: number;
  cycleDays?: number;
}

/** department → category → spec. The `category` column is `department/category`. */
export const CATEGORY_TREE: Readonly<Record<string, Readonly<Record<string, CategorySpec>>>> = {
  grocery: {
    coffee: { basePrice: 9, cycleDays: 21 },
    tea: { basePrice: 5, cycleDays: 30 },
    snacks: { basePrice: 3, cycleDays: 14 },
    breakfast: { basePrice: 4, cycleDays: 18 },
  },
  household: {
    detergent: { basePrice: 12, cycleDays: 35 },
    'paper-goods': { basePrice: 8, cycleDays: 28 },
    cleaning: { basePrice: 6, cycleDays: 45 },
  },
  'personal-care': {
    shampoo: { basePrice: 7, cycleDays: 40 },
    razors: { basePrice: 15, cycleDays: 50 },
    skincare: { basePrice: 22 },
  },
  pets: {
    'dog-food': { basePrice: 30, cycleDays: 30 },
    'cat-food': { basePrice: 20, cycleDays: 25 },
    'pet-toys': { basePrice: 9 },
  },
  baby: {
    diapers: { basePrice: 25, cycleDays: 20 },
    'baby-food': { basePrice: 10, cycleDays: 14 },
    strollers: { basePrice: 250 },
    'car-seats': { basePrice: 180 },
  },
  electronics: {
    phones: { basePrice: 600 },
    'phone-cases': { basePrice: 25 },
    chargers: { basePrice: 30 },
    headphones: { basePrice: 120 },
    laptops: { basePrice: 1100 },
    'laptop-bags': { basePrice: 60 },
  },
  home: {
    'coffee-machines': { basePrice: 200 },
    cookware: { basePrice: 70 },
    bedding: { basePrice: 80 },
    lighting: { basePrice: 45 },
  },
  outdoors: {
    tents: { basePrice: 220 },
    'sleeping-bags': { basePrice: 90 },
    'camping-stoves': { basePrice: 60 },
    'hiking-boots': { basePrice: 140 },
  },
  fashion: {
    shoes: { basePrice: 80 },
    jackets: { basePrice: 120 },
    dresses: { basePrice: 65 },
    jeans: { basePrice: 55 },
  },
};

export const PRICE_BANDS = ['budget', 'mid', 'premium'] as const;
export type PriceBand = (typeof PRICE_BANDS)[number];
/** How often each band occurs in the catalog, and its price against the category's base price. */
export const PRICE_BAND_SHARE: Readonly<Record<PriceBand, number>> = { budget: 0.4, mid: 0.4, premium: 0.2 };
export const PRICE_BAND_FACTOR: Readonly<Record<PriceBand, number>> = { budget: 0.6, mid: 1, premium: 1.8 };
/** Spread of prices inside a band (log-normal sigma), so prices are not a handful of values. */
export const PRICE_SIGMA = 0.15;
/** Brands per category: a category's products share these, the first ones more often. */
export const BRANDS_PER_CATEGORY = 6;

/**
 * Shopper segments: how many customers belong to each, how much they care for each department
 * (unlisted departments weigh 1) and how willing they are to buy in each price band.
 */
export interface SegmentSpec {
  share: number;
  departments: Readonly<Record<string, number>>;
  bands: Readonly<Record<PriceBand, number>>;
}
export const SEGMENTS: Readonly<Record<string, SegmentSpec>> = {
  'young-families': {
    share: 0.25,
    departments: { baby: 12, grocery: 6, household: 6, home: 2 },
    bands: { budget: 1, mid: 0.6, premium: 0.15 },
  },
  'tech-professionals': {
    share: 0.25,
    departments: { electronics: 12, fashion: 4, grocery: 3 },
    bands: { budget: 0.3, mid: 1, premium: 0.8 },
  },
  outdoor: {
    share: 0.15,
    departments: { outdoors: 12, fashion: 4, electronics: 2 },
    bands: { budget: 0.5, mid: 1, premium: 0.6 },
  },
  'pet-owners': {
    share: 0.15,
    departments: { pets: 12, household: 5, grocery: 5 },
    bands: { budget: 1, mid: 0.8, premium: 0.3 },
  },
  'home-makers': {
    share: 0.2,
    departments: { home: 10, 'personal-care': 6, fashion: 4, grocery: 3 },
    bands: { budget: 0.4, mid: 1, premium: 0.9 },
  },
};

/** Cross-category journeys: a purchase in `from` often brings the customer back for `to` weeks later. */
export interface JourneySpec {
  from: string;
  to: string;
  minDays: number;
  maxDays: number;
}
export const JOURNEYS: readonly JourneySpec[] = [
  { from: 'electronics/phones', to: 'electronics/phone-cases', minDays: 7, maxDays: 28 },
  { from: 'electronics/laptops', to: 'electronics/laptop-bags', minDays: 7, maxDays: 35 },
  { from: 'outdoors/tents', to: 'outdoors/sleeping-bags', minDays: 14, maxDays: 42 },
  { from: 'baby/strollers', to: 'baby/car-seats', minDays: 14, maxDays: 56 },
  { from: 'home/coffee-machines', to: 'grocery/coffee', minDays: 7, maxDays: 21 },
];

export const SYNTHETIC_MODEL = {
  /** The period covered: a year, ending at a fixed instant so the files never depend on the clock. */
  end: Date.UTC(2025, 0, 1),
  days: 365,
  /** Within a category, the product of popularity rank r weighs 1/(r+1)^s: the long tail. */
  popularityExponent: 1.5,
  /** Share of products launched during the period (never a category's best seller). */
  launchShare: 0.15,
  /** Launches fall in this part of the period (fractions of it), so each has a before and an after. */
  launchFrom: 0.1,
  launchTo: 0.9,
  /** Products on sale at the start launched up to this many days before it. */
  catalogHistoryDays: 365,
  /** Share of products with a defect that many buyers send back, chosen among the popular half. */
  defectiveShare: 0.05,
  defectiveReturnRate: 0.3,
  baseReturnRate: 0.01,
  /** A return comes this many days after its purchase. */
  returnMinDays: 2,
  returnMaxDays: 21,
  /** Share of customers who arrive during the period (the rest signed up before it). */
  arrivalShare: 0.3,
  /** Arrivals fall in this first fraction of the period, so the last ones still have some history. */
  arrivalBy: 0.9,
  /** Customers present at the start signed up up to this many days before it. */
  signupHistoryDays: 730,
  /** Share of customers who stop coming back (churn) before the end. */
  churnShare: 0.25,
  /** A churner's last session falls this far (as a fraction) from their arrival to the end. */
  churnFrom: 0.1,
  churnTo: 0.9,
  /** Customers differ in how much they shop: log-normal activity of this sigma. */
  activitySigma: 1,
  /** Each customer has this many favourite categories, drawn from their segment's tastes. */
  favouriteCategories: 3,
  /** A browsing session's category: a favourite, else the segment's tastes, else anything. */
  favouriteSessionShare: 0.6,
  segmentSessionShare: 0.3,
  /** Products viewed in a session: 1 + geometric with this mean of extra views. */
  extraViewsMean: 1.2,
  clickRate: 0.5,
  cartRate: 0.5,
  /** A session with a full cart checks out at this rate; otherwise the cart is abandoned. */
  checkoutRate: 0.7,
  /** An abandoned cart item is removed (cart_remove) at this rate, else left in the cart. */
  abandonedRemoveRate: 0.6,
  /**
   * Staples: up to this many per customer, their re-buys taking at most this share of the customer's
   * events; a staple the budget cannot afford for the whole window is bought for a stretch of it, of
   * at least this many purchases.
   */
  maxStaples: 3,
  stapleBudgetShare: 0.35,
  minStapleBuys: 3,
  /** A staple's cycle varies by customer (±) and each re-buy by ± this share of the cycle. */
  stapleCustomerSpread: 0.2,
  stapleJitter: 0.15,
  /** A re-buy session's events: view, cart_add, purchase (straight from "buy it again"). */
  stapleSessionEvents: 3,
  maxStapleQuantity: 2,
  /** Chance that a purchase in a journey's `from` category brings the customer back for its `to`. */
  journeyRate: 0.6,
  /** Browsing sessions fill this share of a customer's events over time; the rest fill uniform slots of the window. */
  browseFill: 0.8,
  /** Tries to draw a product that exists yet and fits the segment's price band before taking the best seller. */
  sampleTries: 8,
  /** A session's events are a few minutes apart. */
  minStepSeconds: 10,
  maxStepSeconds: 300,
} as const;

export type SyntheticModel = typeof SYNTHETIC_MODEL;

/** Named sizes; explicit `--customers`, `--products`, `--events` override a preset's. */
export const SYNTHETIC_PRESETS = {
  small: { customers: 10_000, products: 1_000, events: 100_000 },
  medium: { customers: 100_000, products: 10_000, events: 1_000_000 },
  large: { customers: 1_000_000, products: 50_000, events: 10_000_000 },
} as const;
export type SyntheticPreset = keyof typeof SYNTHETIC_PRESETS;
export const DEFAULT_SYNTHETIC_PRESET: SyntheticPreset = 'small';
export const DEFAULT_SYNTHETIC_SEED = 1;
