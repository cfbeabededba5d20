//! The commands of the `guide` binary: thin functions over the library.

pub mod build;
pub mod champs;
pub mod new;
pub mod pdf;
pub mod start;

use crate::diagnostic::Diagnostic;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Pour une personne.
    #[default]
    Human,
    /// Un objet JSON par ligne.
    Json,
}

/// Prints diagnostics on standard error, then the total.
pub fn print_diagnostics(diagnostics: &[Diagnostic], format: Format) {
    match format {
        Format::Human => {
            for d in diagnostics {
                eprintln!("{}", d.render());
            }
            if !diagnostics.is_empty() {
                eprintln!("{}", crate::diagnostic::summary(diagnostics));
            }
        }
        Format::Json => {
            for d in diagnostics {
                println!("{}", d.to_json());
            }
        }
    }
}

/// Prints one error and gives the exit status of a failed command (1).
pub fn fail(d: Diagnostic) -> i32 {
    print_diagnostics(&[d], Format::Human);
    1
}
