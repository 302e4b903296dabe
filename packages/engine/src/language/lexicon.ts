/**
 * What the engine's two small languages share: the merchandising rules' conditions
 * (`merchandising/condition.ts`) and the prediction tasks (`tasks/task-query.ts`). One way to load
 * Chevrotain, one set of literal, operator and punctuation tokens, one wording of syntax errors
 * ("position N: expected X, found Y") and one way to turn Chevrotain's lexing and parsing errors
 * into it. Each language adds its own keywords in front of these tokens.
 */

import type * as ChevrotainApi from 'chevrotain';
import type { EmbeddedActionsParser, IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { dirname, join } from 'node:path';

/**
 * Chevrotain's single-file build (`lib/chevrotain.mjs`, its dependencies inlined), loaded by path.
 * The package is ES modules only and its own imports (`@chevrotain/*`) resolve under the `import`
 * condition alone: Node 20.19 requires the package as it is, but loaders that turn ES modules into
 * CommonJS (tsx, which runs the benches and scripts; Jest) then fail to resolve those imports. The
 * bundle has none, so every runtime loads it alike.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const chevrotain = require(
  join(dirname(require.resolve('chevrotain')), '..', 'chevrotain.mjs'),
) as typeof ChevrotainApi;
const { createToken, Lexer } = chevrotain;

/** Text that does not parse (or asks for what the product cannot answer): where, and why. */
export class LanguageError extends Error {
  constructor(
    /** What was wrong, without the position: "expected a value, found ')'". */
    readonly reason: string,
    /** 1-based character position in the text. */
    readonly position: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`position ${position}: ${reason}`);
    this.name = 'LanguageError';
  }
}

/** How a language builds its own error class from the parts of a `LanguageError`. */
export type ErrorFactory<E extends LanguageError> = (
  reason: string,
  position: number,
  line: number,
  column: number,
) => E;

// --- Tokens ------------------------------------------------------------------------------------

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: 'a field name',
});

/** A case-insensitive keyword that does not swallow a longer name (`ORDER` is not `OR` + `DER`). */
export const keyword = (name: string, label = name): TokenType =>
  createToken({ name, pattern: new RegExp(`${name}\\b`, 'i'), longer_alt: Identifier, label });

export const And = keyword('AND');
export const Or = keyword('OR');
export const Not = keyword('NOT');
export const In = keyword('IN');
export const True = keyword('TRUE', 'true');
export const False = keyword('FALSE', 'false');
export const Null = keyword('NULL', 'null');
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /'(?:[^']|'')*'/,
  label: "a 'string'",
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/,
  label: 'a number',
});
export const Le = createToken({ name: 'Le', pattern: /<=/, label: "'<='" });
export const Ge = createToken({ name: 'Ge', pattern: />=/, label: "'>='" });
export const Ne = createToken({ name: 'Ne', pattern: /!=|<>/, label: "'!='" });
export const Lt = createToken({ name: 'Lt', pattern: /</, label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: />/, label: "'>'" });
export const Eq = createToken({ name: 'Eq', pattern: /==?/, label: "'='" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });

/** The boolean keywords and literals both languages know, before any identifier. */
export const BASE_KEYWORDS: TokenType[] = [And, Or, Not, In, True, False, Null];

/** Literals, operators and punctuation, then the identifier: the tail of every token list. */
export const BASE_SYMBOLS: TokenType[] = [
  StringLiteral,
  NumberLiteral,
  Le,
  Ge,
  Ne,
  Lt,
  Gt,
  Eq,
  LParen,
  RParen,
  Comma,
  Dot,
  Identifier,
];

/** A language's whole token list: whitespace, its keywords (longest first where they share a prefix), the rest. */
export function tokenList(keywords: TokenType[]): TokenType[] {
  return [WhiteSpace, ...keywords, ...BASE_SYMBOLS];
}

