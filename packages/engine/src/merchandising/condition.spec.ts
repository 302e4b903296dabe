import {
  compileCondition,
  ConditionSyntaxError,
  namedProductIds,
  parseCondition,
  type ProductFields,
} from './condition';

const jumper: ProductFields = {
  product_id: 'P1',
  name: 'Wool jumper',
  category: 'Outdoor',
  brand: 'acme',
  price: 42.5,
  available: true,
  attributes: { material: 'wool', organic: true, size: 3 },
};
const mug: ProductFields = {
  product_id: 'P2',
  name: "Bob's mug",
  category: 'Kitchen',
  brand: null,
  price: null,
  available: false,
  attributes: {},
};

const matches = (text: string, p: ProductFields) => compileCondition(parseCondition(text))(p);

function syntaxError(text: string): ConditionSyntaxError {
  try {
    parseCondition(text);
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return e;
    throw e;
  }
  throw new Error(`${text} parsed`);
}

describe('condition language', () => {
  it.each([
    ["category = 'Outdoor'", true, false],
    ["brand IN ('a', 'acme')", true, false],
    ["brand NOT IN ('a', 'acme')", false, false],
    ['price < 50', true, false],
    ['price >= 42.5 and price <= 42.5', true, false],
    ["attributes.material = 'wool'", true, false],
    ["attributes.'material' == 'wool'", true, false],
    ['attributes.organic', true, false],
    ['attributes.size > 2', true, false],
    ['available', true, false],
    ['NOT available', false, true],
    ["not (category = 'Outdoor' OR category = 'Garden')", false, true],
    ["category = 'Kitchen' OR price < 50 AND brand = 'acme'", true, true],
    ["(category = 'Kitchen' OR price < 50) AND brand = 'acme'", true, false],
    ["name = 'Bob''s mug'", false, true],
    ['brand = null', false, true],
    ['brand != null', true, false],
    ["category <> 'Outdoor'", false, true],
    ['price > -1e3', true, false],
    ["price = '42.5'", false, false],
    ['true', true, true],
    ['FALSE or false', false, false],
    ["ID in ('P2')", false, true],
  ])('%s', (text, forJumper, forMug) => {
    expect(matches(text, jumper)).toBe(forJumper);
    expect(matches(text, mug)).toBe(forMug);
  });

  it.each([
    [
      "category = 'Outdoor' AND",
      25,
      "expected a condition (a field name, NOT, '(', true or false), found the end of the expression",
    ],
    ["category 'Outdoor'", 10, "expected AND, OR or the end of the expression, found ''Outdoor''"],
    [
      'price < ',
      9,
      "expected a value (a 'string', a number, true, false or null), found the end of the expression",
    ],
    ["(category = 'a'", 16, "expected ')', found the end of the expression"],
    ["brand IN 'a'", 10, "expected '(', found ''a''"],
    ['brand IN ()', 11, "expected a 'string', a number, true, false or null, found ')'"],
    [
      "colour = 'red'",
      1,
      "unknown field 'colour'; expected id, name, category, brand, price, available or attributes.<name>",
    ],
    ['price < 50 AND size.x = 1', 16, "unknown field 'size.x'"],
    ["category = 'Outdoor", 12, 'a string that is never closed'],
    ['price ~ 3', 7, "unexpected character '~'"],
    ['', 1, 'expected a condition, found nothing'],
    ["category = 'a' )", 16, "expected AND, OR or the end of the expression, found ')'"],
  ])('%s fails at position %d', (text, position, reason) => {
    const e = syntaxError(text);
    expect(e.position).toBe(position);
    expect(e.reason).toContain(reason);
    expect(e.message).toBe(`position ${position}: ${e.reason}`);
  });

  it('reports line and column on a multi-line expression', () => {
    const e = syntaxError("category = 'a'\n  AND price <");
    expect(e.line).toBe(2);
    expect(e.column).toBe(14);
    expect(e.position).toBe(29);
  });

  it('names the product ids a pin can bring in', () => {
    expect(namedProductIds(parseCondition("id = 'X'"))).toEqual(['X']);
    expect(namedProductIds(parseCondition("id IN ('X', 'Y') OR id = 'Z'"))).toEqual(['X', 'Y', 'Z']);
    expect(namedProductIds(parseCondition("id = 'X' AND available"))).toBeNull();
    expect(namedProductIds(parseCondition("category = 'X'"))).toBeNull();
  });
});
