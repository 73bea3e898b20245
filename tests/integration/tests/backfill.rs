//! Backfill: a relayer-held key's stream (a Nightscout uploader's) is sequenced by arrival, so
//! readings measured before its newest anchored one — a CGM's backfill after a signal loss, a
//! correction, the readings after a phone clock ran fast — are anchored, proved and counted like
//! the others; but never past what the device could have measured that day, never before the
//! owner's binding or while the holder was out; and a device-signed stream still only goes
//! forward.

use diachain_integration::journey::FIRST_DAY;
use diachain_integration::*;
use diachain_std::anchors::{self as anchors_msg, BatchInfo};
use diachain_std::registry;
use diachain_std::testing::SignedBatch;
use diachain_std::{DataScope, Role};

type AnchorsError = reading_anchors::ContractError;

const UPLOADER: &str = "ns-4e0b7a19c3d2f865";

/// The suite's relayer holds the uploader's key; the patient bound it at 09:00 on the genesis
/// day. Time is then `now`.
fn uploader_suite(now: u64) -> Suite {
    let mut s = SuiteBuilder::default().build();
    let relayer = s.actors.relayer.clone();
    s.register_held_key(&relayer, UPLOADER, 0x61);
    s.set_time(at(GENESIS_DAY, 9, 0));
    let patient = s.actors.patient.clone();
    s.bind(&patient, UPLOADER, &patient)
        .accepted("the patient binds the uploader");
    s.set_time(now);
    s
}

fn glucose(s: &Suite, first_seq: u64, count: u32, first_time: u64, interval: u64) -> SignedBatch {
    s.glucose_batch(UPLOADER, first_seq, count, first_time, interval)
}

fn batch_at(s: &Suite, seq: u64) -> BatchInfo {
    s.query(
        &s.anchors,
        &anchors_msg::QueryMsg::Batch {
            device_id: UPLOADER.to_string(),
            seq,
        },
    )
}

/// 00:00–00:55 and 03:00–03:55 arrive first; the signal loss's two hours arrive after, with the
/// next sequence numbers: anchored, found by their sequence numbers with their root, counted
/// in the day's coverage; and the stream goes on after its newest reading, not after the
/// backfill's.
#[test]
fn a_backfill_after_a_signal_loss_is_anchored_found_and_counted() {
    let mut s = uploader_suite(at(FIRST_DAY, 23, 0));
    let patient = s.actors.patient.clone();
    let before = glucose(&s, 1, 12, at(FIRST_DAY, 0, 0), 300);
    let after = glucose(&s, 13, 12, at(FIRST_DAY, 3, 0), 300);
    s.submit(&[before, after])
        .accepted("before and after the loss");
    let backfill = glucose(&s, 25, 24, at(FIRST_DAY, 1, 0), 300);
    let root = backfill.header.root.clone();
    s.submit(&[backfill]).accepted("the backfill");
    assert_eq!(batch_at(&s, 30).root, root);
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Glucose), 48);

    // The stream goes on after its newest reading; and a correction of the 03:55 reading (the
    // same second, another value) is anchored too.
    let next = glucose(&s, 49, 12, at(FIRST_DAY, 4, 0), 300);
    s.submit(&[next]).accepted("the stream goes on");
    let correction = glucose(&s, 61, 1, at(FIRST_DAY, 3, 55), 300);
    s.submit(&[correction]).accepted("a correction");
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Glucose), 61);
    assert!(s.gaps(UPLOADER).is_empty(), "no sequence number skipped");
}

