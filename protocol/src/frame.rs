//! Blocking frame I/O over any `Read`/`Write`, for clients and tools.
//! (The daemon reads frames with tokio-util's length-delimited codec, which
//! implements the same header and maximum.)

use std::io::{self, Read, Write};

use serde::Serialize;

use crate::codec::{self, CodecError, FRAME_HEADER_LEN};

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The underlying stream failed.
    #[error("socket I/O failed: {0}")]
    Io(#[from] io::Error),
    /// The peer closed the stream in the middle of a frame.
    #[error("connection closed in the middle of a frame ({got} of {want} bytes)")]
    Truncated {
        /// Bytes received.
        got: usize,
        /// Bytes the frame needed.
        want: usize,
    },
    /// Encoding or decoding failed, or the frame is over the maximum.
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// Reads exactly `buf.len()` bytes; `Ok(false)` on a clean EOF before the first byte.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> Result<bool, FrameError> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => {
                return Err(FrameError::Truncated {
                    got,
                    want: buf.len(),
                })
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// Reads one frame's payload. `Ok(None)` means the peer closed the stream
/// cleanly between frames. A declared length over `max_frame_len` is refused
/// before anything is allocated.
pub fn read_frame(
    reader: &mut impl Read,
    max_frame_len: u32,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; FRAME_HEADER_LEN];
    if !read_full(reader, &mut header)? {
        return Ok(None);
    }
    let len = codec::check_frame_len(codec::frame_len(header), max_frame_len)?;
    let mut payload = vec![0u8; len];
    if len > 0 && !read_full(reader, &mut payload)? {
        return Err(FrameError::Truncated { got: 0, want: len });
    }
    Ok(Some(payload))
}

/// Encodes `msg` as one frame and writes it.
pub fn write_frame<T: Serialize>(
    writer: &mut impl Write,
    msg: &T,
    max_frame_len: u32,
) -> Result<(), FrameError> {
    let frame = codec::encode_frame(msg, max_frame_len)?;
    writer.write_all(&frame)?;
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_server, ServerMessage};
    use std::io::Cursor;

    #[test]
    fn reads_back_what_it_wrote() {
        let mut buf = Vec::new();
        write_frame(
            &mut buf,
            &ServerMessage::Reply {
                id: 1,
                result: Ok(crate::Response::Pong),
            },
            100,
        )
        .unwrap();
        write_frame(
            &mut buf,
            &ServerMessage::Reply {
                id: 2,
                result: Ok(crate::Response::Pong),
            },
            100,
        )
        .unwrap();
        let mut r = Cursor::new(buf);
        for id in [1, 2] {
            let p = read_frame(&mut r, 100).unwrap().unwrap();
            assert!(
                matches!(decode_server(&p).unwrap(), ServerMessage::Reply { id: got, .. } if got == id)
            );
        }
        assert!(read_frame(&mut r, 100).unwrap().is_none(), "clean EOF");
    }

    #[test]
    fn oversized_header_is_refused_without_reading_on() {
        let mut r = Cursor::new(u32::MAX.to_be_bytes().to_vec());
        assert!(matches!(
            read_frame(&mut r, 1024),
            Err(FrameError::Codec(CodecError::TooLarge { .. }))
        ));
    }

    #[test]
    fn eof_inside_a_frame_is_an_error() {
        let mut r = Cursor::new(vec![0, 0]);
        assert!(matches!(
            read_frame(&mut r, 10),
            Err(FrameError::Truncated { got: 2, want: 4 })
        ));
        let mut r = Cursor::new(vec![0, 0, 0, 5, 1, 2]);
        assert!(matches!(
            read_frame(&mut r, 10),
            Err(FrameError::Truncated { got: 2, want: 5 })
        ));
    }
}
