//! Test support for trackcache: the synthetic library generator, and the
//! binaries and benchmarks built on it.

pub mod generator;
