//! The proof checks without a chain: the anchored batch comes from a map.

use std::collections::HashMap;

use cosmwasm_std::Binary;
use diachain_std::anchors::BatchInfo;
use diachain_std::encoding::utc_day;
use diachain_std::merkle::{self, Hash};
use diachain_std::testing::{SignedBatch, TestKey};
use diachain_std::KeyAlgorithm;

use super::*;
use crate::state::AnchorState;
use crate::wire::ReadingJson;
use diachain_relayer_fixtures::{batch, DAY0};
use diachain_std::device::KeyCustody;

const DEVICE: &str = "cgm-verify-0001";

/// Anchored batches by device; answers `VerifyProof` as the contract does.
struct FakeChain {
    batches: HashMap<String, Vec<BatchInfo>>,
    /// Key custody per device as the registry has it (absent: unknown).
    custody: HashMap<String, KeyCustody>,
}

impl FakeChain {
    fn find(&self, device_id: &str, seq: u64) -> Option<BatchInfo> {
        self.batches
            .get(device_id)?
            .iter()
            .find(|b| b.first_seq <= seq && seq <= b.last_seq)
            .cloned()
    }
}

/// Why the fake chain cannot answer.
#[derive(thiserror::Error, Debug)]
#[error("{0}")]
struct FakeError(&'static str);

impl AnchorSource for FakeChain {
    type Error = FakeError;

    async fn batch(&self, device_id: &str, seq: u64) -> Result<Option<BatchInfo>, FakeError> {
        Ok(self.find(device_id, seq))
    }

    async fn verify_proof(
        &self,
        device_id: &str,
        seq: u64,
        leaf_hash: &Hash,
        path: &[Hash],
    ) -> Result<Option<bool>, FakeError> {
        let b = self
            .find(device_id, seq)
            .ok_or(FakeError("batch not found"))?;
        let root: Hash = b
            .root
            .as_slice()
            .try_into()
            .map_err(|_| FakeError("root"))?;
        Ok(Some(merkle::verify_inclusion(
            leaf_hash,
            seq - b.first_seq,
            b.last_seq - b.first_seq + 1,
            path,
            &root,
        )))
    }

    async fn key_custody(&self, device_id: &str) -> Result<Option<KeyCustody>, FakeError> {
        Ok(self.custody.get(device_id).copied())
    }
}

fn signed() -> SignedBatch {
    batch(
        &TestKey::new(KeyAlgorithm::Ed25519, 7),
        DEVICE,
        100,
        12,
        DAY0,
    )
}

fn anchored(b: &SignedBatch) -> FakeChain {
    let info = BatchInfo {
        device_id: DEVICE.into(),
        first_seq: b.header.first_seq,
        last_seq: b.header.last_seq,
        root: b.header.root.clone(),
        day: utc_day(b.header.first_time),
        anchored_height: 42,
    };
    FakeChain {
        batches: HashMap::from([(DEVICE.to_string(), vec![info])]),
        custody: HashMap::new(),
    }
}

fn proof(b: &SignedBatch, seq: u64) -> ReadingProof {
    let index = seq - b.header.first_seq;
    let i = usize::try_from(index).unwrap();
    ReadingProof {
        device_id: DEVICE.into(),
        seq,
        reading: ReadingJson::from(&b.readings[i]),
        leaf_hash: Binary::new(b.leaves[i].to_vec()),
        index,
        tree_size: b.leaves.len() as u64,
        path: b
            .proof(seq)
            .iter()
            .map(|h| Binary::new(h.to_vec()))
            .collect(),
        header: b.header.clone(),
        signature: b.signature.clone(),
        batch_id: 1,
        anchoring: AnchorState::Pending,
        attestation: Default::default(),
    }
}

fn run<S: AnchorSource>(p: &ReadingProof, chain: &S) -> Verdict {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(verify(p, chain)).unwrap()
}

#[test]
fn a_good_proof_of_every_reading_verifies_with_the_anchored_root_and_height() {
    let b = signed();
    let chain = anchored(&b);
    for seq in 100..112 {
        let v = run(&proof(&b, seq), &chain);
        assert!(v.verified, "seq {seq}: {:?}", v.reason);
        assert_eq!(v.root.as_ref(), Some(&b.header.root));
        assert_eq!(v.anchored_height, Some(42));
        assert_eq!(v.contract_verify_proof, Some(true));
        assert!(!v.proof_leaf_hash_differs);
    }
}

#[test]
fn a_tampered_glucose_value_does_not_rebuild_the_anchored_root() {
    let b = signed();
    let mut p = proof(&b, 103);
    p.reading.value += 1_000;
    let v = run(&p, &anchored(&b));
    assert!(!v.verified);
    let reason = v.reason.unwrap();
    assert!(
        reason.contains("the reading's leaf does not rebuild the anchored root"),
        "{reason}"
    );
    assert!(v.proof_leaf_hash_differs);
}

#[test]
fn a_tampered_salt_does_not_rebuild_the_anchored_root() {
    let b = signed();
    let mut p = proof(&b, 105);
    let mut salt = p.reading.salt.to_vec();
    salt[0] ^= 1;
    p.reading.salt = Binary::new(salt);
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(
        reason.contains("does not rebuild the anchored root"),
        "{reason}"
    );
}

#[test]
fn a_salt_of_the_wrong_length_is_refused_before_the_chain_is_asked() {
    let b = signed();
    let mut p = proof(&b, 105);
    p.reading.salt = Binary::new(vec![0; 15]);
    let v = run(&p, &anchored(&b));
    assert!(v.reason.unwrap().contains("salt is 15 bytes"));
    assert_eq!(v.root, None);
}

#[test]
fn a_tampered_path_hash_does_not_rebuild_the_anchored_root() {
    let b = signed();
    let mut p = proof(&b, 100);
    let mut h = p.path[1].to_vec();
    h[31] ^= 0x80;
    p.path[1] = Binary::new(h);
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(
        reason.contains("does not rebuild the anchored root"),
        "{reason}"
    );
}

#[test]
fn a_truncated_or_short_path_is_refused_with_its_shape() {
    let b = signed();
    let mut p = proof(&b, 100);
    p.path.pop();
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(
        reason.contains("does not fit position 0 of a 12-leaf tree"),
        "{reason}"
    );
    let mut p = proof(&b, 100);
    p.path[0] = Binary::new(vec![1; 31]);
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(
        reason.contains("audit path entry 0 is 31 bytes"),
        "{reason}"
    );
}

#[test]
fn a_wrong_index_or_tree_size_is_refused_against_the_anchored_range() {
    let b = signed();
    let mut p = proof(&b, 104);
    p.index = 5;
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(reason.contains("proof's index 5"), "{reason}");
    assert!(reason.contains("position 4 / size 12"), "{reason}");
    let mut p = proof(&b, 104);
    p.tree_size = 16;
    assert!(run(&p, &anchored(&b))
        .reason
        .unwrap()
        .contains("tree size 16"));
}

#[test]
fn a_reading_moved_to_another_seq_is_refused() {
    let b = signed();
    let mut p = proof(&b, 104);
    p.seq = 105;
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(reason.contains("its reading is device"), "{reason}");
}

#[test]
fn a_root_not_anchored_on_chain_is_refused() {
    let b = signed();
    let p = proof(&b, 104);
    let empty = FakeChain {
        batches: HashMap::new(),
        custody: HashMap::new(),
    };
    let v = run(&p, &empty);
    assert!(!v.verified);
    assert_eq!(
        v.reason.unwrap(),
        format!("no batch anchored on chain holds seq 104 of device {DEVICE}")
    );
    // Another root anchored for the same range (the relayer's batch is not the chain's).
    let other = batch(
        &TestKey::new(KeyAlgorithm::Ed25519, 7),
        DEVICE,
        100,
        12,
        DAY0 + 60,
    );
    let v = run(&p, &anchored(&other));
    assert!(v
        .reason
        .unwrap()
        .contains("does not rebuild the anchored root"));
}

#[test]
fn a_header_that_is_not_the_anchored_one_is_refused() {
    let b = signed();
    let mut p = proof(&b, 104);
    p.header.last_seq = 120;
    p.header.count = 21;
    let reason = run(&p, &anchored(&b)).reason.unwrap();
    assert!(reason.contains("header (last_seq)"), "{reason}");
    let mut p = proof(&b, 104);
    p.header.root = Binary::new(vec![0; 32]);
    assert!(run(&p, &anchored(&b))
        .reason
        .unwrap()
        .contains("header (root)"));
}

#[test]
fn a_contract_that_refuses_the_proof_fails_it() {
    struct Refusing(FakeChain);
    impl AnchorSource for Refusing {
        type Error = FakeError;

        async fn batch(&self, d: &str, s: u64) -> Result<Option<BatchInfo>, FakeError> {
            self.0.batch(d, s).await
        }
        async fn verify_proof(
            &self,
            _: &str,
            _: u64,
            _: &Hash,
            _: &[Hash],
        ) -> Result<Option<bool>, FakeError> {
            Ok(Some(false))
        }
        async fn key_custody(&self, d: &str) -> Result<Option<KeyCustody>, FakeError> {
            self.0.key_custody(d).await
        }
    }
    let b = signed();
    let v = run(&proof(&b, 101), &Refusing(anchored(&b)));
    assert!(!v.verified);
    assert!(v.reason.unwrap().contains("VerifyProof"));
}

#[test]
fn the_attestation_must_be_what_the_registry_says_about_the_key() {
    let b = signed();
    let mut chain = anchored(&b);
    chain.custody.insert(DEVICE.into(), KeyCustody::Device);
    let v = run(&proof(&b, 101), &chain);
    assert!(v.verified, "{v:?}");
    assert_eq!(v.key_custody, Some(KeyCustody::Device));

    // A relayer-held key: a proof claiming a device signature is refused, and the reverse.
    chain.custody.insert(DEVICE.into(), KeyCustody::Relayer);
    let v = run(&proof(&b, 101), &chain);
    assert!(!v.verified);
    assert!(v.reason.unwrap().contains("held by the Relayer"));
    let mut attested = proof(&b, 101);
    attested.attestation = Attestation::RelayerAttested;
    assert!(run(&attested, &chain).verified);
}
