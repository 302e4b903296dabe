import { isUtf8 } from 'node:buffer';

/** First code unit of the escapes: byte 0x80–0xFF becomes U+DC80–U+DCFF. */
const ESCAPE_BASE = 0xdc00;

/**
 * UTF-8 bytes to text, chunk by chunk, like `StringDecoder` but never silent about bad bytes: a
 * decoder that turns them into U+FFFD would store `csvbad\xff\xfeutf` as `csvbad��utf` and let two
 * different ids collide. Each byte that is not part of a well-formed sequence becomes a lone
 * surrogate instead (U+DC80–U+DCFF, Python's "surrogateescape"), which valid UTF-8 can never
 * produce: the row readers find it with `String#isWellFormed` and reject that row alone, by line,
 * while the file's structure (commas, quotes, newlines) is untouched. Valid input costs one
 * native validation per chunk on top of the usual decoding.
 */
export class Utf8Decoder {
  /** The start of a sequence split across chunks (at most 3 bytes). */
  private carry: Buffer | undefined;

  write(chunk: Buffer): string {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeEnd(bytes);
    this.carry = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
    return decode(bytes, end);
  }

  /** What is left: a sequence the file never finished is invalid, and escaped like any other. */
  end(): string {
    const rest = this.carry;
    this.carry = undefined;
    return rest ? decode(rest, rest.length) : '';
  }
}

/** Where the last complete sequence of `bytes` ends: before a lead byte whose sequence runs past the end. */
function completeEnd(bytes: Buffer): number {
  const length = bytes.length;
  for (let i = length - 1; i >= 0 && i >= length - 3; i--) {
    const b = bytes[i] as number;
    if (b < 0x80) return length;
    if (b >= 0xc0) return i + leadLength(b) > length ? i : length;
  }
  return length;
}

/** The length a lead byte announces (1 for a byte that cannot lead a sequence). */
function leadLength(b: number): number {
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 1;
}

function decode(bytes: Buffer, end: number): string {
  if (isUtf8(bytes.subarray(0, end))) return bytes.toString('utf8', 0, end);
  let out = '';
  let run = 0;
  let i = 0;
  while (i < end) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    out += bytes.toString('utf8', run, i) + String.fromCharCode(ESCAPE_BASE + b);
    run = ++i;
  }
  return out + bytes.toString('utf8', run, end);
}

/**
 * The length of the well-formed sequence at `i`, or 0 (the Unicode standard's table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
function sequenceLength(bytes: Buffer, i: number, end: number): number {
  const b = bytes[i] as number;
  const n = leadLength(b);
  if (n === 1 || i + n > end) return 0;
  let low = 0x80;
  let high = 0xbf;
  if (b === 0xe0) low = 0xa0;
  else if (b === 0xed) high = 0x9f;
  else if (b === 0xf0) low = 0x90;
  else if (b === 0xf4) high = 0x8f;
  const second = bytes[i + 1] as number;
  if (second < low || second > high) return 0;
  for (let k = 2; k < n; k++) {
    const c = bytes[i + k] as number;
    if (c < 0x80 || c > 0xbf) return 0;
  }
  return n;
}
