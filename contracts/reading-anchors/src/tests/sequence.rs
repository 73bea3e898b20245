use diachain_std::anchors::Gap;
use diachain_std::Page;

use super::{Suite, DAY, DAY0};
use crate::msg::QueryMsg;
use crate::ContractError;
use diachain_testing::assert_refused;

fn gaps(s: &Suite, device_id: &str) -> Vec<(u64, u64)> {
    let page: Page<Gap> = s.query(QueryMsg::Gaps {
        device_id: device_id.into(),
        start_after: None,
        limit: None,
    });
    page.items.iter().map(|g| (g.from_seq, g.to_seq)).collect()
}

#[test]
fn replayed_overlapping_and_backward_ranges_are_refused() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-seq-00001");
    let first = s.batch(&d, 100, 12, DAY0);
    s.submit(std::slice::from_ref(&first)).unwrap();
    assert_refused(
        s.submit(&[first]),
        ContractError::Overlap {
            index: 0,
            device_id: d.id.clone(),
            first_seq: 100,
            anchored: 111,
        },
    );
    let overlapping = s.batch(&d, 111, 12, DAY0 + 3_600);
    assert_refused(
        s.submit(&[overlapping]),
        ContractError::Overlap {
            index: 0,
            device_id: d.id.clone(),
            first_seq: 111,
            anchored: 111,
        },
    );
    let backwards = s.batch(&d, 50, 12, DAY0 + 3_600);
    assert_refused(
        s.submit(&[backwards]),
        ContractError::Overlap {
            index: 0,
            device_id: d.id.clone(),
            first_seq: 50,
            anchored: 111,
        },
    );
    // Within one message, a later header may not overlap an earlier one either.
    let a = s.batch(&d, 112, 12, DAY0 + 3_600);
    let b = s.batch(&d, 120, 12, DAY0 + 7_200);
    assert_refused(
        s.submit(&[a.clone(), b]),
        ContractError::Overlap {
            index: 1,
            device_id: d.id.clone(),
            first_seq: 120,
            anchored: 123,
        },
    );
    s.submit(&[a]).unwrap();
}

#[test]
fn a_batch_measured_on_an_earlier_day_than_the_last_is_refused() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-seq-00002");
    s.submit(&[s.batch(&d, 1, 12, DAY0 + DAY)]).unwrap();
    let earlier_day = s.batch(&d, 13, 12, DAY0);
    assert_refused(
        s.submit(&[earlier_day]),
        ContractError::DayBackwards {
            index: 0,
            device_id: d.id.clone(),
            day: DAY0 / DAY,
            anchored_day: DAY0 / DAY + 1,
        },
    );
}

#[test]
fn forward_jumps_are_recorded_as_exact_gaps() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-gaps-00001");
    // The first batch sets the start: no gap before it.
    s.submit(&[s.batch(&d, 10, 12, DAY0)]).unwrap();
    assert!(gaps(&s, &d.id).is_empty());
    // 22..=23 lost (two readings), then 36..=36 lost, in one message.
    let b1 = s.batch(&d, 24, 12, DAY0 + 3_600);
    let b2 = s.batch(&d, 37, 12, DAY0 + 7_200);
    let res = s.submit(&[b1, b2]).unwrap();
    assert!(res
        .events
        .iter()
        .flat_map(|e| &e.attributes)
        .any(|a| a.key == "gaps" && a.value == "2"));
    assert_eq!(gaps(&s, &d.id), vec![(22, 23), (36, 36)]);
    // Exactly consecutive batches add none.
    s.submit(&[s.batch(&d, 49, 12, DAY0 + 10_800)]).unwrap();
    assert_eq!(gaps(&s, &d.id).len(), 2);
    let page: Page<Gap> = s.query(QueryMsg::Gaps {
        device_id: d.id.clone(),
        start_after: Some(22),
        limit: Some(1),
    });
    assert_eq!(
        (page.items[0].from_seq, page.items[0].to_seq, page.has_more),
        (36, 36, false)
    );
    assert_eq!(page.items[0].noticed_height, s.app.block_info().height);
}
