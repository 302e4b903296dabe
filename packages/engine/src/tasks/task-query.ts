/**
 * The prediction-task language (issue #17 item 3, docs/tasks.md): a PQL-like query that states
 * what the engine predicts, for whom, and how long a list it keeps, e.g.
 *
 *   PREDICT LIST_DISTINCT(events.product_id WHERE type IN ('cart_add'), 0, 7, days)
 *   RANK TOP 20 FOR EACH customers.customer_id WHERE COUNT(events WHERE type = 'view', -30, 0, days) > 0
 *
 * Parsed with Chevrotain over the lexicon it shares with the rules' conditions
 * (`language/lexicon.ts`) into a raw tree that keeps every token, then checked part by part into a
 * zod-checked `TaskDefinition` (@nextbuy/contracts). Both steps report the position: a syntax error
 * names what was expected there; a query the product cannot answer names the part and why
 * ("unknown event type 'purchased'", "unit 'hours' is not supported"). Grammar:
 *
 *   task     := PREDICT target RANK TOP number FOR EACH ref [ WHERE cond ]
 *   target   := LIST_DISTINCT '(' ref [ WHERE cond ] ',' number ',' number ',' unit ')'
 *   cond     := and ( OR and )*
 *   and      := unary ( AND unary )*
 *   unary    := NOT unary | '(' cond ')' | TRUE | FALSE | test
 *   test     := COUNT '(' ref [ WHERE cond ] ',' number ',' number ',' unit ')' op number
 *             | ref ( op literal | [ NOT ] IN '(' literal ( ',' literal )* ')' )
 *   ref      := name ( '.' name )*
 *   op       := '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 *   literal  := string | number | TRUE | FALSE | NULL
 *
 * What the product answers: LIST_DISTINCT of `events.product_id`, filtered by event `type`, over a
 * window that starts at as-of (0) and ends `horizon` days later; K from 1 to 50 (the stored list
 * length); FOR EACH `customers.customer_id`, optionally WHERE the customer's `segment` or
 * `customer_id` (=, !=, IN) and COUNTs of their own events in a window of days before as-of.
 */

import type { IToken } from 'chevrotain';
import {
  type CompareOpName,
  type EntityFilter,
  EVENT_TYPES,
  type EventType,
  TASK_LIMITS,
  type TaskDefinition,
  taskDefinitionSchema,
} from '@nextbuy/contracts';
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
  keyword,
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

const { EmbeddedActionsParser } = chevrotain;

/** A task query that does not parse, or asks what the product cannot answer: where, and why. */
export class TaskQueryError extends LanguageError {
  constructor(reason: string, position: number, line: number, column: number) {
    super(reason, position, line, column);
    this.name = 'TaskQueryError';
  }
}

const queryError = (reason: string, position: number, line: number, column: number) =>
  new TaskQueryError(reason, position, line, column);

// --- Lexer -------------------------------------------------------------------------------------

const Predict = keyword('PREDICT');
const ListDistinct = keyword('LIST_DISTINCT');
const Rank = keyword('RANK');
const Top = keyword('TOP');
const For = keyword('FOR');
const Each = keyword('EACH');
const Where = keyword('WHERE');
const Count = keyword('COUNT');

export const TASK_TOKENS = tokenList([
  Predict,
  ListDistinct,
  Rank,
  Top,
  For,
  Each,
  Where,
  Count,
  ...BASE_KEYWORDS,
]);
const taskLexer = lexerOf(TASK_TOKENS);
const messages = errorMessages('the end of the query', 'AND, OR or the end of the query');

// --- Raw tree (tokens kept for positions) ------------------------------------------------------

type RawLiteral = { value: string | number | boolean | null; at: IToken };
type RawRef = IToken[];
interface RawCall {
  at: IToken;
  ref: RawRef;
  where: RawCond | null;
  whereAt: IToken | null;
  from: IToken;
  to: IToken;
  unit: IToken;
}
type RawCond =
  | { type: 'and' | 'or'; items: RawCond[] }
  | { type: 'not'; item: RawCond }
  | { type: 'const'; value: boolean; at: IToken }
  | { type: 'compare'; ref: RawRef; op: CompareOpName; opAt: IToken; value: RawLiteral }
  | { type: 'in'; ref: RawRef; values: RawLiteral[]; negated: boolean }
  | { type: 'count'; call: RawCall; op: CompareOpName; opAt: IToken; value: RawLiteral };
