//! The client's error type and the classification of the chain's refusals.
//!
//! The Cosmos SDK reports a refused transaction as `(codespace, code, log)`. Three refusals need
//! a decision of their own, so [`classify`] turns them into distinct variants:
//!
//! - `sdk` code 32, "account sequence mismatch, expected N, got M": the local sequence counter is
//!   wrong; resynchronise (to N when the log says it) and sign again.
//! - `sdk` code 4, "signature verification failed; please verify account number (0) …": right after
//!   a node (re)starts and until its first new block, CheckTx verifies signatures with account
//!   number 0. The same transaction passes a block later, so this is retryable.
//! - `wasm` code 5, "… : execute wasm contract failed": the contract refused the message; its own
//!   message is extracted from the log.

use std::time::Duration;

use crate::types::TxOutcome;

/// Codespace of the Cosmos SDK's own errors.
pub const SDK_CODESPACE: &str = "sdk";
/// Codespace of wasmd's errors.
pub const WASM_CODESPACE: &str = "wasm";
/// `sdk` code of "signature verification failed" (ErrUnauthorized).
pub const CODE_UNAUTHORIZED: u32 = 4;
/// `sdk` code of "account sequence mismatch" (ErrWrongSequence).
pub const CODE_WRONG_SEQUENCE: u32 = 32;
/// `wasm` code of "execute wasm contract failed" (ErrExecuteFailed).
pub const CODE_WASM_EXECUTE_FAILED: u32 = 5;

/// Everything that can go wrong talking to the chain.
///
/// [`Error::is_retryable`] tells which errors a caller may retry as they are (after a backoff):
/// the chain could not be reached, the node was not ready yet, or the sequence was out of date
/// (the client resynchronises by itself; this variant only surfaces once its own retries are used
/// up). A transaction that may have reached the node carries its hash ([`Error::tx_hash`]): look
/// it up with `ChainClient::find_tx` before sending its messages again.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The node could not be reached or did not answer (connection refused, HTTP error, RPC
    /// timeout). Retryable. `tx_hash` is set when it happened while broadcasting: the transaction
    /// may or may not have reached the node.
    #[error("chain unreachable: {reason}")]
    Transport {
        /// What the transport reported.
        reason: String,
        /// The hash of the transaction being broadcast, if any.
        tx_hash: Option<String>,
    },

    /// CheckTx refused a correct signature with account number 0: the node has just (re)started
    /// and has not produced a block yet. Retryable (a block later the same transaction passes).
    #[error("node not ready (signature checked with account number 0 after a restart): {log}")]
    NodeNotReady {
        /// The node's log.
        log: String,
    },

    /// The ante handler wanted another account sequence (code 32). The client resynchronises and
    /// signs again by itself; this surfaces only when its retries are used up. Retryable.
    #[error("account sequence mismatch (expected {expected:?}): {log}")]
    SequenceMismatch {
        /// The sequence the chain expects, when its log says it.
        expected: Option<u64>,
        /// The node's log.
        log: String,
    },

    /// CheckTx (or the simulation's ante handler) refused the transaction for another reason:
    /// fee too low, out of gas in the ante handler, bad address, ... Not retryable as it is.
    #[error("transaction refused (codespace {codespace}, code {code}): {log}")]
    Rejected {
        /// Error code in `codespace`.
        code: u32,
        /// Module the code belongs to (`sdk`, `wasm`, ...).
        codespace: String,
        /// The node's log.
        log: String,
    },

    /// The contract refused the message, found either by the simulation (then `tx` is `None`
    /// and nothing was broadcast) or in the transaction's block (then `tx` is the failed
    /// transaction, which was charged its gas and used its sequence number).
    #[error("contract error: {message}")]
    Contract {
        /// The contract's own error message.
        message: String,
        /// The node's full log.
        log: String,
        /// The failed transaction, when it was included in a block.
        tx: Option<Box<TxOutcome>>,
    },

    /// The transaction was included in a block but failed there for a reason other than the
    /// contract (out of gas, insufficient funds, ...).
    #[error("transaction {} failed in block {} (codespace {}, code {}): {}", tx.hash, tx.height, tx.codespace, tx.code, tx.raw_log)]
    TxFailed {
        /// The failed transaction.
        tx: Box<TxOutcome>,
    },

    /// A query was refused by the node or the contract (`code` ≠ 0).
    #[error("query {path} failed (codespace {codespace}, code {code}): {log}")]
    Query {
        /// The ABCI query path.
        path: String,
        /// Error code in `codespace`.
        code: u32,
        /// Module the code belongs to.
        codespace: String,
        /// The node's log (for a contract query, the contract's error is in it).
        log: String,
    },

    /// The account does not exist on chain (it never received funds).
    #[error("account {0} not found on chain")]
    AccountNotFound(String),

    /// The transaction was accepted by CheckTx but not found in a block within the timeout. It
    /// may still be included later (or dropped from the mempool): look it up by hash.
    #[error("transaction {tx_hash} not included within {waited:?}")]
    Timeout {
        /// The transaction's hash.
        tx_hash: String,
        /// How long the client waited.
        waited: Duration,
    },

    /// A response could not be decoded (protobuf, JSON, numbers).
    #[error("cannot decode {0}")]
    Decode(String),

    /// A key could not be read or derived (mnemonic, key file).
    #[error("key: {0}")]
    Key(String),

    /// A setting or argument is invalid (URL, gas price, address, message).
    #[error("invalid input: {0}")]
    Invalid(String),

    /// The node serves another chain than the one configured.
    #[error("node serves chain {actual}, expected {expected}")]
    ChainIdMismatch {
        /// The configured chain id.
        expected: String,
        /// The node's chain id.
        actual: String,
    },

    /// The caller's hook refused a signed transaction before it was broadcast.
    #[error("aborted before broadcast: {0}")]
    Aborted(String),
}

