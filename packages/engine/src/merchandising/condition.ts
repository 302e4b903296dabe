/**
 * The condition language of merchandising rules: a boolean expression over a product's fields and
 * attributes, e.g. `category = 'Outdoor' AND (price < 50 OR attributes.material = 'wool')`.
 *
 * Parsed with Chevrotain (a parser library written in TypeScript, no generation step) into a small
 * AST; `compileCondition` turns the AST into one closure so a request pays a few function calls per
 * product, never a parse. Its tokens and error wording are the shared lexicon's
 * (`language/lexicon.ts`), which the prediction-task language uses too. Grammar (docs/rules.md):
 *
 *   condition  := or
 *   or         := and ( OR and )*
 *   and        := unary ( AND unary )*
 *   unary      := NOT unary | '(' or ')' | TRUE | FALSE | test
 *   test       := field [ op literal | [NOT] IN '(' literal ( ',' literal )* ')' ]
 *   field      := name | attributes '.' ( name | string )
 *   op         := '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 *   literal    := string | number | TRUE | FALSE | NULL
 *
 * Keywords and field names are case-insensitive (`product_id` is another name of `id`); strings are
 * single-quoted (`''` is a quote inside one); a field alone (`available`) tests that its value is true.
 */

import type { IToken } from 'chevrotain';
import {
  And,
  atToken,
  BASE_KEYWORDS,
  chevrotain,
  Comma,
  Dot,
  Eq,
  errorMessages,
  False,
  Ge,
  Gt,
  Identifier,
  In,
  LanguageError,
  Le,
  lexerOf,
  LParen,
  Lt,
  Ne,
  Not,
  Null,
  NumberLiteral,
  oneOf,
  Or,
  RParen,
  StringLiteral,
  throwFirstParseError,
  tokenize,
  tokenList,
  True,
  unquote,
} from '../language/lexicon';

const { EmbeddedActionsParser, EMPTY_ALT } = chevrotain;

/** A product as conditions see it. */
export interface ProductFields {
  product_id: string;
  name: string | null;
  category: string | null;
  brand: string | null;
  price: number | null;
  available: boolean;
  attributes: Readonly<Record<string, string | number | boolean | null>>;
}

export const PRODUCT_CONDITION_FIELDS = ['id', 'name', 'category', 'brand', 'price', 'available'] as const;
export type ProductConditionField = (typeof PRODUCT_CONDITION_FIELDS)[number];

export type Literal = string | number | boolean | null;
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type FieldRef = { kind: 'field'; name: ProductConditionField } | { kind: 'attribute'; name: string };

export type Condition =
  | { type: 'and'; items: Condition[] }
  | { type: 'or'; items: Condition[] }
  | { type: 'not'; item: Condition }
  | { type: 'const'; value: boolean }
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { type: 'in'; field: FieldRef; values: Literal[]; negated: boolean }
  | { type: 'truthy'; field: FieldRef };

/** A condition that does not parse: where (1-based character position, line, column) and what was expected. */
export class ConditionSyntaxError extends LanguageError {
  constructor(reason: string, position: number, line: number, column: number) {
    super(reason, position, line, column);
    this.name = 'ConditionSyntaxError';
  }
}

const syntaxError = (reason: string, position: number, line: number, column: number) =>
  new ConditionSyntaxError(reason, position, line, column);

/** Every token of the language (the shared lexicon's), keywords before the identifier they would otherwise match. */
export const CONDITION_TOKENS = tokenList(BASE_KEYWORDS);

const conditionLexer = lexerOf(CONDITION_TOKENS);

/** Messages in the words of docs/rules.md: "expected X or Y, found Z". */
const messages = errorMessages('the end of the expression', 'AND, OR or the end of the expression');

// --- Parser ------------------------------------------------------------------------------------

