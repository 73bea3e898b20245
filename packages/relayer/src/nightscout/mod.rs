//! Nightscout-compatible upload (issue 13, work in progress; not wired into the API yet):
//! parsing what unchanged uploaders (xDrip+, AndroidAPS, Loop, Spike) post to
//! `POST /api/v1/entries`.

pub mod entries;
