//! CSV as conductor writes it, through the csv crate (RFC 4180): a field is quoted only when
//! it holds a comma, a quote or a line break (CR or LF), with its quotes doubled, and every
//! record ends with `\n`.

use std::io;

/// A CSV writer on `out`. It buffers: call `flush` (or `into_inner`) at the end.
pub fn writer<W: io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// The I/O error beneath a CSV writer's error, so a broken pipe or a full disk stays what it
/// was (the csv crate's own conversion would wrap it as `Other`).
pub fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        // Writing text fields raises nothing else; kept, should a new kind appear.
        other => io::Error::other(format!("cannot write CSV: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut w = writer(Vec::new());
        w.write_record(["manual", "a,b", "say \"hi\""]).unwrap();
        w.write_record(["two\nlines", "cr\r", ""]).unwrap();
        let csv = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(
            csv,
            "manual,\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"cr\r\",\n"
        );
    }
}
