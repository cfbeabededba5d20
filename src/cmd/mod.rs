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

/// Prints diagnostics on standard error, then the total; or one JSON object per line on
/// standard output.
pub fn print_diagnostics(diagnostics: &[Diagnostic], format: Format) {
    match format {
        Format::Human => crate::diagnostic::print_human(diagnostics),
        Format::Json => {
            for d in diagnostics {
                println!("{}", d.to_json());
            }
        }
    }
}

pub use crate::diagnostic::fail;
