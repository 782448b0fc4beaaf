//! The request-path load generator: N connections on one event loop (like
//! redis-benchmark), each keeping `pipeline` requests in flight, speaking
//! either the trackcache protocol or Redis's RESP (GET/SET) over a Unix
//! socket, so both servers are driven by the same client code. An echo mode
//! measures the bare Unix-socket round trip, the floor under both.

pub mod batch;
pub mod cpu;
pub mod echo;
pub mod interference;
pub mod library;
pub mod process;
pub mod refs;
pub mod report;
pub mod resp;
pub mod run;
pub mod suite;
pub mod tc;

use std::io;

/// The wire a connection speaks.
pub trait Wire {
    /// Appends a GET of `key` to `out`.
    fn get(&mut self, out: &mut Vec<u8>, key: &[u8]);
    /// Appends a SET of `key` to `value` to `out`.
    fn set(&mut self, out: &mut Vec<u8>, key: &[u8], value: &[u8]);
    /// Parses one reply from the front of `buf`: `Ok(Some(consumed))` when a
    /// whole reply is there, `Ok(None)` when more bytes are needed.
    fn parse(&mut self, buf: &[u8]) -> io::Result<Option<usize>>;
}

/// Which server to drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// trackcached, generic cache.
    Trackcache,
    /// redis-server, GET/SET.
    Redis,
    /// A bare echo server in this process (the floor).
    Echo,
}
