//! This machine's clock: the one place the relayer reads it, and the injectable [`Clock`].

use std::sync::Arc;

/// Unix seconds now; injectable for tests.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(unix_now)
}

/// This machine's clock in Unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// This machine's clock in Unix seconds.
pub fn unix_now() -> u64 {
    now_ms() / 1000
}