interface RawTask {
  target: RawCall;
  k: IToken;
  entity: RawRef;
  filter: RawCond | null;
}

class TaskParser extends EmbeddedActionsParser {
  constructor() {
    super(TASK_TOKENS, { errorMessageProvider: messages, recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  readonly task = this.RULE('task', (): RawTask => {
    this.CONSUME(Predict);
    const target = this.SUBRULE(this.listDistinct);
    this.CONSUME(Rank);
    this.CONSUME(Top);
    const k = this.CONSUME(NumberLiteral);
    this.CONSUME(For);
    this.CONSUME(Each);
    const entity = this.SUBRULE(this.ref);
    let filter: RawCond | null = null;
    this.OPTION(() => {
      this.CONSUME(Where);
      filter = this.SUBRULE(this.cond);
    });
    return { target, k, entity, filter };
  });

  private readonly listDistinct = this.RULE('listDistinct', (): RawCall =>
    this.callBody(this.CONSUME(ListDistinct)),
  );

  private readonly count = this.RULE('count', (): RawCall => this.callBody(this.CONSUME(Count)));

  /** `'(' ref [WHERE cond] ',' from ',' to ',' unit ')'` after LIST_DISTINCT or COUNT (recorded in each rule). */
  private callBody(at: IToken): RawCall {
    this.CONSUME(LParen);
    const ref = this.SUBRULE(this.ref);
    let where: RawCond | null = null;
    let whereAt: IToken | null = null;
    this.OPTION(() => {
      whereAt = this.CONSUME(Where);
      where = this.SUBRULE(this.cond);
    });
    this.CONSUME(Comma);
    const from = this.CONSUME(NumberLiteral);
    this.CONSUME2(Comma);
    const to = this.CONSUME2(NumberLiteral);
    this.CONSUME3(Comma);
    const unit = this.CONSUME(Identifier, { LABEL: 'a unit (days)' });
    this.CONSUME(RParen);
    return { at, ref, where, whereAt, from, to, unit };
  }

  private readonly cond = this.RULE('cond', (): RawCond => {
    const items = [this.SUBRULE(this.and)];
    this.MANY(() => {
      this.CONSUME(Or);
      items.push(this.SUBRULE2(this.and));
    });
    return items.length === 1 ? items[0]! : { type: 'or', items };
  });

  private readonly and = this.RULE('and', (): RawCond => {
    const items = [this.SUBRULE(this.unary)];
    this.MANY(() => {
      this.CONSUME(And);
      items.push(this.SUBRULE2(this.unary));
    });
    return items.length === 1 ? items[0]! : { type: 'and', items };
  });

  private readonly unary = this.RULE('unary', (): RawCond =>
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
            const inner = this.SUBRULE(this.cond);
            this.CONSUME(RParen);
            return inner;
          },
        },
        { ALT: () => ({ type: 'const' as const, value: true, at: this.CONSUME(True) }) },
        { ALT: () => ({ type: 'const' as const, value: false, at: this.CONSUME(False) }) },
        {
          ALT: () => {
            const call = this.SUBRULE(this.count);
            const { op, at: opAt } = this.SUBRULE(this.op);
            const value = this.SUBRULE(this.literal);
            return { type: 'count' as const, call, op, opAt, value };
          },
        },
        { ALT: () => this.SUBRULE(this.test) },
      ],
      ERR_MSG: "a condition (a column, COUNT(…), NOT, '(', true or false)",
    }),
  );

  private readonly test = this.RULE('test', (): RawCond => {
    const ref = this.SUBRULE(this.ref);
    return this.OR<RawCond>({
      DEF: [
        {
          ALT: () => {
            const { op, at: opAt } = this.SUBRULE(this.op);
            const value = this.SUBRULE(this.literal);
            return { type: 'compare' as const, ref, op, opAt, value };
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
            const values: RawLiteral[] = [];
            this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => values.push(this.SUBRULE2(this.literal)) });
            this.CONSUME(RParen);
            return { type: 'in' as const, ref, values, negated };
          },
        },
      ],
      ERR_MSG: "a comparison ('=', '!=', '<', …) or IN",
    });
  });

  private readonly ref = this.RULE('ref', (): RawRef => {
    const parts = [this.CONSUME(Identifier)];
    this.MANY(() => {
      this.CONSUME(Dot);
      parts.push(this.CONSUME2(Identifier));
    });
    return parts;
  });

  private readonly op = this.RULE('op', (): { op: CompareOpName; at: IToken } =>
    this.OR<{ op: CompareOpName; at: IToken }>({
      DEF: [
        { ALT: () => ({ op: '=' as const, at: this.CONSUME(Eq) }) },
        { ALT: () => ({ op: '!=' as const, at: this.CONSUME(Ne) }) },
        { ALT: () => ({ op: '<=' as const, at: this.CONSUME(Le) }) },
        { ALT: () => ({ op: '>=' as const, at: this.CONSUME(Ge) }) },
        { ALT: () => ({ op: '<' as const, at: this.CONSUME(Lt) }) },
        { ALT: () => ({ op: '>' as const, at: this.CONSUME(Gt) }) },
      ],
    }),
  );

  private readonly literal = this.RULE('literal', (): RawLiteral =>
    this.OR<RawLiteral>({
      DEF: [
        {
          ALT: () => {
            const at = this.CONSUME(StringLiteral);
            return { value: unquote(at.image), at };
          },
        },
        {
          ALT: () => {
            const at = this.CONSUME(NumberLiteral);
            return { value: Number(at.image), at };
          },
        },
        { ALT: () => ({ value: true, at: this.CONSUME(True) }) },
        { ALT: () => ({ value: false, at: this.CONSUME(False) }) },
        { ALT: () => ({ value: null, at: this.CONSUME(Null) }) },
      ],
      ERR_MSG: "a value (a 'string', a number, true, false or null)",
    }),
  );
}

