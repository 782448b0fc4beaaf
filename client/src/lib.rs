//! Client library for `trackcached`: a blocking `Client` with one typed
//! method per request, pipelining, and pushed-event buffering. The
//! `trackcache` command-line tool is built on it. [`import`] reads other
//! tools' caches (GenreUpdater's) into requests.
//!
//! ```no_run
//! let mut c = trackcache_client::Client::connect(trackcache_client::default_socket())?;
//! c.kv_set("musicbrainz", "pink floyd|the wall", b"1979", trackcache_client::Ttl::Default)?;
//! # Ok::<(), trackcache_client::ClientError>(())
//! ```

mod batch;
pub mod cli;
mod client;
pub mod config_file;
mod domain;
mod error;
pub mod import;
mod library;
mod methods;
mod retry;

pub use batch::BatchResult;
pub use client::{Client, ConnectOptions};
pub use error::ClientError;
pub use library::Subscribed;
pub use methods::{Declared, Ttl};
pub use retry::{connect_waiting, not_up_yet};
pub use trackcache_protocol as protocol;

/// The socket a client uses when told nothing: `TRACKCACHE_SOCKET`, else
/// the config file's `socket`, else the daemon's default path.
pub fn default_socket() -> std::path::PathBuf {
    config_file::socket(|_| {})
}
