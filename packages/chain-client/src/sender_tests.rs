//! The sender's sequence tracking, resynchronisation and retries, against the fake chain.

use crate::fake::FakeChain;
use crate::fake::{sender, with_state, SIMULATED_GAS};
use crate::{coin, send_msg, Error, Gas, TxSender};
use cosmrs::Any;

fn msgs(s: &TxSender<FakeChain>) -> Vec<Any> {
    vec![send_msg(s.address(), s.address(), vec![coin(1, "udia").unwrap()]).unwrap()]
}

#[tokio::test]
async fn the_account_is_read_once_then_the_sequence_is_counted_locally() {
    let s = sender().await;
    for _ in 0..3 {
        let tx = s.send(msgs(&s), "", Gas::Auto).await.unwrap();
        assert!(tx.is_ok());
        assert_eq!(tx.gas_wanted, 130_000, "simulated gas × 1.3");
    }
    assert_eq!(s.sequence().await, Some(3));
    with_state(&s, |st| {
        assert_eq!(st.accepted, [0, 1, 2]);
        assert_eq!(st.account_queries, 1);
        // Simulated with a non-zero fee, so that the fee transfer's gas is counted.
        assert_eq!(st.simulated_fees, ["1", "1", "1"]);
    });
}

#[tokio::test]
async fn a_wrong_local_sequence_is_resynchronised_to_the_expected_one() {
    let s = sender().await;
    s.set_sequence(50).await.unwrap();
    with_state(&s, |st| {
        st.check_sequence = 4;
        st.committed_sequence = 4;
    });
    s.send(msgs(&s), "", Gas::Fixed(200_000)).await.unwrap();
    assert_eq!(s.sequence().await, Some(5));
    with_state(&s, |st| assert_eq!(st.accepted, [4]));
}

#[tokio::test]
async fn a_mempool_ahead_of_the_committed_account_is_followed() {
    // The account query answers the committed sequence (2), but two more transactions wait in
    // the mempool: CheckTx expects 4 and says so.
    let s = sender().await;
    with_state(&s, |st| {
        st.committed_sequence = 2;
        st.check_sequence = 4;
    });
    s.send(msgs(&s), "", Gas::Fixed(200_000)).await.unwrap();
    with_state(&s, |st| {
        assert_eq!(st.accepted, [4]);
        assert_eq!(st.broadcasts, 2, "one refused with code 32, one accepted");
    });
}

#[tokio::test]
async fn a_simulation_with_a_stale_sequence_is_resynchronised_too() {
    let s = sender().await;
    s.set_sequence(9).await.unwrap();
    with_state(&s, |st| {
        st.committed_sequence = 1;
        st.check_sequence = 1;
    });
    s.send(msgs(&s), "", Gas::Auto).await.unwrap();
    with_state(&s, |st| {
        assert_eq!(st.accepted, [1]);
        assert_eq!(
            st.broadcasts, 1,
            "the mismatch was caught by the simulation"
        );
    });
}

#[tokio::test]
async fn a_mismatch_without_the_expected_number_rereads_the_account() {
    let s = sender().await;
    s.set_sequence(9).await.unwrap();
    with_state(&s, |st| {
        st.mismatch_without_number = true;
        st.committed_sequence = 3;
        st.check_sequence = 3;
    });
    s.send(msgs(&s), "", Gas::Fixed(100_000)).await.unwrap();
    with_state(&s, |st| {
        assert_eq!(st.accepted, [3]);
        assert_eq!(st.account_queries, 2);
    });
}

#[tokio::test]
async fn resynchronisation_gives_up_after_the_configured_retries() {
    let s = sender().await;
    with_state(&s, |st| st.mismatch_forever = true);
    let e = s.send(msgs(&s), "", Gas::Fixed(100_000)).await.unwrap_err();
    assert!(matches!(e, Error::SequenceMismatch { .. }), "{e:?}");
    assert!(e.is_retryable());
    let max = s.client().config().max_sequence_retries;
    with_state(&s, |st| assert_eq!(st.broadcasts, max + 1));
}

#[tokio::test]
async fn account_number_zero_after_a_restart_is_retried_until_the_node_is_ready() {
    let s = sender().await;
    with_state(&s, |st| st.not_ready = 3);
    s.send(msgs(&s), "", Gas::Auto).await.unwrap();
    with_state(&s, |st| {
        assert_eq!(st.broadcasts, 4);
        assert_eq!(st.accepted, [0]);
    });
}

