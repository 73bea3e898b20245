// The journey on a real wasmd node through the generated clients and the helpers, with fresh
// accounts funded by the consortium (no role another suite relies on is changed): the consortium
// (its key, or on a governed deployment a proposal its members pass) admits a manufacturer and a
// relayer, register a device, bind it with a proof of possession, a sponsor creates and funds a study, tops it up, and the patient joins it with research consent, the
// relayer anchors a device-signed batch, every reading verifies against the chain (a tampered one
// fails), the key rotates with the device's signature, a clinician is granted, checked, the grant
// amended, the access recorded and the grant revoked, a guardian is named, an emergency provider
// opens break-glass, an erasure is recorded, and after the grace period (the network's clock
// moved ahead with scripts/chain.sh advance-clock) the sponsor withdraws the unearned rest; and
// every query of every contract is asked at least once.
// Skipped unless DIACHAIN_CHAIN_ID names a local network (scripts/chain.sh + scripts/deploy.sh).
import { writeFileSync } from 'node:fs';

import { CosmWasmClient, type ExecuteResult } from '@cosmjs/cosmwasm-stargate';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  ConsentClient, ConsentQueryClient, ConsentTypes, DataUnionClient, DataUnionQueryClient, DeviceRegistryClient,
  DeviceRegistryQueryClient, DeviceRegistryTypes, Domain, ReadingAnchorsClient, ReadingAnchorsQueryClient, ReadingsResponse,
  bindSignBytes, encodeSubmission, readingLeafHash, rotateSignBytes, toBase64, verifyReadings,
} from '../../src/index.js';
import { asConsortium, expectedAdmin } from './consortium.js';
import { SignedBatch, TestDevice, newDevice, readings, servedResponse, signBatch } from './device.js';
import { Actor, Network, actor, advanceClock, chainTime, fund, loadNetwork, nanos } from './network.js';
import { RecordingClient, schemaQueries } from './recording.js';

const CHAIN_ID = process.env.DIACHAIN_CHAIN_ID;
/** The generated clients type execute results as `any`; they are cosmjs `ExecuteResult`s. */
const executed = (p: Promise<unknown>) => p as Promise<ExecuteResult>;
const DAY = 86_400;
if (!CHAIN_ID) console.warn('ts client live tests skipped: set DIACHAIN_CHAIN_ID to a local network started by scripts/chain.sh and deployed by scripts/deploy.sh');

interface World {
  net: Network;
  q: RecordingClient;
  raw: CosmWasmClient;
  registry: DeviceRegistryQueryClient;
  anchors: ReadingAnchorsQueryClient;
  consent: ConsentQueryClient;
  union: DataUnionQueryClient;
  a: Record<'consortium' | 'manufacturer' | 'relayer' | 'patient' | 'clinician' | 'sponsor' | 'emergency' | 'custodian' | 'guardian', Actor>;
  tag: string;
  device: TestDevice;
  today: number;
  studyId: number;
  batch: SignedBatch;
  response: ReadingsResponse;
  grantId: number;
}

