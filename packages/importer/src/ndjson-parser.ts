/** One line of an NDJSON file: a parsed value, or why it is not JSON. Blank lines are skipped. */
export type JsonLine =
  { line: number; value: unknown; error?: undefined } | { line: number; value?: undefined; error: string };

export class NdjsonParser {
  private buffer = '';
  private line = 1;
  private started = false;

  push(text: string): JsonLine[] {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer = this.buffer ? this.buffer + text : text;
    return this.parse(false);
  }

  end(): JsonLine[] {
    return this.parse(true);
  }

  private parse(final: boolean): JsonLine[] {
    const out: JsonLine[] = [];
    const buf = this.buffer;
    let pos = 0;
    while (pos < buf.length) {
      let nl = buf.indexOf('\n', pos);
      if (nl === -1) {
        if (!final) break;
        nl = buf.length;
      }
      const text = buf.slice(pos, nl).trim();
      if (text && !text.isWellFormed()) {
        // Raw lone surrogates are the decoder's escapes of invalid bytes (a JSON `\ud800` escape is
        // ASCII here, and the record schemas name the field it lands in).
        out.push({ line: this.line, error: 'invalid UTF-8' });
      } else if (text) {
        try {
          out.push({ line: this.line, value: JSON.parse(text) });
        } catch (e) {
          out.push({ line: this.line, error: `malformed JSON: ${(e as Error).message}` });
        }
      }
      pos = nl + 1;
      this.line++;
    }
    this.buffer = pos >= buf.length ? '' : buf.slice(pos);
    return out;
  }
}
