//! `guide build` and `guide check`.

use crate::cmd::{print_diagnostics, Format};
use crate::pipeline::{self, BuildOptions, OutputMode};

/// Runs a build or a check; returns the exit status (0 or 1).
pub fn run(options: &BuildOptions, format: Format) -> i32 {
    let report = pipeline::run(options);
    print_diagnostics(&report.diagnostics, format);
    for note in &report.notes {
        eprintln!("info : {note}");
    }
    if report.has_errors() {
        if options.mode == OutputMode::Write {
            eprintln!(
                "Échec de la construction : « {} » n'a pas été modifié.",
                report.output.display()
            );
        }
        return 1;
    }
    let seconds = report.elapsed.as_secs_f64();
    let summary = format!(
        "{} pages, {} sections, {} termes en {:.2} s",
        report.pages, report.sections, report.terms, seconds
    );
    match options.mode {
        OutputMode::Write if report.files_reused > 0 => eprintln!(
            "Site construit dans « {} » : {summary} ({} fichiers sur {} repris tels quels).",
            report.output.display(),
            report.files_reused,
            report.files
        ),
        OutputMode::Write => eprintln!(
            "Site construit dans « {} » : {summary}.",
            report.output.display()
        ),
        OutputMode::CheckOnly | OutputMode::Memory => eprintln!("Aucune erreur : {summary}."),
    }
    drop(report);
    crate::timings::mark("report freed");
    0
}
