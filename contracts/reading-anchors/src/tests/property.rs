//! Random interleavings of submissions for several devices never leave overlapping ranges and
//! always report exactly the missing ranges as gaps.

use diachain_std::anchors::{BatchInfo, Gap};
use diachain_std::Page;
use proptest::prelude::*;

use super::{Suite, DAY0};
use crate::msg::QueryMsg;

/// One step: device index, where the batch starts relative to the device's cursor
/// (negative: overlap or backwards; 1: consecutive; more: a jump), and its size.
fn step() -> impl Strategy<Value = (usize, i64, u32)> {
    (
        0usize..3,
        prop_oneof![3 => Just(1i64), 2 => 2i64..6, 1 => -4i64..1],
        1u32..5,
    )
}

fn all<T: serde::de::DeserializeOwned>(
    s: &Suite,
    make: impl Fn(Option<u64>) -> QueryMsg,
    key: impl Fn(&T) -> u64,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    let mut start = None;
    loop {
        let page: Page<T> = s.query(make(start));
        let more = page.has_more;
        start = page.items.last().map(&key);
        out.extend(page.items);
        if !more {
            return out;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_submissions_never_overlap_and_gaps_are_exactly_the_missing_ranges(steps in prop::collection::vec(step(), 1..25)) {
        let mut s = Suite::new();
        let devices: Vec<_> = (0..3).map(|i| s.cgm(&format!("cgm-prop-{i:05}"))).collect();
        // Model: the cursor and the expected gaps of each device.
        let mut cursor: Vec<Option<u64>> = vec![None; 3];
        let mut expected_gaps: Vec<Vec<(u64, u64)>> = vec![vec![]; 3];
        let mut time = DAY0;
        for (d, offset, count) in steps {
            let first = match cursor[d] {
                None => 100,
                Some(c) => (c as i64 + offset).max(0) as u64,
            };
            // Readings every 5 minutes; each batch starts after the previous one's readings.
            let batch = s.batch(&devices[d], first, count, time);
            time += 300 * u64::from(count);
            let accepted = s.submit(&[batch]).is_ok();
            let should_accept = cursor[d].is_none_or(|c| first > c);
            prop_assert_eq!(accepted, should_accept, "device {} first {} cursor {:?}", d, first, cursor[d]);
            if accepted {
                if let Some(c) = cursor[d] {
                    if first > c + 1 {
                        expected_gaps[d].push((c + 1, first - 1));
                    }
                }
                cursor[d] = Some(first + u64::from(count) - 1);
            }
        }
        for (i, dev) in devices.iter().enumerate() {
            let id = dev.id.clone();
            let batches: Vec<BatchInfo> = all(&s, |start_after| QueryMsg::Batches { device_id: id.clone(), start_after, limit: Some(7) }, |b: &BatchInfo| b.last_seq);
            for pair in batches.windows(2) {
                prop_assert!(pair[0].last_seq < pair[1].first_seq, "overlap in {:?}", pair);
            }
            let gaps: Vec<Gap> = all(&s, |start_after| QueryMsg::Gaps { device_id: id.clone(), start_after, limit: Some(3) }, |g: &Gap| g.from_seq);
            let got: Vec<(u64, u64)> = gaps.iter().map(|g| (g.from_seq, g.to_seq)).collect();
            prop_assert_eq!(&got, &expected_gaps[i]);
            // Gaps and batches together cover the whole range without holes.
            if let (Some(first), Some(last)) = (batches.first(), batches.last()) {
                let covered: u64 = batches.iter().map(|b| b.last_seq - b.first_seq + 1).sum::<u64>()
                    + got.iter().map(|(f, t)| t - f + 1).sum::<u64>();
                prop_assert_eq!(covered, last.last_seq - first.first_seq + 1);
            }
        }
    }
}
