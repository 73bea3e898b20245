//! Nothing to compile: this package exists only so that its workspace pins cw-plus's
//! `cw4-group` and `cw3-flex-multisig` 2.0.0, which `scripts/build-wasm.sh` builds as wasm with
//! `cargo rustc -p <contract>` (see `../README.md`).
#![no_std]