#[tokio::test]
async fn a_node_that_stays_not_ready_is_a_retryable_error() {
    let s = sender().await;
    with_state(&s, |st| st.not_ready = 1000);
    let e = s.send(msgs(&s), "", Gas::Auto).await.unwrap_err();
    assert!(matches!(e, Error::NodeNotReady { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(s.sequence().await, Some(0), "nothing was accepted");
}

#[tokio::test]
async fn a_contract_refusal_in_the_simulation_broadcasts_nothing() {
    let s = sender().await;
    with_state(&s, |st| st.contract_error = Some("Unauthorized".into()));
    match s.send(msgs(&s), "", Gas::Auto).await.unwrap_err() {
        Error::Contract { message, tx, .. } => {
            assert_eq!(message, "Unauthorized");
            assert!(tx.is_none());
        }
        e => panic!("expected a contract error, got {e:?}"),
    }
    assert_eq!(s.sequence().await, Some(0));
    with_state(&s, |st| assert_eq!(st.broadcasts, 0));
}

#[tokio::test]
async fn a_contract_refusal_in_the_block_carries_the_failed_tx_and_uses_the_sequence() {
    let s = sender().await;
    with_state(&s, |st| {
        st.contract_error = Some("device not registered".into())
    });
    match s.send(msgs(&s), "", Gas::Fixed(300_000)).await.unwrap_err() {
        Error::Contract {
            message,
            tx: Some(tx),
            ..
        } => {
            assert_eq!(message, "device not registered");
            assert_eq!(
                (tx.code, tx.gas_wanted, tx.gas_used),
                (5, 300_000, SIMULATED_GAS)
            );
        }
        e => panic!("expected a contract error with its tx, got {e:?}"),
    }
    assert_eq!(s.sequence().await, Some(1));
}

#[tokio::test]
async fn the_hook_sees_each_signed_tx_before_broadcast_and_can_abort() {
    let s = sender().await;
    s.set_sequence(5).await.unwrap();
    let mut seen = vec![];
    let signed = s
        .submit(msgs(&s), "", Gas::Fixed(100_000), |tx| {
            seen.push((tx.sequence, tx.hash.clone()));
            Ok(())
        })
        .await
        .unwrap();
    // Signed with 5, refused, resynchronised to 0 and signed again.
    assert_eq!(seen.iter().map(|(q, _)| *q).collect::<Vec<_>>(), [5, 0]);
    assert_eq!(seen[1].1, signed.hash);
    assert_ne!(seen[0].1, seen[1].1);

    let e = s
        .submit(msgs(&s), "", Gas::Fixed(100_000), |_| {
            Err("disk full".into())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Aborted(ref m) if m == "disk full"),
        "{e:?}"
    );
    with_state(&s, |st| assert_eq!(st.accepted, [0]));
    assert_eq!(s.sequence().await, Some(1));
}

#[tokio::test]
async fn an_accepted_tx_that_never_lands_times_out_with_its_hash() {
    let s = sender().await;
    with_state(&s, |st| st.never_include = true);
    let e = s.send(msgs(&s), "", Gas::Auto).await.unwrap_err();
    let hash = e.tx_hash().expect("hash").to_string();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert_eq!(s.client().find_tx(&hash).await.unwrap(), None);
    assert_eq!(s.sequence().await, Some(1), "CheckTx accepted it");
}

#[tokio::test]
async fn an_unreachable_node_during_broadcast_is_retryable_and_names_the_tx() {
    let s = sender().await;
    with_state(&s, |st| st.broadcast_down = true);
    let e = s.send(msgs(&s), "", Gas::Auto).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                tx_hash: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_eq!(s.sequence().await, Some(0));
    with_state(&s, |st| st.broadcast_down = false);
    s.send(msgs(&s), "", Gas::Auto).await.unwrap();
}

#[tokio::test]
async fn included_txs_are_found_by_hash_in_either_case() {
    let s = sender().await;
    let tx = s.send(msgs(&s), "", Gas::Auto).await.unwrap();
    let found = s.client().find_tx(&tx.hash.to_lowercase()).await.unwrap();
    assert_eq!(found, Some(tx));
}

#[tokio::test]
async fn codes_are_read_page_by_page_and_a_missing_contract_is_none() {
    let s = sender().await;
    with_state(&s, |st| {
        st.codes = (1..=5)
            .map(|id| (id, format!("wasm1creator{id}"), vec![id as u8, 0xAB]))
            .collect();
        st.contracts
            .insert("wasm1there".into(), (4, "wasm1admin".into()));
    });
    let codes = s.client().codes().await.unwrap();
    assert_eq!(
        codes.iter().map(|c| c.code_id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(codes[2].checksum, "03ab");
    assert_eq!(codes[2].creator, "wasm1creator3");
    with_state(&s, |st| assert_eq!(st.code_pages, 3));
    assert_eq!(
        s.client().code_info(5).await.unwrap().unwrap().checksum,
        "05ab"
    );
    assert!(s.client().code_info(9).await.unwrap().is_none());

    let info = s
        .client()
        .contract_info("wasm1there")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (info.code_id, info.admin.as_deref()),
        (4, Some("wasm1admin"))
    );
    assert!(s
        .client()
        .contract_info("wasm1gone")
        .await
        .unwrap()
        .is_none());
}
