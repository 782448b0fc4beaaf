//! Shared pieces of the end-to-end scenarios, the library generator and the
//! load generator. `harness` starts the real `trackcached` binary on a temp
//! socket and data dir and drives it with the real client library and CLI;
//! `generator` writes synthetic libraries with every quirk of real exports;
//! `fuzz_seeds` makes the fuzz targets' seed inputs.

pub mod bench;
pub mod bystander;
pub mod fuzz_seeds;
pub mod generator;
pub mod genreupdater;
pub mod harness;
pub mod jsonl;
pub mod raw;
pub mod scenario;