/** One parser for the process: Chevrotain parsers are reusable (`input` resets them). */
let parser: TaskParser | undefined;

/**
 * Parses and checks a task query into its definition. A `TaskQueryError` names the position and,
 * for a syntax error, what was expected there; for a query the product cannot answer, the part and why.
 */
export function parseTaskQuery(text: string): TaskDefinition {
  const tokens = tokenize(taskLexer, text, 'a task (PREDICT …)', queryError);
  parser ??= new TaskParser();
  parser.input = tokens;
  const raw = parser.task();
  throwFirstParseError(parser, text, queryError);
  const checked = taskDefinitionSchema.safeParse(checkTask(raw));
  // The checks above leave nothing for the schema to refuse; should they miss something, it is still the query's fault.
  if (!checked.success) throw queryError(checked.error.issues[0]?.message ?? 'invalid task', 1, 1, 1);
  return checked.data;
}

// --- Checks: what the product can answer -------------------------------------------------------

const fail = (at: IToken, reason: string): never => {
  throw atToken(queryError, at, reason);
};

const refText = (ref: RawRef) => ref.map((t) => t.image).join('.');
const lower = (ref: RawRef) => ref.map((t) => t.image.toLowerCase());

/** Columns of the events table (docs/data-model.md), to tell "not this one" from "no such column". */
const EVENT_COLUMNS = ['event_id', 'customer_id', 'product_id', 'type', 'timestamp', 'session_id', 'order_id', 'quantity', 'price'];
const UNSUPPORTED_UNITS = ['hours', 'hour', 'minutes', 'minute', 'seconds', 'weeks', 'week', 'months', 'month'];

