import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ImportError } from './errors';
import { Utf8Decoder } from './utf8';

export type FileFormat = 'csv' | 'ndjson';

/** Big reads keep the per-chunk overhead (parsing boundaries, COPY messages) small. */
const READ_CHUNK_BYTES = 256 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b];

/** `.ndjson`, `.jsonl` and `.json` (optionally `.gz`) are NDJSON; everything else is CSV. */
export function formatOf(file: string): FileFormat {
  return /\.(nd)?jsonl?(\.gz)?$/i.test(file) || /\.ndjson(\.gz)?$/i.test(file) ? 'ndjson' : 'csv';
}

export interface OpenedSource {
  /** Decoded text (UTF-8), decompressed when the file is gzip; invalid bytes are escaped (`Utf8Decoder`). */
  text: AsyncIterable<string>;
  /** Size of the file on disk (compressed bytes when gzip). */
  totalBytes: number;
  /** Bytes of the file read so far (compressed bytes when gzip). */
  bytesRead(): number;
  gzip: boolean;
  close(): void;
}

/** Opens a file for streaming; gzip is recognised by a `.gz` name or by its magic bytes. */
export async function openSource(file: string): Promise<OpenedSource> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ImportError(`${file}: not a file`);
    size = info.size;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const code = (e as { code?: string }).code;
    throw new ImportError(code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(e as Error).message}`);
  }
  const gzip = file.toLowerCase().endsWith('.gz') || (await startsWithGzipMagic(file));
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  let bytes = 0;
  let stream: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
    // Both listeners are attached in this tick, so pipe sees every chunk the counter sees.
    raw.on('data', (chunk: string | Buffer) => {
      bytes += chunk.length;
    });
    raw.on('error', (e) => gunzip.destroy(e));
    stream = raw.pipe(gunzip);
  }
  return {
    text: decode(stream, file, gzip ? undefined : (n) => (bytes += n)),
    totalBytes: size,
    bytesRead: () => bytes,
    gzip,
    close: () => {
      raw.destroy();
      stream.destroy();
    },
  };
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * UTF-8 text of a byte stream, invalid bytes escaped for the row readers to report; a corrupt gzip
 * stream or a read error ends the import with one clear message.
 */
async function* decode(
  stream: Readable,
  file: string,
  countBytes?: (n: number) => void,
): AsyncIterable<string> {
  const decoder = new Utf8Decoder();
  try {
    for await (const chunk of stream) {
      countBytes?.((chunk as Buffer).length);
      const text = decoder.write(chunk as Buffer);
      if (text) yield text;
    }
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const what = code.startsWith('Z_') ? 'not a valid gzip file' : (e as Error).message;
    throw new ImportError(`${file}: ${what}`);
  }
  const rest = decoder.end();
  if (rest) yield rest;
}
