//! One file per action.

pub mod admin;
pub mod backfill;
pub mod instantiate;
pub mod listeners;
pub mod sampling;
pub mod submit;