/// A backfill and forward batches in one message, and a backfill into the day before, which
/// had no reading of the device yet: that day becomes the patient's.
#[test]
fn a_backfill_into_an_earlier_day_counts_for_that_day() {
    let mut s = uploader_suite(at(FIRST_DAY, 23, 0));
    let patient = s.actors.patient.clone();
    let today = glucose(&s, 1, 12, at(FIRST_DAY, 0, 0), 300);
    let yesterday = glucose(&s, 13, 12, at(GENESIS_DAY, 22, 0), 300);
    let later = glucose(&s, 25, 12, at(FIRST_DAY, 1, 0), 300);
    s.submit(&[today, yesterday, later])
        .accepted("forward, backfill, forward");
    assert_eq!(s.coverage(&patient, GENESIS_DAY, DataScope::Glucose), 12);
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Glucose), 24);

    // Before the binding (09:00 on the genesis day) the readings are someone else's.
    let unbound = glucose(&s, 37, 12, at(GENESIS_DAY, 8, 0), 300);
    assert_refused(
        s.submit(&[unbound]),
        AnchorsError::MeasuredBeforeOwner {
            index: 0,
            device_id: UPLOADER.to_string(),
            first_time: at(GENESIS_DAY, 8, 0),
            owner_since: at(GENESIS_DAY, 9, 0),
        },
    );
}

/// A batch that starts before the newest reading and ends after it is a forward batch: it
/// becomes the newest, and the stream goes on from it.
#[test]
fn a_batch_reaching_past_the_newest_reading_becomes_the_newest() {
    let mut s = uploader_suite(at(FIRST_DAY, 23, 0));
    let patient = s.actors.patient.clone();
    let first = glucose(&s, 1, 12, at(FIRST_DAY, 0, 0), 300);
    s.submit(&[first]).accepted("00:00–00:55");
    let straddling = glucose(&s, 13, 12, at(FIRST_DAY, 0, 30) + 30, 300);
    s.submit(&[straddling]).accepted("00:30:30–01:25:30");
    let backfill = glucose(&s, 25, 1, at(FIRST_DAY, 1, 10), 300);
    s.submit(&[backfill])
        .accepted("before the new newest reading: a backfill");
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Glucose), 25);
}

/// A held key cannot fill a day with more than the device could have measured: from midnight
/// to the newest reading at 01:55, at most 116 glucose readings (one a minute), forward and
/// backfilled together — within one message as across messages; a forward batch may add only
/// what its own time makes room for; and an earlier day holds at most 1,440.
#[test]
fn backfills_cannot_fill_a_day_beyond_one_reading_a_minute() {
    let mut s = uploader_suite(at(FIRST_DAY, 23, 0));
    let forward = glucose(&s, 1, 24, at(FIRST_DAY, 0, 0), 300);
    s.submit(&[forward])
        .accepted("00:00–01:55, every 5 minutes");
    let full = |held: u64, readings: u32, index: usize, max: u64| AnchorsError::DayFull {
        index,
        device_id: UPLOADER.to_string(),
        day: FIRST_DAY,
        scope: DataScope::Glucose,
        held,
        readings,
        max,
        min_interval_seconds: 60,
    };
    // 24 + 50 fit; 50 more do not, and the message writes nothing.
    let a = glucose(&s, 25, 50, at(FIRST_DAY, 0, 0), 60);
    let b = glucose(&s, 75, 50, at(FIRST_DAY, 0, 50), 60);
    assert_refused(s.submit(&[a.clone(), b]), full(74, 50, 1, 116));
    assert_eq!(
        s.batches(UPLOADER).len(),
        1,
        "nothing of the message written"
    );
    s.submit(&[a]).accepted("74 of 116");
    let c = glucose(&s, 75, 42, at(FIRST_DAY, 1, 0), 60);
    s.submit(&[c])
        .accepted("116 of 116: the day is full up to 01:55");
    let d = glucose(&s, 117, 1, at(FIRST_DAY, 0, 2) + 30, 60);
    assert_refused(s.submit(&[d]), full(116, 1, 0, 116));
    let patient = s.actors.patient.clone();
    assert_eq!(s.coverage(&patient, FIRST_DAY, DataScope::Glucose), 116);
    // 01:56 makes room for one more; 30 s later, for none.
    let e = glucose(&s, 117, 1, at(FIRST_DAY, 1, 56), 60);
    s.submit(&[e]).accepted("117 of 117 by 01:56");
    let f = glucose(&s, 118, 1, at(FIRST_DAY, 1, 56) + 30, 60);
    assert_refused(s.submit(&[f]), full(117, 1, 0, 117));

    // The day before, after the binding at 09:00: a whole day's 1,440 slots, of which 900 are
    // from 09:00 on. Ten hours' worth at one a minute, then one more than the day holds.
    let mut seq = 118;
    for hour in 9..24 {
        let batch = glucose(&s, seq, 60, at(GENESIS_DAY, hour, 0), 60);
        s.submit(&[batch]).accepted("an hour of the day before");
        seq += 60;
    }
    assert_eq!(s.coverage(&patient, GENESIS_DAY, DataScope::Glucose), 900);
    let mut again = 0;
    while again < 540 {
        let batch = glucose(&s, seq, 60, at(GENESIS_DAY, 9, 0), 60);
        s.submit(&[batch])
            .accepted("the same hours again, up to the day's slots");
        seq += 60;
        again += 60;
    }
    let over = glucose(&s, seq, 1, at(GENESIS_DAY, 9, 0), 60);
    assert_refused(
        s.submit(&[over]),
        AnchorsError::DayFull {
            index: 0,
            device_id: UPLOADER.to_string(),
            day: GENESIS_DAY,
            scope: DataScope::Glucose,
            held: 1_440,
            readings: 1,
            max: 1_440,
            min_interval_seconds: 60,
        },
    );
}

