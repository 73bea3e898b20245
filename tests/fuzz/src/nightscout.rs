//! Nightscout uploads: `POST /api/v1/entries` bodies (`entries::parse`) and the batches the
//! relayer signs for them (`upload::plan`); treatments, device statuses and profiles
//! (`records::parse`) and their batches (`record_plan::plan`); and the entries query followers
//! send (`read::parse`).

use std::collections::HashSet;

use diachain_relayer_api::nightscout::entries::{self, EntriesError, MAX_FUTURE_MS};
use diachain_relayer_api::nightscout::read::{self, EntryType, MAX_COUNT, MAX_DAYS};
use diachain_relayer_api::nightscout::record_plan::{self, RecordsHeld};
use diachain_relayer_api::nightscout::records::{self, MAX_DOCUMENT_BYTES, MAX_IDENTIFIER};
use diachain_relayer_api::nightscout::upload::{self, Held};
use diachain_relayer_core::ingest::checks;
use diachain_relayer_core::ingest::Verifier;
use diachain_relayer_core::store::NsCollection;
use diachain_relayer_types::BatchRequest;
use diachain_std::encoding::flags;
use diachain_std::KeyAlgorithm;

use crate::encoding::DOMAIN;
use crate::gateway::{self, device_key};

/// The relayer's clock in these targets (2026-01-01T00:00:00Z), in milliseconds.
pub const NOW_MS: u64 = 1_767_225_600_000;
/// The uploader device the relayer holds a key for.
pub const UPLOADER: &str = "ns-uploader-0123456789";

/// A batch the relayer signed for an upload passes the checks ingest runs on any gateway's
/// batch, and its signature verifies with the uploader's key.
fn assert_ingestible(request: &BatchRequest, now: u64) {
    let body = serde_json::to_vec(request).expect("a request serialises");
    let parsed = checks::parse(&body).expect("a planned batch parses");
    gateway::checks(&parsed, now, 0).expect("a planned batch passes ingest's checks");
    let sign_bytes = parsed.header.sign_bytes(&DOMAIN).expect("sign-bytes");
    let key = device_key(KeyAlgorithm::Ed25519).public_key();
    assert!(Verifier::default().verify(&key, &sign_bytes, &parsed.signature));
}

/// Target `nightscout_entries`: any body is entries or a refusal (`EntriesError`), never a
/// panic. Every item of a body is kept or skipped with a reason, none twice; kept entries are
/// ordered by time, one a millisecond, none far in the future, their values in range. Planned
/// into batches for a new uploader, every kept entry is stored or skipped once, and every batch
/// passes ingest's checks with a valid signature.
pub fn nightscout_entries(bytes: &[u8]) {
    let parsed = match entries::parse(bytes, NOW_MS) {
        Ok(p) => p,
        Err(e) => {
            let items = entries::items_of(bytes, entries::MAX_ENTRIES);
            match e {
                EntriesError::TooMany { .. } => assert!(items.is_err()),
                _ => assert_eq!(items.err(), Some(e)),
            }
            return;
        }
    };
    let items = entries::items_of(bytes, entries::MAX_ENTRIES).expect("parsed, so items");
    assert_eq!(parsed.sgv.len() + parsed.skipped.len(), items.len());
    let mut seen = HashSet::new();
    for index in parsed.sgv.iter().map(|s| s.index) {
        assert!(seen.insert(index) && index < items.len());
    }
    for index in parsed.skipped.iter().map(|s| s.index) {
        assert!(seen.insert(index) && index < items.len());
    }
    for pair in parsed.sgv.windows(2) {
        assert!(pair[0].date_ms < pair[1].date_ms);
    }
    for s in &parsed.sgv {
        assert!(s.date_ms <= NOW_MS + MAX_FUTURE_MS);
        if s.flags & flags::METER != 0 {
            assert!(s.milli > 0 && s.milli <= 600_000, "{s:?}");
        } else {
            assert!(
                (0..=401_000).contains(&s.milli) && s.milli % 1000 == 0,
                "{s:?}"
            );
        }
    }
    let key = device_key(KeyAlgorithm::Ed25519);
    let plan = upload::plan(&parsed, &Held::default(), 0, UPLOADER, &key, &DOMAIN)
        .expect("a new uploader's plan");
    assert_eq!(plan.stored().count() + plan.skipped.len(), parsed.sgv.len());
    for batch in &plan.batches {
        assert_ingestible(&batch.request, NOW_MS / 1000);
        assert_eq!(batch.millis.len(), batch.request.readings.len());
    }
}

/// Target `nightscout_records`: the first byte picks the collection (treatments, device
/// statuses, profiles), the rest is the body. Any body is documents or a refusal; kept
/// documents are in body order with unique identifiers the API can route (not too long, no
/// `/`, `?`, `#`), each at most the kept size; planned for a new uploader, every batch passes
/// ingest's checks with a valid signature.
pub fn nightscout_records(bytes: &[u8]) {
    let Some((first, body)) = bytes.split_first() else {
        return;
    };
    let collection = NsCollection::ALL[usize::from(*first) % NsCollection::ALL.len()];
    let Ok(parsed) = records::parse(collection, body, NOW_MS) else {
        return;
    };
    let mut ids = HashSet::new();
    for pair in parsed.docs.windows(2) {
        assert!(pair[0].index < pair[1].index);
    }
    for doc in &parsed.docs {
        assert!(ids.insert(doc.identifier.clone()), "{:?}", doc.identifier);
        assert!(!doc.identifier.is_empty() && doc.identifier.len() <= MAX_IDENTIFIER);
        assert!(!doc.identifier.contains(['/', '?', '#']));
        let size = serde_json::to_vec(&doc.body)
            .expect("a document serialises")
            .len();
        assert!(size <= MAX_DOCUMENT_BYTES);
        assert!(doc.date_ms <= NOW_MS + MAX_FUTURE_MS);
    }
    for pair in parsed.skipped.windows(2) {
        assert!(pair[0].index <= pair[1].index);
    }
    let key = device_key(KeyAlgorithm::Ed25519);
    let plan = record_plan::plan(&parsed, &RecordsHeld::default(), 0, UPLOADER, &key, &DOMAIN)
        .expect("a new uploader's plan");
    for batch in &plan.batches {
        assert_ingestible(&batch.request, NOW_MS / 1000);
    }
}

/// Target `nightscout_query`: any query string is an entries query or a refusal (a reason for
/// the 400), never a panic; a query never reaches past the clock, asks for 1..=MAX_COUNT
/// entries, and spans at most `MAX_DAYS` days.
pub fn nightscout_query(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for kind in [None, Some(EntryType::Sgv), Some(EntryType::Mbg)] {
        let Ok(q) = read::parse(&text, NOW_MS, kind) else {
            continue;
        };
        assert!(q.to_ms <= NOW_MS);
        assert!((1..=MAX_COUNT).contains(&q.count));
        if q.from_ms <= q.to_ms {
            assert!(q.to_ms - q.from_ms <= MAX_DAYS * 86_400_000);
        }
        let (a, b) = q.seconds();
        assert!(a <= q.from_ms / 1000 && b == q.to_ms / 1000);
    }
}
