//! The exit codes users' scripts depend on, in one place: 0 for a complete
//! scan that found nothing, 1 for findings (even if part of the input could
//! not be scanned), 2 when the scan could not be done, or was incomplete and
//! found nothing.

use std::process::ExitCode;

/// What a completed command found, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
    /// Nothing found, but something asked for could not be scanned.
    Incomplete,
}

/// Exit code for a command that could not be done.
pub const EXIT_ERROR: u8 = 2;

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Incomplete => ExitCode::from(EXIT_ERROR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_exit_codes() {
        assert_eq!(ExitCode::from(Outcome::Clean), ExitCode::SUCCESS);
        assert_eq!(ExitCode::from(Outcome::Findings), ExitCode::from(1));
    }
}
