//! Logs through `tracing`: text or JSON lines on stderr. Log device ids and sequence numbers,
//! never reading values, salts or keys.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSection};

pub fn init(log: &LogSection) {
    let filter = EnvFilter::try_new(log.level.as_deref().unwrap_or("info"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal, not in log files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let result = match log.format.unwrap_or_default() {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if result.is_err() {
        eprintln!("logging was already set up");
    }
}
