// Byte helpers: hex and base64 (as the chain's `Binary` and the relayer's JSON carry bytes),
// and the big-endian writer behind every encoding of docs/encoding.md.
import { fromBase64, fromHex, toBase64, toHex } from '@cosmjs/encoding';

export { fromBase64, fromHex, toBase64, toHex };

const U64_MAX = (1n << 64n) - 1n;
const utf8 = new TextEncoder();

/** Bytes given as bytes or as base64 (the JSON form of `Binary`). */
export type BytesLike = Uint8Array | string;

export function bytesOf(field: string, b: BytesLike): Uint8Array {
  if (b instanceof Uint8Array) return b;
  try {
    return fromBase64(b);
  } catch {
    throw new EncodingError(`${field} is not valid base64`);
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

/** An input that cannot be encoded (the `EncodingError` of diachain-std). */
export class EncodingError extends Error {
  override name = 'EncodingError';
}

/** A whole number as a bigint, checked to fit `bits` unsigned (or signed) bits. */
export function toUint(field: string, v: number | bigint, bits: 8 | 16 | 32 | 64): bigint {
  const n = integer(field, v);
  const max = bits === 64 ? U64_MAX : (1n << BigInt(bits)) - 1n;
  if (n < 0n || n > max) throw new EncodingError(`${field} ${n} does not fit in ${bits} unsigned bits`);
  return n;
}

function integer(field: string, v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new EncodingError(`${field} ${v} is not a safe integer`);
  return BigInt(v);
}

/** Big-endian writer with the `str8` / `bytes8` length-prefixed fields. */
export class Writer {
  private parts: number[] = [];

  u8(field: string, v: number | bigint): this {
    this.parts.push(Number(toUint(field, v, 8)));
    return this;
  }

  uint(field: string, v: number | bigint, bits: 16 | 32 | 64): this {
    return this.bigEndian(toUint(field, v, bits), bits / 8);
  }

  i64(field: string, v: number | bigint): this {
    const n = integer(field, v);
    if (BigInt.asIntN(64, n) !== n) throw new EncodingError(`${field} ${n} does not fit in a signed 64-bit integer`);
    return this.bigEndian(BigInt.asUintN(64, n), 8);
  }

  bytes(b: Uint8Array): this {
    for (const x of b) this.parts.push(x);
    return this;
  }

  bytes8(field: string, b: Uint8Array): this {
    if (b.length > 255) throw new EncodingError(`${field} is ${b.length} bytes; at most 255 fit in a length byte`);
    this.parts.push(b.length);
    return this.bytes(b);
  }

  str8(field: string, s: string): this {
    return this.bytes8(field, utf8Bytes(s));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private bigEndian(n: bigint, width: number): this {
    for (let i = width - 1; i >= 0; i--) this.parts.push(Number((n >> BigInt(8 * i)) & 0xffn));
    return this;
  }
}
