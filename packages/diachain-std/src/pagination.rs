//! Capped pagination shared by every list query.

use crate::wire;
use cosmwasm_std::StdResult;

/// Items returned when a query gives no limit.
pub const DEFAULT_LIMIT: u32 = 10;
/// The most items any list query returns, whatever limit it is given.
pub const MAX_LIMIT: u32 = 100;

/// The effective page size for a requested limit.
pub fn page_size(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize
}

/// One page of a list query. `has_more` says whether items follow the last one; pass the last
/// item's key as `start_after` to get them.
#[wire]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Takes up to `page_size(limit)` items from an ordered iterator, reading one more to learn
    /// whether more follow.
    pub fn collect<I>(iter: I, limit: Option<u32>) -> StdResult<Self>
    where
        I: IntoIterator<Item = StdResult<T>>,
    {
        let size = page_size(limit);
        let mut items = iter
            .into_iter()
            .take(size + 1)
            .collect::<StdResult<Vec<T>>>()?;
        let has_more = items.len() > size;
        items.truncate(size);
        Ok(Page { items, has_more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_defaulted_and_capped() {
        assert_eq!(page_size(None), DEFAULT_LIMIT as usize);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(5)), 5);
        assert_eq!(page_size(Some(10_000)), MAX_LIMIT as usize);
    }

    #[test]
    fn has_more_is_true_only_when_items_remain() {
        let full = Page::collect((0..3).map(Ok), Some(3)).unwrap();
        assert_eq!((full.items, full.has_more), (vec![0, 1, 2], false));
        let cut = Page::collect((0..4).map(Ok), Some(3)).unwrap();
        assert_eq!((cut.items, cut.has_more), (vec![0, 1, 2], true));
    }
}
