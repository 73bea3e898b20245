import { describe, expect, it } from 'vitest';

import {
  BATCH_V2, EncodingError, SCOPES, bindSignBytes, encodeHeaderBody, encodeReading, readingLeafHash, scopeCountsOf, toHex, utcDay,
} from '../../src/index.js';
import { DOMAIN, PATIENT, reading } from './fixtures.js';

describe('reading encoding', () => {
  it('encodes a negative value as two\'s complement and flags big-endian', () => {
    const bytes = encodeReading({ ...reading(0), value: -1, flags: 0x21 });
    const tail = toHex(bytes.slice(bytes.length - 11));
    expect(tail).toBe('ffffffffffffffff' + '04' + '0021');
  });

  it('takes the salt as base64 (the relayer\'s JSON) or bytes, with the same leaf', () => {
    const r = reading(1);
    const asBase64 = { ...r, salt: Buffer.from(r.salt as Uint8Array).toString('base64') };
    expect(readingLeafHash(asBase64)).toEqual(readingLeafHash(r));
  });

  it('changes the leaf when any field changes', () => {
    const base = toHex(readingLeafHash(reading(0)));
    const variants = [
      { value: 142_001 }, { seq: 1043 }, { measured_at: 1_767_225_601 }, { kind: 'ketones' as const },
      { unit: 'mmol_per_l' as const }, { trend: 'single_up' as const }, { flags: 1 }, { device_id: 'cgm-7f3a9c2e51d04b89' },
    ];
    for (const v of variants) expect(toHex(readingLeafHash({ ...reading(0), ...v })), JSON.stringify(v)).not.toBe(base);
  });

  it('names what cannot be encoded', () => {
    expect(() => encodeReading({ ...reading(0), salt: new Uint8Array(15) })).toThrow('salt is 15 bytes; expected 16');
    expect(() => encodeReading({ ...reading(0), kind: 'coffee' as never })).toThrow('unknown reading kind "coffee"');
    expect(() => encodeReading({ ...reading(0), device_id: 'x'.repeat(256) })).toThrow('device id is 256 bytes');
    expect(() => encodeReading({ ...reading(0), value: 2n ** 63n })).toThrow(EncodingError);
    expect(() => encodeReading({ ...reading(0), seq: -1 })).toThrow('seq -1 does not fit');
    expect(() => encodeReading({ ...reading(0), seq: 2 ** 60 })).toThrow('not a safe integer');
    expect(() => bindSignBytes(DOMAIN, 'cgm-1', PATIENT, 2n ** 64n)).toThrow('nonce');
  });

  it('computes UTC days', () => {
    expect(utcDay(1_767_225_600)).toBe(20_454n);
    expect(utcDay(1_767_225_599)).toBe(20_453n);
  });
});

describe('version 2 header scopes', () => {
  it('lists each scope of the readings once, in code order, as diachain-std does', () => {
    expect(scopeCountsOf(['carbohydrates', 'glucose', 'insulin_basal', 'ketones', 'steps', 'insulin_bolus'])).toEqual([
      { scope: 'glucose', readings: 2 },
      { scope: 'insulin', readings: 2 },
      { scope: 'nutrition', readings: 1 },
      { scope: 'device_events', readings: 1 },
    ]);
    expect(scopeCountsOf([])).toEqual([]);
  });

  it('writes one scope as its code and several as a counted list after the version byte', () => {
    const base = { device_id: 'gw-12345678', first_seq: 1, last_seq: 3, count: 3, first_time: 0, last_time: 0, root: new Uint8Array(32) };
    const v1 = encodeHeaderBody(base);
    const one = encodeHeaderBody({ ...base, scopes: [{ scope: 'insulin', readings: 3 }] });
    const two = encodeHeaderBody({ ...base, scopes: [{ scope: 'glucose', readings: 2 }, { scope: 'nutrition', readings: 1 }] });
    expect(one[0]).toBe(BATCH_V2);
    expect(Array.from(one.slice(1, -1))).toEqual(Array.from(v1));
    expect(one[one.length - 1]).toBe(SCOPES.insulin);
    expect(Array.from(two.slice(v1.length + 1))).toEqual([0, 2, 1, 0, 0, 0, 2, 3, 0, 0, 0, 1]);
  });
});
