//! The `guide` command line: parses arguments, runs a command, exits with its status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use guide::cmd::{self, Format};
use guide::content::DraftMode;
use guide::pipeline::{BuildOptions, CacheMode, OutputMode, SearchMode};

// Builds allocate many small strings from both cores; mimalloc cuts the time glibc's allocator
// spent there (a quarter of a 10 000-page build, by `perf`) and returns memory sooner.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HELP_TEMPLATE: &str = "{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}";

/// Générateur du guide de l'innovation sociale : transforme des fiches Markdown en site statique.
#[derive(Debug, Parser)]
#[command(
    name = "guide",
    version,
    about = "Générateur du guide de l'innovation sociale : transforme des fiches Markdown en site statique.",
    long_about = None,
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "Commandes",
    subcommand_value_name = "COMMANDE",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    /// Affiche l'aide.
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// Affiche la version.
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// Dossier du site (celui qui contient guide.yaml).
    #[arg(long, global = true, value_name = "DOSSIER", default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Construit le site dans public/ (ou --output).
    #[command(help_template = HELP_TEMPLATE)]
    Build {
        /// Dossier de sortie (par défaut : public/ dans le dossier du site).
        #[arg(long, value_name = "DOSSIER")]
        output: Option<PathBuf>,
        /// Adresse de publication, à la place de base_url de guide.yaml.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Publie aussi les brouillons (draft: true).
        #[arg(long)]
        drafts: bool,
        /// Remplace aussi un dossier de sortie qui contient des fichiers que guide n'a pas écrits : ils sont supprimés (sauf .git/ et les chemins de output.keep). Jamais le dossier du site, content/, static/, themes/, la racine du disque ni le dossier personnel.
        #[arg(long)]
        force: bool,
        /// Ne construit pas l'index de recherche.
        #[arg(long)]
        no_search: bool,
        /// Reconstruit tout, sans reprendre les fichiers inchangés de la construction précédente (le cache .guide-cache/ est récrit).
        #[arg(long)]
        no_cache: bool,
        /// Format des messages.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Construit le site, le sert en local et le met à jour à chaque modification.
    #[command(help_template = HELP_TEMPLATE)]
    Serve {
        /// Adresse d'écoute (127.0.0.1 : cette machine seulement).
        #[arg(long, default_value = "127.0.0.1", value_name = "ADRESSE")]
        bind: std::net::IpAddr,
        /// Port d'écoute ; 0 choisit un port libre.
        #[arg(long, default_value_t = 1111, value_name = "PORT")]
        port: u16,
        /// Nom d'hôte auquel l'aperçu répond aussi, en plus de localhost et de son adresse (répétable).
        #[arg(long = "host", value_name = "NOM")]
        hosts: Vec<String>,
    },
    /// Construit le site puis imprime l'édition complète en PDF (avec Chromium).
    #[command(help_template = HELP_TEMPLATE)]
    Pdf {
        /// Dossier de sortie (par défaut : public/ dans le dossier du site).
        #[arg(long, value_name = "DOSSIER")]
        output: Option<PathBuf>,
        /// Adresse de publication, à la place de base_url de guide.yaml (la même que celle de guide build, pour que guide build publie le PDF).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Remplace aussi un dossier de sortie qui contient des fichiers que guide n'a pas écrits : ils sont supprimés (sauf .git/ et les chemins de output.keep). Jamais le dossier du site, content/, static/, themes/, la racine du disque ni le dossier personnel.
        #[arg(long)]
        force: bool,
    },
    /// Crée une page de la section, avec tous ses champs, prête à compléter.
    #[command(help_template = HELP_TEMPLATE)]
    New {
        /// Section de la page (par exemple : projets).
        section: String,
        /// Titre de la page, entre guillemets.
        titre: String,
    },
    /// Affiche la référence des champs et des classements de guide.yaml (en Markdown).
    #[command(help_template = HELP_TEMPLATE)]
    Champs {
        /// Écrit la référence dans ce fichier, entre les repères <!-- champs:debut --> et <!-- champs:fin -->.
        #[arg(long, value_name = "FICHIER")]
        ecrire: Option<PathBuf>,
    },
    /// Vérifie tout le site comme une construction, sans rien écrire.
    #[command(help_template = HELP_TEMPLATE)]
    Check {
        /// Format des messages.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

/// `--output` relative to the folder the command runs in.
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Build {
            output,
            base_url,
            drafts,
            force,
            no_search,
            no_cache,
            format,
        } => {
            let options = BuildOptions {
                root: cli.root.clone(),
                output: output.map(absolute),
                base_url,
                drafts: if drafts {
                    DraftMode::Include
                } else {
                    DraftMode::Exclude
                },
                mode: OutputMode::Write,
                force,
                search: if no_search {
                    SearchMode::Skip
                } else {
                    SearchMode::Build
                },
                cache: if no_cache {
                    CacheMode::Ignore
                } else {
                    CacheMode::Use
                },
            };
            cmd::build::run(&options, format)
        }
        Command::Serve { bind, port, hosts } => guide::serve::run(&guide::serve::ServeOptions {
            root: cli.root.clone(),
            bind,
            port,
            hosts,
        }),
        Command::Pdf {
            output,
            base_url,
            force,
        } => cmd::pdf::run(&BuildOptions {
            root: cli.root.clone(),
            output: output.map(absolute),
            base_url,
            drafts: DraftMode::Exclude,
            mode: OutputMode::Write,
            force,
            search: SearchMode::Build,
            cache: CacheMode::Use,
        }),
        Command::New { section, titre } => cmd::new::run(&cli.root, &section, &titre),
        Command::Champs { ecrire } => cmd::champs::run(&cli.root, ecrire.as_deref()),
        Command::Check { format } => {
            let options = BuildOptions {
                root: cli.root.clone(),
                output: None,
                base_url: None,
                drafts: DraftMode::Include,
                mode: OutputMode::CheckOnly,
                force: false,
                search: SearchMode::Skip,
                cache: CacheMode::Ignore,
            };
            cmd::build::run(&options, format)
        }
    };
    ExitCode::from(status as u8)
}
