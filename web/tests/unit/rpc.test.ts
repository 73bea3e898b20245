// Reading wasmd's record of a contract from the node's abci_query answer, as the consortium view
// does for each contract's wasmd admin.
import { describe, expect, it } from "vitest";
import { contractInfoResponse, protoFields } from "../../src/lib/rpc";

// `abci_query` of /cosmwasm.wasm.v1.Query/ContractInfo for the consent contract on a local wasmd
// 0.70.3 network (diachain-web-dev-1), after its wasmd admin was handed to the consortium's
// multisig: the node's `response.value`, as it came.
const CONSENT =
  "Cj93YXNtMTdwOXJ6d25uZnhjanAzMnVuOXVnN3loaHpndGtodmw5amZrc3p0Z3c1dWg2OXdhYzJwZ3NtMHYwNzASyAEIAxIrd2FzbTE5bjc2ZzN1aDIwMmNhdnozNzNleno1dmpmdjhyM3htMGZ5NHlqNBo/d2FzbTFwdnJ3bWp1dXNuOXdoMzRqN3k1MjBnOGd1bXV5OXh0bDNndnBybGxqZmRwd2p1M3g3dWNzZmc1cnB6IhBkaWFjaGFpbi1jb25zZW50KgIICUJAd2FzbTIxN3A5cnp3bm5meGNqcDMydW45dWc3eWhoemd0a2h2bDlqZmtzenRndzV1aDY5d2FjMnBnc20wdjA3MA==";
const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const enc = new TextEncoder();

/** A length-delimited protobuf field (for building answers the node could give). */
const field = (num: number, value: Uint8Array) => Uint8Array.from([(num << 3) | 2, value.length, ...value]);

describe("wasmd's contract info", () => {
  it("reads the code id, creator, admin and label of a real answer (skipping the fields it does not need)", () => {
    expect(contractInfoResponse(bytes(CONSENT))).toEqual({
      address: "wasm17p9rzwnnfxcjp32un9ug7yhhzgtkhvl9jfksztgw5uh69wac2pgsm0v070",
      codeId: 3,
      creator: "wasm19n76g3uh202cavz373ezz5vjfv8r3xm0fy4yj4",
      admin: "wasm1pvrwmjuusn9wh34j7y520g8gumuy9xtl3gvprlljfdpwju3x7ucsfg5rpz",
      label: "diachain-consent",
    });
  });

  it("a contract without an admin (wasmd leaves the field out) has admin null: no one can migrate it", () => {
    const info = Uint8Array.from([0x08, 0x07, ...field(2, enc.encode("wasm1creator")), ...field(4, enc.encode("frozen"))]);
    const answer = Uint8Array.from([...field(1, enc.encode("wasm1contract")), ...field(2, info)]);
    expect(contractInfoResponse(answer)).toEqual({ address: "wasm1contract", codeId: 7, creator: "wasm1creator", admin: null, label: "frozen" });
  });

  it("an answer cut short, of an unknown wire type or without contract info is refused", () => {
    const whole = bytes(CONSENT);
    expect(() => contractInfoResponse(whole.subarray(0, whole.length - 5))).toThrow("cut short");
    expect(() => protoFields(Uint8Array.of(0x0d, 1, 2, 3, 4))).toThrow("unexpected protobuf wire type 5");
    expect(() => contractInfoResponse(field(1, enc.encode("wasm1x")))).toThrow("no address or no contract info");
    expect(() => contractInfoResponse(Uint8Array.from([...field(1, enc.encode("a")), ...field(2, field(3, enc.encode("b")))]))).toThrow("no code id");
    expect(() => protoFields(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))).toThrow("above 2^53");
  });
});
