/** CRC16-CCITT (XMODEM) table: Redis Cluster's key hash. */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/**
 * The Redis Cluster hash slot of a key (what `CLUSTER KEYSLOT` answers): CRC16 of the key, or of
 * the part inside its first non-empty `{…}` hash tag, modulo 16,384. Here rather than a dependency:
 * twenty lines, checked against a real cluster in batched-get.int-spec.ts.
 */
export function keySlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc & 0x3fff;
}
