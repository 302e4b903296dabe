/**
 * Online Retail has no category column, so a product's category is the head noun of its
 * description: English puts it last ("WHITE HANGING HEART T-LIGHT HOLDER" → holder), but this
 * catalogue often appends a colour, size or theme ("JUMBO BAG RED RETROSPOT" → bag).
 *
 * The rule: split the description into words, walk from the right, skip words that never name a
 * kind of thing (NEVER_HEAD: colours, sizes, numbers, connectors) and prefer any word over a theme
 * or material word (QUALIFIERS), used only when nothing else is left. The word is singularised
 * and a few spelling variants merged. Words of two letters or fewer are skipped.
 */

const NEVER_HEAD = new Set(
  `RED PINK BLUE GREEN WHITE BLACK IVORY CREAM GOLD SILVER PURPLE ORANGE YELLOW BROWN GREY GRAY
  TURQUOISE LILAC AQUA NATURAL CLEAR MULTI MULTICOLOUR COLOUR COLOURS COLOURED PASTEL AMBER TEAL
  FUSCHIA FUCHSIA MAGENTA BEIGE TOPAZ JADE RUBY SAPPHIRE AMETHYST CRYSTAL DIAMANTE COPPER ANTIQUE
  SMALL LARGE MEDIUM MINI JUMBO BIG GIANT TALL TINY LONG SHORT SIZE XL DEC ASST ASSORTED
  SET SETS PACK PACKS OF AND THE WITH FOR IN ON TO YOU YOUR NEW PLEASE ONE TWO THREE FOUR SIX TEN
  DESIGN DESIGNS STYLE FINISH ROUND SQUARE HANGING DOUBLE SINGLE TIER TIERS PIECE PIECES
  WRONG DAMAGED DAMAGES MISSING FOUND CHECK SOLD BROKEN THROWN AWAY ADJUSTMENT LOST MAILOUT
  SAMPLE SAMPLES DESTROYED CODE FAULTY DOTCOM AMAZON EBAY SHOW POSTAGE ITS RECT OVAL
  PAINTED RUSTIC DECORATIVE ARTIFICIAL BEADED CLASSIC SCENTED FLYING HAPPY MAGIC CRACKLE ASSTD`.split(/\s+/),
);

/** Themes, motifs and materials: the head only when no other word is left. */
const QUALIFIERS = new Set(
  `RETROSPOT POLKADOT SPOT SPOTS SPOTTY DOT DOTS STRIPE STRIPES STRIPED PAISLEY FLORAL SPACEBOY
  SKULL SKULLS WOODLAND LONDON CHRISTMAS XMAS EASTER HEART HEARTS FLOWER FLOWERS GIRL GIRLS BOY BOYS
  PARADE EDWARDIAN MONTANA CAMPAGNE SCANDINAVIAN VINTAGE RETRO UNION JACK FLAG FLOCK ZINC METAL
  WOOD WOODEN WICKER CERAMIC ENAMEL GLITTER FELT FELTCRAFT ROSE ROSES DAISY LEAF LEAVES STAR STARS
  BIRD BIRDS BUTTERFLY OWL HEN CHICK CHICKS BUNNY BUNNIES RABBIT DUCK DUCKS DINOSAUR APPLE APPLES
  CAKE CAKES LOVE HOME GARDEN PARK PARTY BIRTHDAY FAIRY FRENCH ENGLISH ORIENTAL MOROCCAN
  SWEETHEART REGENCY BAROQUE ORGANIC CHOCOLATE TOADSTOOL TOADSTOOLS MUSHROOM DOLLY CIRCUS
  TEATIME PANTRY KITCHEN CHARLOTTE SKETCHBOOK LACE GINGHAM COTTAGE GLAZE ACRYLIC FILIGREE
  BABUSHKA FOLKART BAKELIKE SUKI`.split(/\s+/),
);

/** Variants and misspellings of one head. */
const SAME_AS: Record<string, string> = {
  DOILEY: 'DOILY',
  NECKLAC: 'NECKLACE',
  NECKL: 'NECKLACE',
  TLIGHT: 'LIGHT',
  CANDLEHOLDER: 'HOLDER',
  PHOTOFRAME: 'FRAME',
  HANDBAG: 'BAG',
  WASHBAG: 'BAG',
  SHOPPER: 'BAG',
  SCISSOR: 'SCISSORS',
  EARRING: 'EARRINGS',
  CUTTER: 'CUTTERS',
  DEC: 'DECORATION',
};

/** Words whose trailing S is not a plural. */
const NOT_PLURAL = new Set([
  'GLASS',
  'SCISSORS',
  'EARRINGS',
  'CUTTERS',
  'CHOPSTICKS',
  'HEADPHONES',
  'DRAWERS',
  'SCALES',
  'TISSUES',
  'MATCHES',
  'BUS',
  'DRESS',
  'COMPASS',
  'CHESS',
  'DOMINOES',
  'CANVAS',
]);

export function singular(word: string): string {
  if (NOT_PLURAL.has(word) || word.length <= 3) return word;
  if (word.endsWith('IES')) return `${word.slice(0, -3)}Y`;
  if (/(?:SS|X|CH|SH|ZZ)ES$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('S') && !word.endsWith('SS') && !word.endsWith('US')) return word.slice(0, -1);
  return word;
}

function normalise(word: string): string {
  const w = SAME_AS[word] ?? word;
  const s = singular(w);
  return SAME_AS[s] ?? s;
}

/**
 * The candidate heads of a description, best first: every word that may name a kind of thing,
 * right to left, with themes and materials after the rest. Empty when no word qualifies.
 */
export function headCandidates(description: string): string[] {
  const words = description
    .toUpperCase()
    .replace(/T-LIGHT/g, 'TLIGHT')
    .split(/[^A-Z]+/)
    .filter((w) => w.length > 2 && !NEVER_HEAD.has(w));
  const plain: string[] = [];
  const themed: string[] = [];
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i] as string;
    const n = normalise(w);
    if (NEVER_HEAD.has(n)) continue;
    (QUALIFIERS.has(w) || QUALIFIERS.has(n) ? themed : plain).push(n);
  }
  return [...plain, ...themed];
}

/** A description's category in lower case (`bag`, `t-light holder` → `holder`), or undefined. */
export function categoryOf(description: string): string | undefined {
  return headCandidates(description)[0]?.toLowerCase();
}

/**
 * Categories for a whole catalogue: a head named by fewer than `minProducts` products is too rare
 * to be a category (typos, one-off words), so the product takes its next candidate that is common
 * enough, else `other`.
 */
export function assignCategories(
  descriptions: ReadonlyMap<string, string>,
  minProducts: number,
): Map<string, string> {
  const candidates = new Map<string, string[]>();
  const firstChoice = new Map<string, number>();
  for (const [id, description] of descriptions) {
    const c = headCandidates(description);
    candidates.set(id, c);
    if (c[0]) firstChoice.set(c[0], (firstChoice.get(c[0]) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const [id, c] of candidates) {
    const head = c.find((h) => (firstChoice.get(h) ?? 0) >= minProducts);
    out.set(id, head ? head.toLowerCase() : OTHER_CATEGORY);
  }
  return out;
}

export const OTHER_CATEGORY = 'other';
