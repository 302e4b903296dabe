/**
 * Binary encoding of stage artifacts, so feature stages and shard stages can run as separate jobs.
 * An artifact is a plain object whose fields are typed arrays, nested artifact objects, or JSON
 * values (numbers, strings, arrays of strings...). Layout: "NBA1", u32 header length, JSON header,
 * padding to 8 bytes, then the arrays' bytes, each 8-byte aligned.
 */

export type TypedArray =
  Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

const CTORS = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
} as const;
type CtorName = keyof typeof CTORS;

interface ArrayRef {
  $array: CtorName;
  offset: number;
  length: number;
}

interface Header {
  kind: string;
  version: number;
  body: unknown;
}

const MAGIC = [0x4e, 0x42, 0x41, 0x31]; // "NBA1"

function ctorName(a: TypedArray): CtorName {
  const name = a.constructor.name;
  if (!(name in CTORS)) throw new Error(`unsupported array type ${name}`);
  return name as CtorName;
}

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

const align8 = (n: number) => (n + 7) & ~7;

/** Encodes an artifact object; `kind` and `version` are checked by `decodeArtifact`. */
export function encodeArtifact(kind: string, version: number, value: object): Uint8Array {
  const arrays: TypedArray[] = [];
  let offset = 0;
  const walk = (v: unknown): unknown => {
    if (isTypedArray(v)) {
      const ref: ArrayRef = { $array: ctorName(v), offset, length: v.length };
      arrays.push(v);
      offset = align8(offset + v.byteLength);
      return ref;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  };
  const header: Header = { kind, version, body: walk(value) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align8(8 + json.length);
  const out = new Uint8Array(start + offset);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = align8(at + a.byteLength);
  }
  return out;
}

/** Decodes what `encodeArtifact` wrote; arrays are copied out (aligned, independent of `bytes`). */
export function decodeArtifact<T>(kind: string, version: number, bytes: Uint8Array): T {
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw new Error('not an engine artifact');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength))) as Header;
  if (header.kind !== kind) throw new Error(`artifact is ${header.kind}, expected ${kind}`);
  if (header.version !== version)
    throw new Error(`${kind} artifact version ${header.version}, expected ${version}`);
  const start = align8(8 + jsonLength);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$array === 'string') {
        const ref = o as unknown as ArrayRef;
        const Ctor = CTORS[ref.$array];
        const byteLength = ref.length * Ctor.BYTES_PER_ELEMENT;
        // TypedArray slice copies; a Node Buffer's `slice` is a view of its (pooled) memory, so the
        // copy is made through Uint8Array's method whatever subclass `bytes` is.
        const copy = Uint8Array.prototype.slice.call(
          bytes,
          start + ref.offset,
          start + ref.offset + byteLength,
        );
        return new Ctor(copy.buffer, 0, ref.length);
      }
      if (typeof o.$number === 'string') return Number(o.$number);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(header.body) as T;
}