export function lexerOf(tokens: TokenType[]): ChevrotainApi.Lexer {
  return new Lexer(tokens, { positionTracking: 'full', ensureOptimizations: false });
}

// --- Error wording -----------------------------------------------------------------------------

/** Names a token type the way an error message does: `'('`, `a number`, `AND`. */
export function describe(type: TokenType): string {
  return type.LABEL ?? type.name;
}

/** "or" list: `a`, `a or b`, `a, b or c`. */
export function oneOf(names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? 'nothing';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

/**
 * Messages in the words of the languages' docs: "expected X or Y, found Z". Chevrotain lists the
 * token paths each alternative could start with; the first token of each path is what could come
 * next. `end` names the end of the text ("the end of the expression"); `afterComplete` is what may
 * follow a complete text when something else does.
 */
export function errorMessages(end: string, afterComplete: string): IParserErrorMessageProvider {
  const found = (token: { image: string; tokenType: TokenType }) =>
    token.tokenType.name === 'EOF' ? end : `'${token.image}'`;
  return {
    buildMismatchTokenMessage: ({ expected, actual }) =>
      `expected ${describe(expected)}, found ${found(actual)}`,
    buildNotAllInputParsedMessage: ({ firstRedundant }) =>
      `expected ${afterComplete}, found ${found(firstRedundant)}`,
    buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, customUserDescription }) => {
      const first = expectedPathsPerAlt.flatMap((paths) => paths.map((p) => (p[0] ? describe(p[0]) : '')));
      const what = customUserDescription ?? oneOf(first.filter((s) => s !== ''));
      return `expected ${what}, found ${found(actual[0]!)}`;
    },
    buildEarlyExitMessage: ({ expectedIterationPaths, actual, customUserDescription }) => {
      const what =
        customUserDescription ?? oneOf(expectedIterationPaths.map((p) => (p[0] ? describe(p[0]) : '')));
      return `expected ${what}, found ${found(actual[0]!)}`;
    },
  };
}

export function unquote(image: string): string {
  return image.slice(1, -1).replaceAll("''", "'");
}

/** Where a token starts, as an error's position. */
export interface TokenPosition {
  startOffset: number;
  startLine?: number;
  startColumn?: number;
}

export function atToken<E extends LanguageError>(
  make: ErrorFactory<E>,
  token: TokenPosition,
  reason: string,
): E {
  return make(reason, token.startOffset + 1, token.startLine ?? 1, token.startColumn ?? token.startOffset + 1);
}

/**
 * Lexes `text`: the first character no token matches is an error at its position (an unclosed
 * string says so); an empty text is "expected `what`, found nothing".
 */
export function tokenize<E extends LanguageError>(
  lexer: ChevrotainApi.Lexer,
  text: string,
  what: string,
  make: ErrorFactory<E>,
): IToken[] {
  const lexed = lexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError) {
    const ch = text.charAt(lexError.offset);
    const reason =
      ch === "'"
        ? 'a string that is never closed (strings end with a single quote)'
        : `unexpected character '${ch}'`;
    throw make(reason, lexError.offset + 1, lexError.line ?? 1, lexError.column ?? lexError.offset + 1);
  }
  if (lexed.tokens.length === 0) throw make(`expected ${what}, found nothing`, 1, 1, 1);
  return lexed.tokens;
}

/** The parser's first error, if any, as the language's error (at the end of input: just past the text). */
export function throwFirstParseError<E extends LanguageError>(
  parser: EmbeddedActionsParser,
  text: string,
  make: ErrorFactory<E>,
): void {
  const error = parser.errors[0];
  if (!error) return;
  const token = error.token;
  // At the end of input Chevrotain's EOF token has no position: the error is just past the text.
  const atEnd = token.tokenType.name === 'EOF' || Number.isNaN(token.startOffset);
  if (atEnd) {
    const lines = text.split('\n');
    throw make(error.message, text.length + 1, lines.length, lines[lines.length - 1]!.length + 1);
  }
  throw atToken(make, token, error.message);
}
