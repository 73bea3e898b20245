//! The line discipline both file formats share: UTF-8, every line ending in `\n` (the last one
//! too), no `\r` anywhere (so no CRLF), no blank line, no line longer than the format's limit.

use std::io::{BufRead, Read};

use super::error::{DatasetError, RowError, RowField};

/// Reads a file's lines, numbered from 1, refusing any line the format cannot hold.
pub(crate) struct Lines<R> {
    reader: R,
    max_len: usize,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(reader: R, max_len: usize) -> Self {
        Lines {
            reader,
            max_len,
            line: 0,
            buf: Vec::new(),
        }
    }

    /// The next line without its `\n`, with its number; `None` at the end of the file.
    pub(crate) fn next_line(&mut self) -> Option<Result<(u64, &str), DatasetError>> {
        self.buf.clear();
        // One byte past the limit plus the `\n`: enough to tell a long line from a full one.
        let cap = self.max_len as u64 + 2;
        let read = (&mut self.reader)
            .take(cap)
            .read_until(b'\n', &mut self.buf);
        match read {
            Err(e) => return Some(Err(e.into())),
            Ok(0) => return None,
            Ok(_) => {}
        }
        self.line += 1;
        let n = self.line;
        let fail = |problem: &str| Some(Err(RowError::new(RowField::Line, problem).at(n).into()));
        let Some(body) = self.buf.strip_suffix(b"\n") else {
            return if self.buf.len() as u64 >= cap {
                fail(&format!("longer than {} bytes", self.max_len))
            } else {
                fail("the file ends without a final newline: every line ends in \\n")
            };
        };
        if body.len() > self.max_len {
            return fail(&format!("longer than {} bytes", self.max_len));
        }
        if body.ends_with(b"\r") {
            return fail("ends in CRLF: lines end in \\n alone");
        }
        if body.contains(&b'\r') {
            return fail("holds a CR");
        }
        if body.is_empty() {
            return fail("a blank line");
        }
        match std::str::from_utf8(body) {
            Ok(text) => Some(Ok((n, text))),
            Err(_) => fail("not UTF-8"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<Result<(u64, String), (u64, String)>> {
        let mut lines = Lines::new(input, 10);
        let mut out = Vec::new();
        while let Some(r) = lines.next_line() {
            match r {
                Ok((n, t)) => out.push(Ok((n, t.to_string()))),
                Err(e) => {
                    let e = e.row().cloned().unwrap();
                    out.push(Err((e.line.unwrap(), e.problem)));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn lines_end_in_lf_alone_and_every_other_ending_is_refused() {
        assert_eq!(
            all(b"a\nbc\n"),
            vec![Ok((1, "a".into())), Ok((2, "bc".into()))]
        );
        assert_eq!(all(b""), vec![]);
        let err = |input: &[u8]| all(input).pop().unwrap().unwrap_err();
        assert_eq!(err(b"a\nb").0, 2);
        assert!(err(b"a\nb").1.contains("final newline"));
        assert!(err(b"a\r\nb\r\n").1.contains("CRLF"));
        assert!(err(b"a\n\nb\n").1.contains("blank"));
        assert_eq!(err(b"a\n\nb\n").0, 2);
        assert!(err(b"a\rb\n").1.contains("CR"));
        assert!(err(b"\xff\n").1.contains("UTF-8"));
        assert!(err(b"0123456789a\n").1.contains("longer"));
        assert!(err(b"0123456789ab").1.contains("longer"));
        assert!(err(b"0123456789abcdefghijklmnop\n").1.contains("longer"));
        assert_eq!(all(b"0123456789\n"), vec![Ok((1, "0123456789".into()))]);
        assert!(err(b"0123456789").1.contains("final newline"));
    }
}