function checkTask(raw: RawTask): TaskDefinition {
  const target = raw.target;
  const ref = lower(target.ref);
  if (ref[0] !== 'events')
    fail(
      target.ref[0]!,
      `unknown table '${target.ref[0]!.image}': LIST_DISTINCT reads events.product_id ` +
        `(choose the event types with WHERE type IN (…), e.g. events.product_id WHERE type IN ('purchase'))`,
    );
  if (ref.length !== 2 || ref[1] !== 'product_id') {
    const at = target.ref[1] ?? target.ref[0]!;
    fail(
      at,
      ref.length === 2 && EVENT_COLUMNS.includes(ref[1]!)
        ? `a task predicts products: LIST_DISTINCT takes events.product_id, not ${refText(target.ref)}`
        : `unknown column '${refText(target.ref)}'; expected events.product_id`,
    );
  }
  const eventTypes = target.where ? eventTypesOf(target.where, target.whereAt!) : [...EVENT_TYPES];
  const start = wholeNumber(target.from, 'the target window start');
  if (start !== 0)
    fail(target.from, `the target window starts at as-of: its start must be 0 (got ${start})`);
  const horizon = wholeNumber(target.to, 'the horizon');
  if (horizon <= 0) fail(target.to, `the horizon must be greater than 0 days (got ${horizon})`);
  if (horizon > TASK_LIMITS.maxHorizonDays)
    fail(target.to, `the horizon is at most ${TASK_LIMITS.maxHorizonDays} days (got ${horizon})`);
  checkUnit(target.unit);
  const k = wholeNumber(raw.k, 'K (RANK TOP K)');
  if (k < 1) fail(raw.k, `K (RANK TOP K) must be at least 1 (got ${k})`);
  if (k > TASK_LIMITS.maxK)
    fail(raw.k, `K (RANK TOP ${k}) is above the stored list length: at most ${TASK_LIMITS.maxK}`);
  const entity = lower(raw.entity);
  if (entity[0] !== 'customers')
    fail(
      raw.entity[0]!,
      `unknown entity '${refText(raw.entity)}': tasks rank products FOR EACH customers.customer_id`,
    );
  if (entity.length !== 2 || entity[1] !== 'customer_id')
    fail(
      raw.entity[1] ?? raw.entity[0]!,
      `tasks rank products for each customer: expected customers.customer_id, found ${refText(raw.entity)}`,
    );
  return {
    target: { event_types: eventTypes, horizon_days: horizon },
    k,
    filter: raw.filter ? entityFilterOf(raw.filter) : null,
  };
}

function wholeNumber(at: IToken, what: string): number {
  const n = Number(at.image);
  if (!Number.isInteger(n)) fail(at, `${what} must be a whole number of days (got ${at.image})`);
  return n;
}

function checkUnit(at: IToken): void {
  const unit = at.image.toLowerCase();
  if (unit === 'days') return;
  if (UNSUPPORTED_UNITS.includes(unit))
    fail(at, `unit '${at.image}' is not supported: tasks count whole days (write days)`);
  fail(at, `unknown unit '${at.image}'; expected days`);
}

/**
 * The event types a condition over `type` selects: the condition is evaluated for each of the six
 * types, so any AND / OR / NOT of type tests reduces to a set. It must select at least one.
 */
function eventTypesOf(cond: RawCond, whereAt: IToken): EventType[] {
  const test = eventTypeTest(cond);
  const types = EVENT_TYPES.filter((t) => test(t));
  if (types.length === 0) fail(whereAt, 'this WHERE selects no event type: nothing could ever be predicted');
  return types;
}

function eventTypeTest(cond: RawCond): (t: EventType) => boolean {
  switch (cond.type) {
    case 'and': {
      const items = cond.items.map(eventTypeTest);
      return (t) => items.every((f) => f(t));
    }
    case 'or': {
      const items = cond.items.map(eventTypeTest);
      return (t) => items.some((f) => f(t));
    }
    case 'not': {
      const inner = eventTypeTest(cond.item);
      return (t) => !inner(t);
    }
    case 'const':
      return () => cond.value;
    case 'count':
      return fail(cond.call.at, 'COUNT belongs in the entity filter (FOR EACH … WHERE), not in an events WHERE');
    case 'compare': {
      checkTypeColumn(cond.ref);
      if (cond.op !== '=' && cond.op !== '!=')
        fail(cond.opAt, `type compares with =, != or IN (found '${cond.opAt.image}')`);
      const value = eventType(cond.value);
      return cond.op === '=' ? (t) => t === value : (t) => t !== value;
    }
    case 'in': {
      checkTypeColumn(cond.ref);
      const values = new Set(cond.values.map(eventType));
      return cond.negated ? (t) => !values.has(t) : (t) => values.has(t);
    }
  }
}

