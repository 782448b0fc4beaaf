//! What can go wrong when talking to the daemon (or reading files to send
//! it), worded for the person who has to fix it.

use std::path::PathBuf;

use trackcache_protocol::{frame::FrameError, ErrorReply};

/// A client-side failure.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing answers at the socket path.
    #[error(
        "no trackcached is answering at {}: {source}.\n\
         Start one with `trackcached --socket {}` (or `systemctl --user start trackcached`), \
         or point --socket / TRACKCACHE_SOCKET at a running daemon.",
        socket.display(), socket.display()
    )]
    NotRunning {
        /// The socket tried.
        socket: PathBuf,
        /// Why the connect failed.
        source: std::io::Error,
    },
    /// The process listening at the socket runs as another user: talking to
    /// it would hand that user every request and trust its answers.
    #[error(
        "the process answering at {} runs as uid {peer}, not as you (uid {own}); refusing to \
         talk to it (another user may have taken the socket directory).\n\
         Remove the socket's directory if you can, or start your own trackcached with \
         --socket in a directory only you can write (XDG_RUNTIME_DIR is best)",
        socket.display()
    )]
    ForeignDaemon {
        /// The socket tried.
        socket: PathBuf,
        /// The uid of the process listening there.
        peer: u32,
        /// Our uid.
        own: u32,
    },
    /// The daemon refused or dropped the connection with an error.
    #[error("the daemon closed the connection: {0}")]
    Refused(ErrorReply),
    /// The daemon answered the request with an error.
    #[error("{0}")]
    Server(ErrorReply),
    /// The connection broke or a frame was invalid.
    #[error("talking to the daemon failed: {0}")]
    Frame(#[from] FrameError),
    /// The daemon did not answer in time.
    #[error("the daemon did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The daemon closed the connection without a word.
    #[error("the daemon closed the connection unexpectedly (did it shut down?)")]
    Closed,
    /// The daemon sent something that makes no sense here.
    #[error("unexpected message from the daemon: {0}")]
    Unexpected(String),
    /// Files to import could not be read (before anything was sent).
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// `trackcache service` could not install, remove or check the service.
    #[error(transparent)]
    Service(#[from] crate::cli::service::ServiceError),
}

impl ClientError {
    /// The daemon's error reply, if this is one.
    pub fn reply(&self) -> Option<&ErrorReply> {
        match self {
            Self::Refused(r) | Self::Server(r) => Some(r),
            _ => None,
        }
    }
}