/// A backfill measured while its key's holder was out of good standing is refused like any
/// batch measured then.
#[test]
fn a_backfill_into_the_holders_lapse_is_refused() {
    let mut s = uploader_suite(at(FIRST_DAY, 2, 0));
    let relayer = s.actors.relayer.clone();
    let consortium = s.actors.consortium.clone();
    let registry_addr = s.registry.clone();
    s.exec(
        &consortium,
        &registry_addr,
        &registry::ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
            reason: "audit".to_string(),
        },
    )
    .accepted("suspended at 02:00");
    s.set_time(at(FIRST_DAY, 3, 0));
    s.exec(
        &consortium,
        &registry_addr,
        &registry::ExecuteMsg::ReinstateParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
        },
    )
    .accepted("reinstated at 03:00");
    s.set_time(at(FIRST_DAY, 23, 0));
    let forward = glucose(&s, 1, 12, at(FIRST_DAY, 4, 0), 300);
    s.submit(&[forward]).accepted("after the lapse");
    let into_lapse = glucose(&s, 13, 12, at(FIRST_DAY, 2, 0), 300);
    assert_refused(
        s.submit(&[into_lapse]),
        AnchorsError::MeasuredWhileHolderLapsed {
            index: 0,
            device_id: UPLOADER.to_string(),
            holder: relayer.to_string(),
            from: at(FIRST_DAY, 2, 0),
            to: at(FIRST_DAY, 3, 0),
        },
    );
    let before_lapse = glucose(&s, 13, 12, at(FIRST_DAY, 0, 0), 300);
    s.submit(&[before_lapse])
        .accepted("measured before the lapse");
}

/// A device that signs its own readings numbers them in time order: nothing of it may go back.
#[test]
fn a_device_signed_stream_cannot_backfill() {
    let mut s = SuiteBuilder::default().build();
    let patient = s.actors.patient.clone();
    s.register_devices(&[CGM]).accepted("registered");
    s.bind(&patient, CGM, &patient).accepted("bound");
    s.set_time(at(FIRST_DAY, 23, 0));
    let forward = s.batch(CGM, 1, 12, at(FIRST_DAY, 3, 0));
    s.submit(&[forward]).accepted("03:00–03:55");
    let back = s.batch(CGM, 13, 12, at(FIRST_DAY, 1, 0));
    assert_refused(
        s.submit(&[back]),
        AnchorsError::TooSoonAfterLast {
            index: 0,
            device_id: CGM.to_string(),
            first_time: at(FIRST_DAY, 1, 0),
            anchored_time: at(FIRST_DAY, 3, 55),
            kind: diachain_std::DeviceKind::Cgm,
            min_interval_seconds: 60,
        },
    );
    let day_before = s.batch(CGM, 13, 12, at(GENESIS_DAY, 20, 0));
    assert_refused(
        s.submit(&[day_before]),
        AnchorsError::DayBackwards {
            index: 0,
            device_id: CGM.to_string(),
            day: GENESIS_DAY,
            anchored_day: FIRST_DAY,
        },
    );
}
