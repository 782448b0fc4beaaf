//! The slice of Redis's RESP this benchmark needs: GET and SET requests, and
//! the replies they get (`+OK`, `$len`, `$-1`, `-ERR`, `:n`).

use std::io;

use super::Wire;

/// RESP client wire.
#[derive(Default)]
pub struct Resp;

fn bulk(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", s.len()).as_bytes());
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

fn line_end(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

impl Wire for Resp {
    fn get(&mut self, out: &mut Vec<u8>, key: &[u8]) {
        out.extend_from_slice(b"*2\r\n$3\r\nGET\r\n");
        bulk(out, key);
    }

    fn set(&mut self, out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
        out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
        bulk(out, key);
        bulk(out, value);
    }

    fn parse(&mut self, buf: &[u8]) -> io::Result<Option<usize>> {
        let Some(end) = line_end(buf) else {
            return Ok(None);
        };
        match buf.first() {
            Some(b'+' | b':') => Ok(Some(end + 2)),
            Some(b'-') => Err(io::Error::other(
                String::from_utf8_lossy(&buf[1..end]).into_owned(),
            )),
            Some(b'$') => {
                let len: i64 = std::str::from_utf8(&buf[1..end])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| io::Error::other("bad bulk length"))?;
                if len < 0 {
                    return Ok(Some(end + 2));
                }
                let total = end + 2 + len as usize + 2;
                Ok((buf.len() >= total).then_some(total))
            }
            _ => Err(io::Error::other("unexpected RESP reply")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_parses() {
        let mut out = Vec::new();
        Resp.set(&mut out, b"k", b"vv");
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n");
        assert_eq!(Resp.parse(b"+OK\r\n+OK").unwrap(), Some(5));
        assert_eq!(Resp.parse(b"$2\r\nvv\r\n").unwrap(), Some(8));
        assert_eq!(Resp.parse(b"$2\r\nv").unwrap(), None);
        assert_eq!(Resp.parse(b"$-1\r\n").unwrap(), Some(5));
        assert!(Resp.parse(b"-ERR x\r\n").is_err());
    }
}
