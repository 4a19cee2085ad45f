//! Writing to standard output and standard error without `println!`, which
//! panics when the stream is closed or full.
//!
//! Standard output carries results (reports, plans, diffs): a reader that
//! went away (`acrpc check … | head`) ends the output quietly, while any other
//! failure (`> /dev/full`) is exit 2 with a message, so a report that was not
//! written never looks like a pass. Standard error carries messages: if even
//! that fails there is nobody left to tell, so errors are ignored.

use super::ExitStatus;
use std::io::Write;

/// Why standard output could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwritten {
    /// The reader closed the pipe: stop writing, say nothing.
    Closed,
    /// Anything else (disk full, I/O error); already reported on stderr.
    Failed,
}

impl Unwritten {
    /// The exit status of a command whose output stopped here: its own
    /// `status` after a closed pipe, 2 after a failure.
    pub fn status(self, status: ExitStatus) -> ExitStatus {
        match self {
            Unwritten::Closed => status,
            Unwritten::Failed => ExitStatus::Error,
        }
    }
}

/// Writes `text` to standard output and flushes it.
pub fn stdout(text: &str) -> Result<(), Unwritten> {
    write_to(&mut std::io::stdout().lock(), text)
}

/// Writes `text` to `w` (standard output, or a test's writer) with
/// [`stdout`]'s error handling.
pub fn write_to(w: &mut dyn Write, text: &str) -> Result<(), Unwritten> {
    classify(w.write_all(text.as_bytes()).and_then(|()| w.flush()))
}

/// [`stdout`]'s error handling for a write done elsewhere (a streamed report).
pub fn classify(written: std::io::Result<()>) -> Result<(), Unwritten> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Unwritten::Closed),
        Err(e) => {
            stderr(&format!("error: cannot write to standard output: {e}\n"));
            Err(Unwritten::Failed)
        }
    }
}

/// Writes `text` to standard output and returns `status`, or the status
/// [`Unwritten::status`] gives when it could not be written.
pub fn finish(text: &str, status: ExitStatus) -> ExitStatus {
    match stdout(text) {
        Ok(()) => status,
        Err(u) => u.status(status),
    }
}

/// Writes `text` to standard error; failures are ignored (see the module doc).
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// `eprintln!` without the panic.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::out::stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing(std::io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(self.0))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_keeps_the_status_and_a_full_disk_is_an_error() {
        let closed = write_to(&mut Failing(std::io::ErrorKind::BrokenPipe), "x");
        assert_eq!(closed, Err(Unwritten::Closed));
        assert_eq!(
            Unwritten::Closed.status(ExitStatus::Failure),
            ExitStatus::Failure
        );
        let full = write_to(&mut Failing(std::io::ErrorKind::StorageFull), "x");
        assert_eq!(full, Err(Unwritten::Failed));
        assert_eq!(
            Unwritten::Failed.status(ExitStatus::Success),
            ExitStatus::Error
        );
        assert_eq!(write_to(&mut Vec::new(), "x"), Ok(()));
    }
}
