// verifyReadings on a response recorded from a real network (test/fixtures/anchored-readings.json:
// a device-signed batch anchored on a local wasmd node by the live tests, with the chain's
// BatchInfo for it), against an anchors contract that answers what the chain answered.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  NOT_ANCHORED, ReadingAnchorsTypes, ReadingsResponse, fromBase64, merkleRoot, readingLeafHash, toBase64, verifyReadings,
} from '../../src/index.js';

interface Recorded { response: ReadingsResponse; anchored: ReadingAnchorsTypes.BatchInfo }
const recorded = JSON.parse(readFileSync(new URL('../fixtures/anchored-readings.json', import.meta.url), 'utf8')) as Recorded;
const fresh = (): ReadingsResponse => structuredClone(recorded.response);

/** The chain as recorded: the one anchored batch, and the contract's error for any other seq. */
function chain(anchored: ReadingAnchorsTypes.BatchInfo | null = recorded.anchored) {
  return {
    contractAddress: recorded.response.anchors_contract,
    batch: ({ deviceId, seq }: { deviceId: string; seq: number }) =>
      anchored && deviceId === anchored.device_id && seq >= anchored.first_seq && seq <= anchored.last_seq
        ? Promise.resolve(anchored)
        : Promise.reject(new Error(`Query failed with (6): device ${deviceId} ${NOT_ANCHORED} ${seq}: query wasm contract failed`)),
  };
}

const statuses = async (r: ReadingsResponse, c = chain()) => (await verifyReadings(r, c)).map((v) => v.status);

describe('verifyReadings on a recorded response', () => {
  const n = recorded.response.batches[0]!.readings.length;

  it('the fixture is real: its readings rebuild the root the chain anchored', () => {
    const leaves = recorded.response.batches[0]!.readings.map((r) => readingLeafHash(r.reading));
    expect(toBase64(merkleRoot(leaves))).toBe(recorded.anchored.root);
    expect(n).toBeGreaterThan(2);
  });

  it('every reading verifies as recorded', async () => {
    expect(await statuses(fresh())).toEqual(Array(n).fill('verified'));
  });

  it('a tampered value fails that reading only, naming the root', async () => {
    const r = fresh();
    r.batches[0]!.readings[1]!.reading.value += 1;
    const v = await verifyReadings(r, chain());
    expect(v.map((x) => x.status)).toEqual(Array.from({ length: n }, (_, i) => (i === 1 ? 'failed' : 'verified')));
    expect(v[1]!.reason).toMatch(/does not rebuild the anchored root/);
  });

  it('a changed salt, time, path entry or index fails', async () => {
    const salt = fresh();
    const s = fromBase64(salt.batches[0]!.readings[0]!.reading.salt);
    s[0]! ^= 1;
    salt.batches[0]!.readings[0]!.reading.salt = toBase64(s);
    expect((await statuses(salt))[0]).toBe('failed');
    const time = fresh();
    time.batches[0]!.readings[2]!.reading.measured_at += 1;
    expect((await statuses(time))[2]).toBe('failed');
    const path = fresh();
    const p = fromBase64(path.batches[0]!.readings[0]!.path[0]!);
    p[31]! ^= 0x80;
    path.batches[0]!.readings[0]!.path[0] = toBase64(p);
    expect((await statuses(path))[0]).toBe('failed');
    const index = fresh();
    index.batches[0]!.readings[0]!.index = 1;
    expect((await verifyReadings(index, chain()))[0]!.reason).toMatch(/index 1 is not the reading's position 0/);
  });

  it('a header that is not the anchored one fails every reading', async () => {
    const r = fresh();
    r.batches[0]!.header.root = toBase64(new Uint8Array(32));
    const v = await verifyReadings(r, chain());
    expect(v.every((x) => x.status === 'failed' && x.reason === "the relayer's header (root) does not match the anchored batch")).toBe(true);
  });

  it('another anchors contract fails; a batch the chain does not hold is not_anchored unless the relayer claims it was', async () => {
    const other = { ...chain(), contractAddress: 'wasm1other' };
    expect(await statuses(fresh(), other)).toEqual(Array(n).fill('failed'));
    expect(await statuses(fresh(), chain(null))).toEqual(Array(n).fill('failed'));
    const pending = fresh();
    pending.batches[0]!.anchoring = { state: 'pending' };
    const v = await verifyReadings(pending, chain(null));
    expect(v.every((x) => x.status === 'not_anchored' && /^no batch anchored on chain holds seq \d+ of device /.test(x.reason!))).toBe(true);
    const claimed = await verifyReadings(fresh(), chain(null));
    expect(claimed[0]!.reason).toMatch(/^the relayer says it was anchored at height \d+, but no batch anchored on chain/);
  });

  it('a query error other than "not anchored" is thrown, not turned into a verdict', async () => {
    const broken = { ...chain(), batch: () => Promise.reject(new Error('connection refused')) };
    await expect(verifyReadings(fresh(), broken)).rejects.toThrow('connection refused');
  });
});
