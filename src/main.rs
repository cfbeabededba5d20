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
    after_help = "Sans commande (par exemple d'un double-clic sur le programme), guide ouvre l'aperçu du site dans le navigateur.",
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
    /// Sans commande : ouvre l'aperçu du site dans le navigateur (comme un double-clic).
    #[command(subcommand)]
    command: Option<Command>,
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
        #[arg(long, default_value_t = guide::serve::DEFAULT_PORT, value_name = "PORT")]
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
        /// Écrit la référence dans ce fichier, entre les repères <!-- champs:debut --> et <!-- champs:fin --> ; avec --format json-schema, écrit un fichier <section>.schema.json par section dans ce dossier.
        #[arg(long, value_name = "FICHIER")]
        ecrire: Option<PathBuf>,
        /// markdown : la référence pour le manuel ; json-schema : un schéma JSON de l'en-tête de chaque section, pour les éditeurs de texte.
        #[arg(long, value_enum, default_value_t = cmd::champs::ChampsFormat::Markdown)]
        format: cmd::champs::ChampsFormat,
    },
    /// Vérifie tout le site comme une construction, sans rien écrire.
    #[command(help_template = HELP_TEMPLATE)]
    Check {
        /// Format des messages.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

/// Prints a usage error in French (clap's own words are English) and exits with status 2;
/// help and version are printed as clap writes them.
fn usage_error(e: &clap::Error) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let context = |kind: ContextKind| -> Vec<String> {
        match e.get(kind) {
            Some(ContextValue::String(s)) => vec![s.clone()],
            Some(ContextValue::Strings(v)) => v.clone(),
            Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
            Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
            Some(ContextValue::Number(n)) => vec![n.to_string()],
            _ => Vec::new(),
        }
    };
    let quoted = |values: Vec<String>| {
        values
            .iter()
            .map(|v| format!("« {v} »"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let invalid = context(ContextKind::InvalidArg).join(" ");
    let value = context(ContextKind::InvalidValue).join(" ");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let new_at = args.iter().position(|a| a == "new");
    let (message, hint) = match e.kind() {
        ErrorKind::UnknownArgument if value.starts_with('-') || invalid.starts_with('-') => {
            let option = if invalid.is_empty() { value } else { invalid };
            // Options an editor may write in French.
            const FRENCH: [(&str, &str); 5] = [
                ("--sortie", "--output"),
                ("--brouillons", "--drafts"),
                ("--racine", "--root"),
                ("--dossier", "--root"),
                ("--adresse", "--bind"),
            ];
            let french = FRENCH
                .iter()
                .find(|(f, _)| option.split('=').next() == Some(*f))
                .map(|(_, o)| o.to_string());
            let hint =
                match french.or_else(|| context(ContextKind::SuggestedArg).into_iter().next()) {
                    Some(best) => format!("vouliez-vous dire « {best} » ?"),
                    None => "la liste des options est dans « guide --help »".into(),
                };
            (format!("option inconnue : « {option} »"), hint)
        }
        ErrorKind::UnknownArgument => {
            let extra = if invalid.is_empty() { value } else { invalid };
            let hint = match new_at {
                Some(at) => {
                    // `guide new projets Mon titre`: the title is cut at its spaces.
                    let mut words = args[at + 1..].iter().scan(false, |skip, a| {
                        let item = if *skip || a.starts_with('-') {
                            None
                        } else {
                            Some(a.clone())
                        };
                        *skip = a == "--root";
                        Some(item)
                    });
                    let words: Vec<String> = words.by_ref().flatten().collect();
                    let section = words.first().cloned().unwrap_or_else(|| "projets".into());
                    let title = words.get(1..).map(|w| w.join(" ")).unwrap_or_default();
                    format!("mettez le titre entre guillemets : guide new {section} \"{title}\"")
                }
                None => {
                    "un texte qui contient des espaces s'écrit entre guillemets : \"comme ceci\""
                        .into()
                }
            };
            (format!("argument en trop : « {extra} »"), hint)
        }
        ErrorKind::InvalidSubcommand => {
            let hint = match context(ContextKind::SuggestedSubcommand).first() {
                Some(best) => format!("vouliez-vous dire « {best} » ?"),
                None => "les commandes sont build, check, serve, new, champs et pdf (guide --help)"
                    .into(),
            };
            let command = context(ContextKind::InvalidSubcommand).join(" ");
            (format!("commande inconnue : « {command} »"), hint)
        }
        ErrorKind::MissingRequiredArgument => {
            let hint = if new_at.is_some() {
                "par exemple : guide new projets \"Titre de la fiche\"".to_string()
            } else {
                "la forme attendue est dans « guide --help »".to_string()
            };
            (
                format!(
                    "argument manquant : {}",
                    quoted(context(ContextKind::InvalidArg))
                ),
                hint,
            )
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let valid = context(ContextKind::ValidValue);
            let hint = if valid.is_empty() {
                "la forme attendue est dans « guide --help »".to_string()
            } else {
                format!("valeurs possibles : {}", quoted(valid))
            };
            (
                format!("valeur invalide « {value} » pour « {invalid} »"),
                hint,
            )
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => (
            "une commande manque".to_string(),
            "par exemple : guide serve (l'aperçu), guide check, guide build".to_string(),
        ),
        ErrorKind::ArgumentConflict => (
            format!("options incompatibles : {invalid}"),
            "n'en gardez qu'une".to_string(),
        ),
        _ => (
            "arguments invalides".to_string(),
            "la forme attendue est dans « guide --help »".to_string(),
        ),
    };
    eprintln!("erreur : {message}\n  aide : {hint}\nPour en savoir plus : guide --help");
    std::process::exit(2);
}

/// `--output` relative to the folder the command runs in.
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

fn main() -> ExitCode {
    let cli = Cli::try_parse().unwrap_or_else(|e| usage_error(&e));
    let Some(command) = cli.command else {
        return ExitCode::from(cmd::start::run(&cli.root) as u8);
    };
    let status = match command {
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
            open_browser: false,
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
        Command::Champs { ecrire, format } => match format {
            cmd::champs::ChampsFormat::Markdown => cmd::champs::run(&cli.root, ecrire.as_deref()),
            cmd::champs::ChampsFormat::JsonSchema => {
                cmd::champs::run_json_schema(&cli.root, ecrire.as_deref())
            }
        },
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
