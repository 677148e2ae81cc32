//! Cutting CSV bytes into records as the CSV reader will read them, so that the parallel blocks
//! start at true record starts. A quote opens a quoted value only at the start of a field (as
//! the `csv` crate reads it): a literal `"` inside an unquoted cell (`12" scherm`) does not throw
//! the cut off. A value whose quote is never closed is found and named, not swallowed.

/// Where the scanner is within a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field (closing, or the first of a doubled quote).
    QuoteInQuoted,
}

/// A quoted value that never closes, or runs over too many lines to be meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenQuote {
    /// Byte offset of its opening quote.
    pub offset: usize,
    /// Line breaks inside it so far.
    pub line_breaks: usize,
}

/// Line breaks a quoted value may hold (a note typed over a few lines in Excel); more means a
/// quote was left open and the value swallows the rows after it.
pub const MAX_LINE_BREAKS_IN_VALUE: usize = 10;

/// Scans `bytes` (which must start at a record start) and calls `at_end` with the position just
/// after each record end, until it returns false. Returns a quoted value still open at the end
/// of `bytes`, or one that ran over [`MAX_LINE_BREAKS_IN_VALUE`] lines.
pub fn scan(
    bytes: &[u8],
    separator: u8,
    mut at_end: impl FnMut(usize) -> bool,
) -> Option<OpenQuote> {
    let mut state = State::FieldStart;
    let mut open = OpenQuote {
        offset: 0,
        line_breaks: 0,
    };
    for (i, &b) in bytes.iter().enumerate() {
        state = match (state, b) {
            (State::FieldStart, b'"') => {
                open = OpenQuote {
                    offset: i,
                    line_breaks: 0,
                };
                State::Quoted
            }
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, b'\n') => {
                open.line_breaks += 1;
                if open.line_breaks > MAX_LINE_BREAKS_IN_VALUE {
                    return Some(open);
                }
                State::Quoted
            }
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b'\n') => {
                if !at_end(i + 1) {
                    return None;
                }
                State::FieldStart
            }
            (_, b) if b == separator => State::FieldStart,
            _ => State::Unquoted,
        };
    }
    (state == State::Quoted).then_some(open)
}

/// The position after the last record end in `bytes` (a record start), if any.
pub fn last_record_end(bytes: &[u8], separator: u8) -> Option<usize> {
    if memchr::memchr(b'"', bytes).is_none() {
        return memchr::memrchr(b'\n', bytes).map(|i| i + 1);
    }
    let mut last = None;
    scan(bytes, separator, |end| {
        last = Some(end);
        true
    });
    last
}

/// Splits `bytes` (whole records) into about `parts` runs of whole records.
pub fn split_records(bytes: &[u8], separator: u8, parts: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    if memchr::memchr(b'"', bytes).is_none() {
        for k in 1..parts {
            let target = (bytes.len() * k / parts).max(start);
            match memchr::memchr(b'\n', &bytes[target..]).map(|i| target + i + 1) {
                Some(end) if end > start && end < bytes.len() => {
                    ranges.push(start..end);
                    start = end;
                }
                _ => break,
            }
        }
    } else {
        // One pass over the block, cutting at the first record end past each target.
        let mut k = 1;
        scan(bytes, separator, |end| {
            if k >= parts {
                return false;
            }
            if end >= bytes.len() * k / parts && end > start && end < bytes.len() {
                ranges.push(start..end);
                start = end;
                while k < parts && end >= bytes.len() * k / parts {
                    k += 1;
                }
            }
            true
        });
    }
    ranges.push(start..bytes.len());
    ranges
}

/// 1-based line of byte `offset` in `bytes`, counting from `first_line`.
pub fn line_at(bytes: &[u8], offset: usize, first_line: u64) -> u64 {
    first_line + memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        scan(text.as_bytes(), b';', |e| {
            out.push(e);
            true
        });
        out
    }

    #[test]
    fn a_quote_inside_an_unquoted_cell_is_literal() {
        // As the csv crate reads it: `12" scherm` is a plain value, the record ends at the \n.
        assert_eq!(ends("a;12\" scherm;b\nc;d\n"), vec![15, 19]);
        assert_eq!(ends("a;\"x\ny\";b\nc\n"), vec![10, 12]);
        assert_eq!(ends("a;\"say \"\"hi\"\"\";b\n"), vec![17]);
    }

    #[test]
    fn unclosed_quotes_are_found() {
        let text = b"a;b\n\"1;c\n2;d\n";
        let open = scan(text, b';', |_| true).unwrap();
        assert_eq!(open.offset, 4);
        assert_eq!(line_at(text, open.offset, 1), 2);
        let long = format!("a;\"{}\"\n", "x\n".repeat(20));
        assert!(scan(long.as_bytes(), b';', |_| true).is_some());
        assert!(scan(b"a;\"b\"\n", b';', |_| true).is_none());
    }

    #[test]
    fn splits_cover_the_block_at_record_ends() {
        let text = "a;\"x\ny\";b\n".repeat(50) + "q;7\" tv;r\n";
        for parts in [1, 2, 3, 8] {
            let ranges = split_records(text.as_bytes(), b';', parts);
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, text.len());
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert!(text[..w[0].end].ends_with("b\n"), "{:?}", w);
            }
        }
    }
}
