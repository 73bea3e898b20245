use cosmwasm_std::Binary;
use diachain_std::anchors::{BatchInfo, ProofResponse};

use super::{Suite, DAY0};
use crate::msg::QueryMsg;

fn ask(s: &Suite, device_id: &str, seq: u64, leaf: &[u8; 32], path: &[[u8; 32]]) -> ProofResponse {
    s.query(QueryMsg::VerifyProof {
        device_id: device_id.into(),
        seq,
        leaf_hash: Binary::new(leaf.to_vec()),
        path: path.iter().map(|p| Binary::new(p.to_vec())).collect(),
    })
}

#[test]
fn every_reading_of_an_anchored_batch_has_a_verifying_proof_and_tampering_fails() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-proof-0001");
    let batches = vec![s.batch(&d, 1, 12, DAY0), s.batch(&d, 13, 13, DAY0 + 3_600)];
    s.submit(&batches).unwrap();
    for b in &batches {
        for (i, leaf) in b.leaves.iter().enumerate() {
            let seq = b.header.first_seq + i as u64;
            let path = b.proof(seq);
            let ok = ask(&s, &d.id, seq, leaf, &path);
            assert!(ok.valid, "seq {seq}");
            assert_eq!(
                (ok.batch.first_seq, ok.batch.last_seq),
                (b.header.first_seq, b.header.last_seq)
            );
            let mut bad_leaf = *leaf;
            bad_leaf[3] ^= 1;
            assert!(!ask(&s, &d.id, seq, &bad_leaf, &path).valid);
            if !path.is_empty() {
                let mut bad_path = path.clone();
                bad_path[0][0] ^= 1;
                assert!(!ask(&s, &d.id, seq, leaf, &bad_path).valid);
            }
            // The right proof presented for a neighbouring seq of the same batch fails.
            let other = if seq == b.header.first_seq {
                seq + 1
            } else {
                seq - 1
            };
            assert!(!ask(&s, &d.id, other, leaf, &path).valid);
        }
    }
}

#[test]
fn a_reading_is_found_by_any_seq_of_its_batch_and_unanchored_seqs_are_errors() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-proof-0002");
    s.submit(&[s.batch(&d, 10, 5, DAY0), s.batch(&d, 20, 5, DAY0 + 3_600)])
        .unwrap();
    for seq in [10, 12, 14] {
        let b: BatchInfo = s.query(QueryMsg::Batch {
            device_id: d.id.clone(),
            seq,
        });
        assert_eq!(b.first_seq, 10);
    }
    for seq in [9, 15, 19, 25] {
        let err = s
            .try_query::<BatchInfo>(QueryMsg::Batch {
                device_id: d.id.clone(),
                seq,
            })
            .unwrap_err();
        assert!(err.contains("no anchored batch"), "{err}");
    }
    let err = s
        .try_query::<ProofResponse>(QueryMsg::VerifyProof {
            device_id: d.id.clone(),
            seq: 10,
            leaf_hash: Binary::new(vec![1; 31]),
            path: vec![],
        })
        .unwrap_err();
    assert!(err.contains("32 bytes"), "{err}");
}