function checkTypeColumn(ref: RawRef): void {
  const parts = lower(ref);
  const column = parts.length === 2 && parts[0] === 'events' ? parts[1] : parts.length === 1 ? parts[0] : null;
  if (column === 'type') return;
  const at = ref[ref.length - 1]!;
  if (column != null && EVENT_COLUMNS.includes(column))
    fail(at, `an events WHERE tests the event type only (type = … or type IN (…)), not ${refText(ref)}`);
  fail(at, `unknown column '${refText(ref)}' of events; expected type`);
}

function eventType(literal: RawLiteral): EventType {
  const v = literal.value;
  const known = EVENT_TYPES.find((t) => t === v);
  if (known) return known;
  return fail(
    literal.at,
    typeof v === 'string'
      ? `unknown event type '${v}'; expected ${oneOf(EVENT_TYPES.map((t) => `'${t}'`))}`
      : `type compares with an event type in quotes, e.g. 'purchase' (found ${literal.at.image})`,
  );
}

/** The entity filter: the customer's fields and COUNTs of their past events. */
function entityFilterOf(cond: RawCond): EntityFilter {
  switch (cond.type) {
    case 'and':
    case 'or':
      return { type: cond.type, items: cond.items.map(entityFilterOf) };
    case 'not':
      return { type: 'not', item: entityFilterOf(cond.item) };
    case 'const':
      return { type: 'const', value: cond.value };
    case 'compare': {
      const field = customerField(cond.ref);
      if (cond.op !== '=' && cond.op !== '!=')
        fail(cond.opAt, `${field} compares with =, != or IN (found '${cond.opAt.image}')`);
      return { type: 'compare', field, op: cond.op as '=' | '!=', value: customerValue(cond.value, field, true) };
    }
    case 'in': {
      const field = customerField(cond.ref);
      return {
        type: 'in',
        field,
        values: cond.values.map((v) => customerValue(v, field, false) as string),
        negated: cond.negated,
      };
    }
    case 'count': {
      const { call } = cond;
      const ref = lower(call.ref);
      if (ref.length !== 1 || ref[0] !== 'events')
        fail(call.ref[0]!, `COUNT counts the customer's events: expected COUNT(events …), found ${refText(call.ref)}`);
      const eventTypes = call.where ? eventTypesOf(call.where, call.whereAt!) : [...EVENT_TYPES];
      const from = wholeNumber(call.from, 'a COUNT window start');
      const to = wholeNumber(call.to, 'a COUNT window end');
      if (to > 0)
        fail(call.to, `a COUNT window must end at or before 0 (as-of): an entity filter sees only the past (got ${to})`);
      if (from >= to) fail(call.from, `a COUNT window must start before it ends (got ${from}, ${to})`);
      if (from < -TASK_LIMITS.maxLookbackDays)
        fail(call.from, `a COUNT window reaches back at most ${TASK_LIMITS.maxLookbackDays} days (got ${from})`);
      checkUnit(call.unit);
      if (typeof cond.value.value !== 'number' || !Number.isFinite(cond.value.value))
        fail(cond.value.at, `COUNT(…) compares with a number (found ${cond.value.at.image})`);
      return {
        type: 'count',
        event_types: eventTypes,
        from_days: from,
        to_days: to,
        op: cond.op,
        value: cond.value.value as number,
      };
    }
  }
}

function customerField(ref: RawRef): 'customer_id' | 'segment' {
  const parts = lower(ref);
  const column = parts.length === 2 && parts[0] === 'customers' ? parts[1] : parts.length === 1 ? parts[0] : null;
  if (column === 'segment' || column === 'customer_id') return column;
  return fail(
    ref[ref.length - 1]!,
    parts.length === 2 && parts[0] !== 'customers'
      ? `unknown table '${ref[0]!.image}': the entity filter tests customers (segment, customer_id) and COUNT(events …)`
      : `unknown column '${refText(ref)}' of customers; expected segment, customer_id or COUNT(events …)`,
  );
}

function customerValue(literal: RawLiteral, field: string, nullable: boolean): string | null {
  const v = literal.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && field === 'customer_id') return literal.at.image;
  if (v === null && nullable) return null;
  return fail(literal.at, `${field} compares with a 'string' (found ${literal.at.image})`);
}
