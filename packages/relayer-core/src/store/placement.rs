//! Where a new batch's range falls among the ranges held for its device, and whether the batch
//! is refused there: one rule for both stores, which differ only in how they find the held
//! ranges around it.
//!
//! Held ranges of a device never overlap, so two of them decide a new range `first..=last`:
//! the held range starting at or below `last` with the highest start (`below`: the only one
//! that can overlap it), and the highest-starting held range above `last` (`above`: the
//! device's head, when the new range would fall behind it).

use diachain_std::encoding::utc_day;

use super::{IngestOutcome, NewBatch, SeqRange, StoreError};

/// Where a new range falls. `H` is what the store knows of a held batch (its id, or the batch).
pub(crate) enum Placement<H> {
    /// A held batch starts at the same seq: the same batch again, or a conflict.
    SameStart(H),
    Overlap(SeqRange),
    BehindHead(SeqRange),
    /// After everything held; `gap` if it does not follow the head directly.
    Next {
        gap: Option<SeqRange>,
        head: Option<H>,
    },
}

/// Places a new range starting at `first_seq` given the held ranges `below` and `above` its
/// last seq (see the module).
pub(crate) fn place<H>(
    first_seq: u64,
    below: Option<(SeqRange, H)>,
    above: Option<SeqRange>,
) -> Placement<H> {
    match below {
        Some((held, h)) if held.first_seq == first_seq => Placement::SameStart(h),
        Some((held, _)) if held.last_seq >= first_seq => Placement::Overlap(held),
        below => match above {
            Some(head) => Placement::BehindHead(head),
            None => Placement::Next {
                gap: below.as_ref().and_then(|(held, _)| {
                    (held.last_seq + 1 < first_seq).then_some(SeqRange {
                        first_seq: held.last_seq + 1,
                        last_seq: first_seq - 1,
                    })
                }),
                head: below.map(|(_, h)| h),
            },
        },
    }
}

/// The held head a batch placed after it is checked against: its first reading's UTC day and
/// (looked up only when needed) its last reading's time.
pub(crate) struct Head<F> {
    pub day: u64,
    pub last_time: F,
}

/// Whether a batch placed after everything held (`Next`) is refused: a device sequenced by
/// arrival (`backfill`) never is; any other may not go back to an earlier UTC day than its
/// head's, nor start less than the device kind's minimum interval after the head's last
/// reading (reading-anchors' `TooSoonAfterLast`).
pub(crate) fn refused_after<F>(
    batch: &NewBatch,
    head: Option<Head<F>>,
) -> Result<Option<IngestOutcome>, StoreError>
where
    F: FnOnce() -> Result<u64, StoreError>,
{
    let Some(head) = head else {
        return Ok(None);
    };
    if batch.backfill {
        return Ok(None);
    }
    let day = utc_day(batch.header.first_time);
    if day < head.day {
        return Ok(Some(IngestOutcome::DayBackwards {
            day,
            held_day: head.day,
        }));
    }
    let interval = batch.min_interval_seconds;
    if interval == 0 {
        return Ok(None);
    }
    let held_last_time = (head.last_time)()?;
    let earliest = held_last_time.saturating_add(u64::from(interval));
    Ok(
        (batch.header.first_time < earliest).then_some(IngestOutcome::TooSoonAfterLast {
            first_time: batch.header.first_time,
            held_last_time,
            min_interval_seconds: interval,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(first_seq: u64, last_seq: u64) -> SeqRange {
        SeqRange {
            first_seq,
            last_seq,
        }
    }

    fn at(p: Placement<u8>) -> String {
        match p {
            Placement::SameStart(h) => format!("same {h}"),
            Placement::Overlap(c) => format!("overlap {}..{}", c.first_seq, c.last_seq),
            Placement::BehindHead(c) => format!("behind {}..{}", c.first_seq, c.last_seq),
            Placement::Next { gap, head } => format!(
                "next gap {:?} head {:?}",
                gap.map(|g| (g.first_seq, g.last_seq)),
                head
            ),
        }
    }

    #[test]
    fn same_start_overlap_behind_head_gap_and_the_top_of_the_range() {
        assert_eq!(at(place(1, None, None)), "next gap None head None");
        assert_eq!(at(place(1, Some((r(1, 9), 7)), None)), "same 7");
        // A same start wins over a head above (a duplicate of an old batch is a duplicate).
        assert_eq!(at(place(1, Some((r(1, 5), 7)), Some(r(20, 30)))), "same 7");
        assert_eq!(at(place(3, Some((r(1, 4), 7)), None)), "overlap 1..4");
        assert_eq!(
            at(place(3, Some((r(1, 4), 7)), Some(r(9, 9)))),
            "overlap 1..4"
        );
        assert_eq!(
            at(place(6, Some((r(1, 4), 7)), Some(r(9, 12)))),
            "behind 9..12"
        );
        assert_eq!(
            at(place(5, Some((r(1, 4), 7)), None)),
            "next gap None head Some(7)"
        );
        assert_eq!(
            at(place(7, Some((r(1, 4), 7)), None)),
            "next gap Some((5, 6)) head Some(7)"
        );
        assert_eq!(
            at(place(u64::MAX, Some((r(1, u64::MAX - 1), 2)), None)),
            "next gap None head Some(2)"
        );
        assert_eq!(
            at(place(u64::MAX, Some((r(1, u64::MAX - 2), 2)), None)),
            format!(
                "next gap Some(({}, {})) head Some(2)",
                u64::MAX - 1,
                u64::MAX - 1
            )
        );
    }
}