describe.skipIf(!CHAIN_ID)('live: the journey on a wasmd node', () => {
  const w = {} as World;
  const anchorsDomain = (): Domain => ({ chainId: w.net.chainId, contract: w.net.contracts.anchors });

  beforeAll(async () => {
    w.net = loadNetwork(CHAIN_ID!);
    const c = w.net.contracts;
    w.raw = await CosmWasmClient.connect(w.net.rpc);
    w.q = new RecordingClient(w.raw);
    w.registry = new DeviceRegistryQueryClient(w.q, c.registry);
    w.anchors = new ReadingAnchorsQueryClient(w.q, c.anchors);
    w.consent = new ConsentQueryClient(w.q, c.consent);
    w.union = new DataUnionQueryClient(w.q, c.union);
    w.tag = `ts${Date.now().toString(36)}`;
    const names = ['manufacturer', 'relayer', 'patient', 'clinician', 'sponsor', 'emergency', 'custodian', 'guardian'] as const;
    const fresh = await Promise.all(names.map((n) => actor(w.net, n)));
    w.a = { consortium: await actor(w.net, 'consortium', w.net.mnemonic('consortium')), ...Object.fromEntries(names.map((n, i) => [n, fresh[i]!])) } as World['a'];
    await fund(w.net, w.a.consortium, fresh.map((f) => f.address), 5_000_000);
  }, 120_000);

  it('the consortium admits a fresh manufacturer and relayer, emergency provider and custodian', async () => {
    const { consortium, manufacturer, relayer, emergency, custodian } = w.a;
    const c = w.net.contracts;
    if (w.net.governance) {
      // A governed deployment: the same messages, proposed by a member and passed by the members' votes.
      const registry = (msg: DeviceRegistryTypes.ExecuteMsg) => ({ contract: c.registry, msg });
      const consent = (msg: ConsentTypes.ExecuteMsg) => ({ contract: c.consent, msg });
      await asConsortium(w.net, consortium, [
        registry({ admit_participant: { address: manufacturer.address, label: `ts client manufacturer ${w.tag}`, role: 'manufacturer' } }),
        registry({ admit_participant: { address: relayer.address, label: `ts client relayer ${w.tag}`, role: 'relayer' } }),
        consent({ admit_member: { address: emergency.address, role: 'emergency_provider' } }),
        consent({ admit_member: { address: custodian.address, role: 'custodian' } }),
      ], `ts client live tests ${w.tag}: admit participants`);
    } else {
      const reg = new DeviceRegistryClient(consortium.client, consortium.address, c.registry);
      await reg.admitParticipant({ address: manufacturer.address, label: `ts client manufacturer ${w.tag}`, role: 'manufacturer' });
      await reg.admitParticipant({ address: relayer.address, label: `ts client relayer ${w.tag}`, role: 'relayer' });
      const con = new ConsentClient(consortium.client, consortium.address, c.consent);
      await con.admitMember({ address: emergency.address, role: 'emergency_provider' });
      await con.admitMember({ address: custodian.address, role: 'custodian' });
    }
    expect((await w.registry.participant({ address: relayer.address, role: 'relayer' }))?.address).toBe(relayer.address);
    expect((await w.registry.participants({ role: 'manufacturer', limit: 100 })).items.map((p) => p.address)).toContain(manufacturer.address);
    expect(await w.registry.isActiveRelayer({ address: relayer.address })).toBe(true);
    expect(await w.consent.member({ address: custodian.address, role: 'custodian' })).not.toBeNull();
    expect((await w.consent.members({ role: 'emergency_provider', limit: 100 })).items.map((m) => m.address)).toContain(emergency.address);
    expect((await w.registry.config()).admin).toBe(expectedAdmin(w.net, consortium));
    expect((await w.consent.config()).admin).toBe(expectedAdmin(w.net, consortium));
  });

  it('the manufacturer registers a device and the patient binds it with its proof of possession', async () => {
    const { manufacturer, patient } = w.a;
    w.device = newDevice(`cgm-${w.tag}`);
    const reg = new DeviceRegistryClient(manufacturer.client, manufacturer.address, w.net.contracts.registry);
    await reg.registerDevices({ devices: [{ id: w.device.id, kind: 'cgm', model: 'ts-client-model', public_key: { algorithm: 'ed25519', key: toBase64(w.device.publicKey) }, key_custody: 'device' }] });
    const before = await w.registry.device({ id: w.device.id });
    expect(before.owner ?? null).toBeNull();
    const proof = w.device.sign(bindSignBytes({ chainId: w.net.chainId, contract: w.net.contracts.registry }, w.device.id, patient.address, before.nonce));
    await new DeviceRegistryClient(patient.client, patient.address, w.net.contracts.registry).bindDevice({ deviceId: w.device.id, signature: toBase64(proof) });
    expect((await w.registry.device({ id: w.device.id })).owner).toBe(patient.address);
    expect((await w.registry.devices({ ids: [w.device.id] })).devices.length).toBe(1);
    expect((await w.registry.devicesByOwner({ owner: patient.address })).items.map((d) => d.id)).toEqual([w.device.id]);
    expect((await w.registry.devicesByManufacturer({ manufacturer: manufacturer.address })).items.map((d) => d.id)).toEqual([w.device.id]);
    const info = await w.registry.anchoringInfo({ deviceIds: [w.device.id], relayer: w.a.relayer.address });
    expect(info.devices.length).toBe(1);
    expect(await w.registry.pendingTransfer({ deviceId: w.device.id })).toBeNull();
    expect((await w.registry.pendingTransfersTo({ recipient: patient.address })).items).toEqual([]);
    expect((await w.registry.pendingTransfersFrom({ owner: patient.address })).items).toEqual([]);
  });

  it('a sponsor creates and funds a study; the patient gives research consent and joins', async () => {
    const { sponsor, patient } = w.a;
    w.today = Math.floor((await chainTime(w.raw)) / DAY);
    const res = await executed(new DataUnionClient(sponsor.client, sponsor.address, w.net.contracts.union).createStudy(
      {
        denom: w.net.denom,
        study: {
          title: `ts client study ${w.tag}`, description_url: 'https://example.invalid/ts-protocol', scopes: ['glucose'],
          data_from_day: w.today, data_to_day: w.today, closes_at: nanos((w.today + 1) * DAY),
          eligibility: { min_readings_per_day: 1, min_days: 1, device_kinds: ['cgm'] }, cap_per_patient: '500000',
        },
      },
      'auto', undefined, [{ denom: w.net.denom, amount: '1000000' }],
    ));
    w.studyId = Number(res.events.flatMap((e) => e.attributes).find((a) => a.key === 'study_id')?.value);
    expect(w.studyId).toBeGreaterThan(0);
    await new ConsentClient(patient.client, patient.address, w.net.contracts.consent).grant({
      grantee: sponsor.address, scopes: ['glucose'], purpose: 'research', studyId: w.studyId,
      dataFrom: nanos(w.today * DAY), dataTo: nanos(w.today * DAY + DAY - 1), expires: { at_time: nanos((w.today + 30) * DAY) },
    });
    expect((await w.consent.researchConsent({ patient: patient.address, studyId: w.studyId })).consent).toBeTruthy();
    await new DataUnionClient(patient.client, patient.address, w.net.contracts.union).join({ studyId: w.studyId });
    const study = await w.union.study({ studyId: w.studyId });
    expect(study.study.sponsor).toBe(sponsor.address);
    expect(study.study.active_members).toBe(1);
    expect((await w.union.studies({ limit: 100 })).items.map((s) => s.study.id)).toContain(w.studyId);
    expect((await w.union.members({ studyId: w.studyId })).items.map((m) => m.patient)).toEqual([patient.address]);
    expect(await w.union.patientStudies({ patient: patient.address })).toContain(w.studyId);
    expect((await w.union.pool({ studyId: w.studyId })).pool.funded).toBe('1000000');
    expect((await w.union.config()).anchors).toBe(w.net.contracts.anchors);
  });

  it('the sponsor tops the pool up; only the sponsor withdraws, and not before the grace period ends', async () => {
    const { sponsor, patient } = w.a;
    const before = BigInt((await w.union.pool({ studyId: w.studyId })).pool.funded);
    await new DataUnionClient(sponsor.client, sponsor.address, w.net.contracts.union).topUp({ studyId: w.studyId }, 'auto', undefined, [{ denom: w.net.denom, amount: '250000' }]);
    expect(BigInt((await w.union.pool({ studyId: w.studyId })).pool.funded) - before).toBe(250000n);
    await expect(new DataUnionClient(patient.client, patient.address, w.net.contracts.union).withdrawUnearned({ studyId: w.studyId })).rejects.toThrow(/sponsor/i);
    await expect(new DataUnionClient(sponsor.client, sponsor.address, w.net.contracts.union).withdrawUnearned({ studyId: w.studyId })).rejects.toThrow(/may withdraw from/);
   }, 60_000);

  it('the relayer anchors a device-signed batch, and the anchors contract answers for it', async () => {
    const device = await w.registry.device({ id: w.device.id });
    const ownerSince = Math.ceil(Number(BigInt(device.owner_since) / 1_000_000n) / 1000);
    const dayEnd = (Math.floor(ownerSince / DAY) + 1) * DAY - 1;
    const count = Math.max(1, Math.min(5, Math.floor((dayEnd - ownerSince - 1) / 60) + 1));
    w.batch = signBatch(w.device, readings(w.device.id, 1, ownerSince + 1, count), anchorsDomain());
    const relayer = new ReadingAnchorsClient(w.a.relayer.client, w.a.relayer.address, w.net.contracts.anchors);
    const tx = await executed(relayer.submitBatches({ batches: toBase64(encodeSubmission([w.batch])) }));
    const anchored = await w.anchors.batch({ deviceId: w.device.id, seq: 1 });
    expect(anchored.root).toBe(toBase64(w.batch.header.root));
    expect([anchored.first_seq, anchored.last_seq]).toEqual([1, count]);
    expect((await w.anchors.batches({ deviceId: w.device.id })).items.length).toBe(1);
    expect((await w.anchors.cursor({ deviceId: w.device.id })).last_seq).toBe(count);
    expect((await w.anchors.gaps({ deviceId: w.device.id })).items).toEqual([]);
    const leaves = w.batch.readings.map(readingLeafHash);
    const proof = servedResponse(w.a.patient.address, anchorsDomain(), w.batch, tx.height).batches[0]!.readings[0]!.path;
    expect((await w.anchors.verifyProof({ deviceId: w.device.id, seq: 1, leafHash: toBase64(leaves[0]!), path: proof })).valid).toBe(true);
    if (count > 1) expect((await w.anchors.verifyProof({ deviceId: w.device.id, seq: 1, leafHash: toBase64(leaves[1]!), path: proof })).valid).toBe(false);
    const day = Math.floor(ownerSince / DAY);
    const cov = await w.anchors.coverage({ patient: w.a.patient.address, fromDay: day, toDay: day });
    expect(cov.days).toEqual([{ day, scope: 'glucose', readings: count }]);
    expect((await w.anchors.config()).registry).toBe(w.net.contracts.registry);
    w.response = servedResponse(w.a.patient.address, anchorsDomain(), w.batch, anchored.anchored_height);
    if (day === w.today) expect((await w.union.contribution({ studyId: w.studyId, patient: w.a.patient.address })).member?.units).toBe(count);
  });

  it('verifyReadings: every reading verifies against the chain; a tampered value, salt or proof fails', async () => {
    const verdicts = await verifyReadings(w.response, w.anchors, { registry: w.registry });
    expect(verdicts.map((v) => v.status)).toEqual(w.batch.readings.map(() => 'verified'));
    const tampered = structuredClone(w.response);
    tampered.batches[0]!.readings[0]!.reading.value += 1000;
    const v = await verifyReadings(tampered, w.anchors);
    expect(v[0]).toMatchObject({ status: 'failed' });
    expect(v[0]!.reason).toContain('does not rebuild the anchored root');
    expect(v.slice(1).every((x) => x.status === 'verified')).toBe(true);
    const otherRoot = structuredClone(w.response);
    otherRoot.batches[0]!.header.root = toBase64(sha256(new Uint8Array([1])));
    expect((await verifyReadings(otherRoot, w.anchors)).every((x) => x.status === 'failed' && x.reason!.includes('(root)'))).toBe(true);
    const relayerAttested = structuredClone(w.response);
    relayerAttested.batches[0]!.attestation = 'relayer_attested';
    expect((await verifyReadings(relayerAttested, w.anchors, { registry: w.registry }))[0]!.reason).toContain('held by the device');
    if (process.env.DIACHAIN_RECORD_FIXTURE) {
      const anchored = await w.anchors.batch({ deviceId: w.device.id, seq: 1 });
      writeFileSync(new URL('../fixtures/anchored-readings.json', import.meta.url), JSON.stringify({ response: w.response, anchored }, null, 2) + '\n');
    }
  });

  it('the device rotates its key with its current key\'s signature', async () => {
    const device = await w.registry.device({ id: w.device.id });
    const next = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    const sig = w.device.sign(rotateSignBytes({ chainId: w.net.chainId, contract: w.net.contracts.registry }, w.device.id, 'ed25519', next, device.nonce));
    const anyone = w.a.guardian;
    await new DeviceRegistryClient(anyone.client, anyone.address, w.net.contracts.registry).rotateKey({ deviceId: w.device.id, newKey: { algorithm: 'ed25519', key: toBase64(next) }, signature: toBase64(sig) });
    expect((await w.registry.device({ id: w.device.id })).public_key.key).toBe(toBase64(next));
    // The history holds the keys the device no longer signs with.
    expect((await w.registry.keyHistory({ deviceId: w.device.id })).items.map((k) => k.public_key.key)).toEqual([toBase64(w.device.publicKey)]);
  });

  it('grants a clinician, checks and records the access, then revokes', async () => {
    const { patient, clinician, custodian } = w.a;
    const t0 = Number(w.batch.header.first_time);
    const pc = new ConsentClient(patient.client, patient.address, w.net.contracts.consent);
    const day = Math.floor(t0 / DAY);
    await pc.grant({ grantee: clinician.address, scopes: ['glucose'], purpose: 'treatment', dataFrom: nanos(day * DAY), dataTo: nanos(day * DAY + DAY - 1), expires: { at_time: nanos((day + 7) * DAY) } });
    const check = (scope: 'glucose' | 'insulin') => w.consent.checkAccess({ patient: patient.address, grantee: clinician.address, scope, dataFrom: nanos(t0), dataTo: nanos(t0 + 60) });
    const allowed = await check('glucose');
    expect(allowed.allowed).toBe(true);
    w.grantId = allowed.grant!.id;
    expect((await check('insulin')).denial).toEqual({ scope_not_granted: { grant_id: w.grantId } });
    // The patient amends the grant: insulin too, and an earlier expiry; only what is sent changes.
    await pc.amendGrant({ grantId: w.grantId, scopes: ['glucose', 'insulin'], expires: { at_time: nanos((day + 3) * DAY) } });
    const amended = (await w.consent.grant({ grantId: w.grantId })).grant;
    expect(amended.scopes).toEqual(['glucose', 'insulin']);
    expect(amended.expires).toEqual({ at_time: nanos((day + 3) * DAY) });
    expect(amended.data_to).toBe(nanos(day * DAY + DAY - 1));
    expect((await check('insulin')).allowed).toBe(true);
    await expect(new ConsentClient(clinician.client, clinician.address, w.net.contracts.consent).amendGrant({ grantId: w.grantId, scopes: ['glucose', 'insulin', 'nutrition'] })).rejects.toThrow();
    expect((await w.consent.grant({ grantId: w.grantId })).grant.grantee).toBe(clinician.address);
    expect((await w.consent.grantsByPatient({ patient: patient.address })).items.map((g) => g.grant.id)).toContain(w.grantId);
    expect((await w.consent.grantsByGrantee({ grantee: clinician.address })).items.map((g) => g.grant.id)).toEqual([w.grantId]);
    await new ConsentClient(custodian.client, custodian.address, w.net.contracts.consent).recordAccesses({
      accesses: [{ patient: patient.address, grantee: clinician.address, scope: 'glucose', data_from: nanos(t0), data_to: nanos(t0 + 60), grant_id: w.grantId }],
    });
    expect((await w.consent.accessLogByPatient({ patient: patient.address })).items.map((r) => r.grant_id)).toContain(w.grantId);
    expect((await w.consent.accessLogByGrantee({ grantee: clinician.address })).items.length).toBe(1);
    await pc.revokeGrant({ grantId: w.grantId });
    expect((await check('glucose')).denial).toEqual({ revoked: { grant_id: w.grantId } });
   }, 60_000);

  it('a guardian is named, an emergency provider opens break-glass, an erasure is recorded', async () => {
    const { patient, guardian, emergency, custodian } = w.a;
    await new DeviceRegistryClient(patient.client, patient.address, w.net.contracts.registry).addGuardian({ guardian: guardian.address });
    expect(await w.registry.isGuardian({ patient: patient.address, guardian: guardian.address })).toBe(true);
    expect((await w.registry.guardians({ patient: patient.address })).items.map((g) => g.guardian)).toEqual([guardian.address]);
    await new ConsentClient(emergency.client, emergency.address, w.net.contracts.consent).openBreakGlass({ patient: patient.address, hours: 1, reason: 'patient_cannot_consent' });
    expect((await w.consent.breakGlassSessions({ patient: patient.address })).items.length).toBe(1);
    const requestedAt = await chainTime(w.raw);
    const requestHash = sha256(new TextEncoder().encode(`ts client erasure ${w.tag}`));
    await new ConsentClient(custodian.client, custodian.address, w.net.contracts.consent).recordErasure({ patient: patient.address, requestHash: toBase64(requestHash), requestedAt: nanos(requestedAt) });
    expect((await w.consent.erasures({ patient: patient.address })).items.map((e) => e.request_hash)).toEqual([toBase64(requestHash)]);
  });

  it('the custodian records a dataset manifest of the study; anyone reads it by id, by export and in the list; a repeat and a non-custodian are refused', async () => {
    const { custodian, sponsor } = w.a;
    const enc = new TextEncoder();
    const exportId = toBase64(sha256(enc.encode(`ts client export ${w.tag}`)).slice(0, 16));
    const manifest = {
      study_id: w.studyId, export_id: exportId, exported_at: nanos((await chainTime(w.raw)) - 1), members: 1, rows: 2,
      scope_rows: [{ scope: 'glucose' as const, rows: 2 }], data_from: nanos(w.today * DAY), data_to: nanos(w.today * DAY + 60),
      format: 'csv' as const, time_shifted: false, root: toBase64(sha256(enc.encode(`ts client rows ${w.tag}`))),
    };
    await new DataUnionClient(custodian.client, custodian.address, w.net.contracts.union).recordManifest({ manifest });
    const page = await w.union.manifests({ studyId: w.studyId });
    expect(page.items.length).toBe(1);
    const m = page.items[0]!;
    expect(m.custodian).toBe(custodian.address);
    expect(m.root).toBe(manifest.root);
    expect(await w.union.manifest({ studyId: w.studyId, manifestId: m.id })).toEqual(m);
    expect(await w.union.manifestByExport({ studyId: w.studyId, exportId })).toEqual(m);
    await expect(new DataUnionClient(custodian.client, custodian.address, w.net.contracts.union).recordManifest({ manifest }))
      .rejects.toThrow(/manifest already recorded/);
    const other = { ...manifest, export_id: toBase64(sha256(enc.encode(`ts client other export ${w.tag}`)).slice(0, 16)) };
    await expect(new DataUnionClient(sponsor.client, sponsor.address, w.net.contracts.union).recordManifest({ manifest: other }))
      .rejects.toThrow(/only an admitted custodian/);
  });

  it('after the grace period the sponsor withdraws what no member may still claim; a second withdrawal finds nothing (the network clock moved ahead)', async () => {
    const { sponsor } = w.a;
    const uc = new DataUnionClient(sponsor.client, sponsor.address, w.net.contracts.union);
    const refundAfter = Number(BigInt((await w.union.study({ studyId: w.studyId })).study.refund_after) / 1_000_000_000n);
    const now = await chainTime(w.raw);
    if (refundAfter >= now) expect(await advanceClock(w.net, w.raw, refundAfter - now + 5)).toBeGreaterThan(refundAfter);
    expect((await w.union.study({ studyId: w.studyId })).phase).toBe('refundable');
    // What no eligible member may still claim (union 0.3.0): the balance less the reserve.
    const balance = BigInt((await w.union.pool({ studyId: w.studyId })).balance);
    const reserved = BigInt((await w.union.study({ studyId: w.studyId })).reserved);
    const unearned = balance - reserved;
    expect(unearned).toBeGreaterThan(0n);
    const res = await executed(uc.withdrawUnearned({ studyId: w.studyId }));
    const wasm = res.events.filter((e) => e.type === 'wasm').flatMap((e) => e.attributes);
    expect(wasm.find((a) => a.key === 'action')?.value).toBe('withdraw_unearned');
    expect(wasm.find((a) => a.key === 'amount')?.value).toBe(unearned.toString());
    const paid = res.events.filter((e) => e.type === 'transfer').flatMap((e) => [Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))]);
    expect(paid).toContainEqual(expect.objectContaining({ recipient: sponsor.address, amount: `${unearned}${w.net.denom}` }));
    expect((await w.union.pool({ studyId: w.studyId })).pool.refunded).toBe(unearned.toString());
    expect((await w.union.study({ studyId: w.studyId })).phase).toBe('closed');
    expect(BigInt((await w.union.pool({ studyId: w.studyId })).balance)).toBe(reserved);
    await expect(uc.withdrawUnearned({ studyId: w.studyId })).rejects.toThrow(/is left to withdraw/);
  }, 180_000);

  it('asked every query of every contract at least once', () => {
    const c = w.net.contracts;
    for (const [schema, address] of [['device-registry.json', c.registry], ['reading-anchors.json', c.anchors], ['consent.json', c.consent], ['data-union.json', c.union]] as const) {
      const asked = w.q.asked.get(address) ?? new Set<string>();
      expect(schemaQueries(schema).filter((name) => !asked.has(name)), `${schema}: queries never asked`).toEqual([]);
    }
  });
});
