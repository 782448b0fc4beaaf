//! Line numbers for error positions, counted piece by piece as a file is
//! read, so that an error deep in a streamed file still names its line
//! without the parser holding (or rescanning) what came before.
//!
//! `\n`, `\r\n` and a lone `\r` each end a line. A CR at the end of a piece
//! is left pending until the next piece shows whether a LF follows it.

use memchr::memchr;

use super::Position;

/// Line breaks counted up to some point of a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Lines {
    /// Line breaks wholly before the point.
    ended: u64,
    /// The byte just before the point is a CR: a line break unless the
    /// byte at the point is a LF (then that LF ends the line).
    cr_pending: bool,
}

impl Lines {
    /// The count after `bytes`, which start at the current point.
    pub(crate) fn after(self, bytes: &[u8]) -> Self {
        let Some((&first, _)) = bytes.split_first() else {
            return self;
        };
        let mut ended = self.ended + u64::from(self.cr_pending && first != b'\n');
        // A plain loop the compiler vectorises; most files have no CR at all,
        // so the pair check below is skipped for them.
        ended += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        if memchr(b'\r', bytes).is_some() {
            let lone = bytes
                .windows(2)
                .filter(|w| w[0] == b'\r' && w[1] != b'\n')
                .count();
            ended += lone as u64;
        }
        Self {
            ended,
            cr_pending: bytes.last() == Some(&b'\r'),
        }
    }

    /// The count after `bytes`, which start at the current point, given
    /// `counted`, the count of `bytes` alone (`Lines::default().after(bytes)`,
    /// perhaps made on another thread).
    pub(crate) fn join(self, bytes: &[u8], counted: Lines) -> Self {
        match bytes.first() {
            None => self,
            Some(&first) => Self {
                ended: self.ended + u64::from(self.cr_pending && first != b'\n') + counted.ended,
                cr_pending: counted.cr_pending,
            },
        }
    }

    /// Where byte `at` of `bytes` is, when `bytes` start at the current
    /// point, which is file offset `base`. Only errors call this, so the
    /// scan it makes of `bytes[..at]` is no cost to parsing.
    pub(crate) fn position(self, base: u64, bytes: &[u8], at: usize) -> Position {
        let end = at.min(bytes.len());
        let before = self.after(&bytes[..end]);
        // A CR just before `at` ends its line unless `at` is its LF.
        let cr = before.cr_pending && bytes.get(end) != Some(&b'\n');
        Position {
            line: 1 + before.ended + u64::from(cr),
            offset: base + at as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(input: &[u8], at: usize) -> u64 {
        Lines::default().position(0, input, at).line
    }

    #[test]
    fn lines_count_lf_crlf_and_lone_cr() {
        let input = b"a\nb\r\nc\rd";
        assert_eq!(line(input, 0), 1);
        assert_eq!(line(input, 2), 2);
        // The LF of a CRLF is still on the CR's line.
        assert_eq!(line(input, 4), 2);
        assert_eq!(line(input, 5), 3);
        assert_eq!(line(input, 7), 4);
        // Past the end clamps instead of panicking.
        assert_eq!(line(input, 100), 4);
    }

    #[test]
    fn any_split_counts_like_the_whole() {
        let input = b"a\r\n\r\rb\n\r\n\rc\r";
        for at in 0..=input.len() {
            let whole = line(input, at);
            for split in 0..=input.len() {
                let (head, tail) = input.split_at(split);
                let got = if at < split {
                    Lines::default().position(0, head, at).line
                } else {
                    let counted = Lines::default().after(tail);
                    assert_eq!(
                        Lines::default().after(head).join(tail, counted),
                        Lines::default().after(head).after(tail)
                    );
                    Lines::default()
                        .after(head)
                        .position(split as u64, tail, at - split)
                        .line
                };
                assert_eq!(got, whole, "at {at}, split {split}");
            }
        }
    }
}