impl Error {
    /// Whether retrying the same call later may succeed without changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Transport { .. } | Error::NodeNotReady { .. } | Error::SequenceMismatch { .. }
        )
    }

    /// The hash of a transaction that may have reached the chain (broadcast interrupted, or
    /// accepted but not seen in a block in time), or that is in a block but failed.
    pub fn tx_hash(&self) -> Option<&str> {
        match self {
            Error::Transport { tx_hash, .. } => tx_hash.as_deref(),
            Error::Timeout { tx_hash, .. } => Some(tx_hash),
            Error::Contract { tx: Some(tx), .. } | Error::TxFailed { tx } => Some(&tx.hash),
            _ => None,
        }
    }

    /// An unreachable chain, from any transport error.
    pub(crate) fn transport(reason: impl ToString) -> Self {
        Error::Transport {
            reason: one_line(&reason.to_string()),
            tx_hash: None,
        }
    }

    pub(crate) fn decode(what: &str, e: impl std::fmt::Display) -> Self {
        Error::Decode(format!("{what}: {e}"))
    }
}

/// The transport's error on one line, without the location and backtrace tendermint-rpc's
/// errors carry (they would end up in logs and HTTP answers).
pub(crate) fn one_line(text: &str) -> String {
    let end = ["\n\nLocation:", "\nLocation:", "\nStack backtrace:"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|l| l.trim().trim_end_matches(':'))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Classifies a refusal `(codespace, code, log)` reported by CheckTx, a simulation or a block.
///
/// Returns [`Error::SequenceMismatch`], [`Error::NodeNotReady`], [`Error::Contract`] (with
/// `tx: None`) or [`Error::Rejected`]. `code` must not be 0.
pub fn classify(codespace: &str, code: u32, log: &str) -> Error {
    if codespace == SDK_CODESPACE && code == CODE_WRONG_SEQUENCE {
        return Error::SequenceMismatch {
            expected: expected_sequence(log),
            log: log.to_string(),
        };
    }
    if codespace == SDK_CODESPACE && code == CODE_UNAUTHORIZED && is_account_number_zero(log) {
        return Error::NodeNotReady {
            log: log.to_string(),
        };
    }
    if let Some(message) = contract_message(codespace, code, log) {
        return Error::Contract {
            message,
            log: log.to_string(),
            tx: None,
        };
    }
    Error::Rejected {
        code,
        codespace: codespace.to_string(),
        log: log.to_string(),
    }
}

/// The sequence the chain expects, from "account sequence mismatch, expected 7, got 5: …".
pub fn expected_sequence(log: &str) -> Option<u64> {
    let rest = &log[log.find("expected ")? + "expected ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether a signature failure names account number 0, as CheckTx does before a restarted
/// node's first block.
fn is_account_number_zero(log: &str) -> bool {
    log.contains("signature verification failed") && log.contains("account number (0)")
}

/// Classifies a failed simulation from its log.
///
/// The SDK answers a failed `Simulate` over ABCI with a generic code (`sdk` 6, "unknown
/// request") and the original error only in the log ("rpc error: code = Unknown desc = <error>
/// With gas wanted: …"), so the refusals that matter are recognised by their text.
pub fn classify_simulation(codespace: &str, code: u32, log: &str) -> Error {
    if log.contains("account sequence mismatch") {
        return Error::SequenceMismatch {
            expected: expected_sequence(log),
            log: log.to_string(),
        };
    }
    if let Some(message) = contract_message_in_log(log) {
        return Error::Contract {
            message,
            log: log.to_string(),
            tx: None,
        };
    }
    Error::Rejected {
        code,
        codespace: codespace.to_string(),
        log: log.to_string(),
    }
}

/// The contract's own message from a wasm execution failure `(wasm, 5, log)`, where the log is
/// "failed to execute message; message index: 0: <message>: execute wasm contract failed".
pub fn contract_message(codespace: &str, code: u32, log: &str) -> Option<String> {
    if codespace != WASM_CODESPACE || code != CODE_WASM_EXECUTE_FAILED {
        return None;
    }
    Some(contract_message_in_log(log).unwrap_or_else(|| log.to_string()))
}

/// The contract's message inside any log that wraps "<message>: execute wasm contract failed".
fn contract_message_in_log(log: &str) -> Option<String> {
    const MARKER: &str = ": execute wasm contract failed";
    const INDEX: &str = "message index: ";
    let mut msg = &log[..log.rfind(MARKER)?];
    if let Some(i) = msg.find(INDEX) {
        let after = &msg[i + INDEX.len()..];
        msg = after
            .split_once(": ")
            .map(|(_, rest)| rest)
            .unwrap_or(after);
    }
    Some(msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_lose_their_location_and_backtrace() {
        let raw = "HTTP error\n\nCaused by:\n    error sending request: Connection refused (os error 111)\n\nLocation:\n    /x/eyre.rs:10:9\n\nStack backtrace:\n   0: eyre::x";
        assert_eq!(
            one_line(raw),
            "HTTP error: Caused by: error sending request: Connection refused (os error 111)"
        );
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn code_32_is_a_sequence_mismatch_with_the_expected_sequence() {
        let e = classify(
            "sdk",
            32,
            "account sequence mismatch, expected 17, got 15: incorrect account sequence",
        );
        assert!(matches!(
            e,
            Error::SequenceMismatch {
                expected: Some(17),
                ..
            }
        ));
        assert!(e.is_retryable());
    }

    #[test]
    fn code_32_without_a_number_still_asks_for_a_resync() {
        let e = classify("sdk", 32, "incorrect account sequence");
        assert!(matches!(e, Error::SequenceMismatch { expected: None, .. }));
    }

    #[test]
    fn code_4_with_account_number_zero_is_node_not_ready_and_retryable() {
        let log = "signature verification failed; please verify account number (0) and chain-id \
                   (diachain-cc-1): (unable to verify single signer signature): unauthorized";
        let e = classify("sdk", 4, log);
        assert!(matches!(e, Error::NodeNotReady { .. }));
        assert!(e.is_retryable());
    }

    #[test]
    fn code_4_with_another_account_number_is_a_plain_rejection() {
        let log = "signature verification failed; please verify account number (12) and chain-id \
                   (other-1): unauthorized";
        let e = classify("sdk", 4, log);
        assert!(matches!(e, Error::Rejected { code: 4, .. }));
        assert!(!e.is_retryable());
    }

    #[test]
    fn code_32_of_another_codespace_is_not_a_sequence_mismatch() {
        assert!(matches!(
            classify("wasm", 32, "expected 3"),
            Error::Rejected { code: 32, .. }
        ));
    }

    #[test]
    fn wasm_execute_failures_yield_the_contract_message() {
        let log = "failed to execute message; message index: 0: Unauthorized: sender is not \
                   the admin: execute wasm contract failed";
        match classify("wasm", 5, log) {
            Error::Contract { message, tx, .. } => {
                assert_eq!(message, "Unauthorized: sender is not the admin");
                assert!(tx.is_none());
            }
            other => panic!("expected a contract error, got {other:?}"),
        }
    }

    #[test]
    fn contract_message_without_the_wrapping_is_the_log() {
        assert_eq!(contract_message("wasm", 5, "boom").as_deref(), Some("boom"));
        assert_eq!(contract_message("sdk", 5, "boom"), None);
    }

    #[test]
    fn simulation_failures_are_recognised_by_their_log() {
        let seq = "rpc error: code = Unknown desc = account sequence mismatch, expected 8, got 6: \
                   incorrect account sequence With gas wanted: '0' and gas used: '1234' : unknown request";
        assert!(matches!(
            classify_simulation("sdk", 6, seq),
            Error::SequenceMismatch {
                expected: Some(8),
                ..
            }
        ));
        let contract =
            "rpc error: code = Unknown desc = failed to execute message; message index: \
                        0: device 00ff: not registered: execute wasm contract failed With gas \
                        wanted: '0' and gas used: '99' : unknown request";
        match classify_simulation("sdk", 6, contract) {
            Error::Contract { message, .. } => assert_eq!(message, "device 00ff: not registered"),
            other => panic!("expected a contract error, got {other:?}"),
        }
        assert!(matches!(
            classify_simulation("sdk", 6, "rpc error: code = Unknown desc = out of gas"),
            Error::Rejected { code: 6, .. }
        ));
    }

    #[test]
    fn insufficient_fee_is_a_non_retryable_rejection() {
        let e = classify(
            "sdk",
            13,
            "insufficient fees; got: 1udia required: 5000udia",
        );
        assert!(matches!(e, Error::Rejected { code: 13, .. }));
        assert!(!e.is_retryable());
        assert_eq!(e.tx_hash(), None);
    }
}