class ConditionParser extends EmbeddedActionsParser {
  constructor() {
    super(CONDITION_TOKENS, { errorMessageProvider: messages, recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  readonly condition = this.RULE('condition', (): Condition => {
    const items = [this.SUBRULE(this.and)];
    this.MANY(() => {
      this.CONSUME(Or);
      items.push(this.SUBRULE2(this.and));
    });
    return items.length === 1 ? items[0]! : { type: 'or', items };
  });

  private readonly and = this.RULE('and', (): Condition => {
    const items = [this.SUBRULE(this.unary)];
    this.MANY(() => {
      this.CONSUME(And);
      items.push(this.SUBRULE2(this.unary));
    });
    return items.length === 1 ? items[0]! : { type: 'and', items };
  });

  private readonly unary = this.RULE('unary', (): Condition =>
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(Not);
            return { type: 'not' as const, item: this.SUBRULE(this.unary) };
          },
        },
        {
          ALT: () => {
            this.CONSUME(LParen);
            const inner = this.SUBRULE(this.condition);
            this.CONSUME(RParen);
            return inner;
          },
        },
        { ALT: () => (this.CONSUME(True), { type: 'const' as const, value: true }) },
        { ALT: () => (this.CONSUME(False), { type: 'const' as const, value: false }) },
        { ALT: () => this.SUBRULE(this.test) },
      ],
      ERR_MSG: "a condition (a field name, NOT, '(', true or false)",
    }),
  );

  private readonly test = this.RULE('test', (): Condition => {
    const field = this.SUBRULE(this.field);
    return this.OR({
      DEF: [
        {
          ALT: () => {
            const op = this.SUBRULE(this.op);
            const value = this.SUBRULE(this.literal);
            return { type: 'compare' as const, field, op, value };
          },
        },
        {
          ALT: () => {
            let negated = false;
            this.OPTION(() => {
              this.CONSUME(Not);
              negated = true;
            });
            this.CONSUME(In);
            this.CONSUME(LParen);
            const values: Literal[] = [];
            this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => values.push(this.SUBRULE2(this.literal)) });
            this.CONSUME(RParen);
            return { type: 'in' as const, field, values, negated };
          },
        },
        // A field alone: its value is true (`available`, `attributes.organic`).
        { ALT: EMPTY_ALT<Condition>({ type: 'truthy', field }) },
      ],
    });
  });

  private readonly field = this.RULE('field', (): FieldRef => {
    const name = this.CONSUME(Identifier);
    let attribute: string | undefined;
    this.OPTION(() => {
      this.CONSUME(Dot);
      attribute = this.OR([
        { ALT: () => this.CONSUME2(Identifier).image },
        { ALT: () => unquote(this.CONSUME(StringLiteral).image) },
      ]);
    });
    return this.ACTION(() => fieldRef(name, attribute));
  });

  private readonly op = this.RULE('op', (): CompareOp =>
    this.OR({
      DEF: [
        { ALT: () => (this.CONSUME(Eq), '=' as const) },
        { ALT: () => (this.CONSUME(Ne), '!=' as const) },
        { ALT: () => (this.CONSUME(Le), '<=' as const) },
        { ALT: () => (this.CONSUME(Ge), '>=' as const) },
        { ALT: () => (this.CONSUME(Lt), '<' as const) },
        { ALT: () => (this.CONSUME(Gt), '>' as const) },
      ],
    }),
  );

  private readonly literal = this.RULE('literal', (): Literal =>
    this.OR<Literal>({
      DEF: [
        { ALT: () => unquote(this.CONSUME(StringLiteral).image) },
        { ALT: () => Number(this.CONSUME(NumberLiteral).image) },
        { ALT: () => (this.CONSUME(True), true) },
        { ALT: () => (this.CONSUME(False), false) },
        { ALT: () => (this.CONSUME(Null), null) },
      ],
      ERR_MSG: "a value (a 'string', a number, true, false or null)",
    }),
  );
}

/** A field name checked against the product's fields: an unknown one is an error at its position. */
function fieldRef(
  token: { image: string; startOffset: number; startLine?: number; startColumn?: number },
  attribute: string | undefined,
): FieldRef {
  const name = token.image;
  if (attribute !== undefined) {
    if (name.toLowerCase() === 'attributes') return { kind: 'attribute', name: attribute };
    throw atToken(syntaxError, token, `unknown field '${name}.${attribute}'; ${FIELDS_HINT}`);
  }
  const lower = name.toLowerCase();
  const known = PRODUCT_CONDITION_FIELDS.find((f) => f === (lower === 'product_id' ? 'id' : lower));
  if (known) return { kind: 'field', name: known };
  throw atToken(syntaxError, token, `unknown field '${name}'; ${FIELDS_HINT}`);
}

const FIELDS_HINT = `expected ${oneOf([...PRODUCT_CONDITION_FIELDS, 'attributes.<name>'])}`;

/** One parser for the process: Chevrotain parsers are reusable (`input` resets them). */
let parser: ConditionParser | undefined;

/** Parses a condition; a `ConditionSyntaxError` names the position and what was expected there. */
export function parseCondition(text: string): Condition {
  const tokens: IToken[] = tokenize(conditionLexer, text, 'a condition', syntaxError);
  parser ??= new ConditionParser();
  parser.input = tokens;
  // An unknown field throws its ConditionSyntaxError from inside the parse.
  const result = parser.condition();
  throwFirstParseError(parser, text, syntaxError);
  return result;
}

// --- Compiler ----------------------------------------------------------------------------------

export type ProductPredicate = (product: ProductFields) => boolean;

/** The condition as one closure; a missing value (null, absent attribute) makes a comparison false. */
export function compileCondition(condition: Condition): ProductPredicate {
  switch (condition.type) {
    case 'const': {
      const v = condition.value;
      return () => v;
    }
    case 'not': {
      const inner = compileCondition(condition.item);
      return (p) => !inner(p);
    }
    case 'and': {
      const items = condition.items.map(compileCondition);
      return (p) => {
        for (const f of items) if (!f(p)) return false;
        return true;
      };
    }
    case 'or': {
      const items = condition.items.map(compileCondition);
      return (p) => {
        for (const f of items) if (f(p)) return true;
        return false;
      };
    }
    case 'truthy': {
      const get = getter(condition.field);
      return (p) => get(p) === true;
    }
    case 'in': {
      const get = getter(condition.field);
      const values = new Set(condition.values.filter((v) => v !== null));
      const negated = condition.negated;
      return (p) => {
        const v = get(p);
        if (v === null || v === undefined) return false;
        return values.has(v) !== negated;
      };
    }
    case 'compare': {
      const get = getter(condition.field);
      const target = condition.value;
      const test = comparator(condition.op);
      if (target === null) {
        // `= null` / `!= null`: the only comparisons a missing value answers.
        return condition.op === '!='
          ? (p) => get(p) !== null && get(p) !== undefined
          : condition.op === '='
            ? (p) => get(p) === null || get(p) === undefined
            : () => false;
      }
      return (p) => {
        const v = get(p);
        return v !== null && v !== undefined && typeof v === typeof target && test(v, target);
      };
    }
  }
}

type Value = string | number | boolean | null | undefined;

function getter(field: FieldRef): (p: ProductFields) => Value {
  if (field.kind === 'attribute') {
    const key = field.name;
    return (p) => p.attributes[key];
  }
  switch (field.name) {
    case 'id':
      return (p) => p.product_id;
    case 'name':
      return (p) => p.name;
    case 'category':
      return (p) => p.category;
    case 'brand':
      return (p) => p.brand;
    case 'price':
      return (p) => p.price;
    case 'available':
      return (p) => p.available;
  }
}

function comparator(op: CompareOp): (a: NonNullable<Value>, b: NonNullable<Value>) => boolean {
  switch (op) {
    case '=':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
  }
}

/**
 * The product ids a condition names outright (`id = 'X'`, `id IN ('X', 'Y')`, or an OR of those),
 * in order; `null` when it selects products by any other field. A pin rule brings such products into
 * a list that does not hold them.
 */
export function namedProductIds(condition: Condition): string[] | null {
  if (condition.type === 'compare' && condition.op === '=' && isId(condition.field)) {
    return typeof condition.value === 'string' ? [condition.value] : null;
  }
  if (condition.type === 'in' && !condition.negated && isId(condition.field)) {
    return condition.values.filter((v): v is string => typeof v === 'string');
  }
  if (condition.type === 'or') {
    const all: string[] = [];
    for (const item of condition.items) {
      const ids = namedProductIds(item);
      if (ids === null) return null;
      all.push(...ids);
    }
    return all;
  }
  return null;
}

function isId(field: FieldRef): boolean {
  return field.kind === 'field' && field.name === 'id';
}
