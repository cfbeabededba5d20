//! `guide serve`: build in memory, serve on loopback, rebuild on change, reload the browser.
//!
//! Steps:
//! 1. build the site into memory (never into `public/`), with `base_url` set to the server;
//! 2. serve it with axum over our own accept loop (`listen`: idle connections are closed),
//!    to requests for an allowed host only (`hosts`: no DNS rebinding); files from disk are
//!    streamed, with ranges (`files`); HTML responses get a small script that listens to
//!    server-sent events on `/__guide/events` and reloads the page, keeping its scroll position;
//! 3. watch `content/`, `themes/`, `static/` and `guide.yaml` (debounced, so an editor's save
//!    pattern gives one rebuild; `watch` follows a folder deleted or moved and brought back);
//!    rebuild, reusing the Markdown of unchanged pages;
//! 4. on error, keep serving the last good site, print the diagnostics and show them over the
//!    page; the next good build clears them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

mod cms;
mod files;
mod hosts;
mod listen;
mod watch;

use files::Source;

use crate::content::DraftMode;
use crate::diagnostic::Diagnostic;
use crate::pipeline::{self, BuildOptions, MarkdownCache, OutputMode};

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder.
    pub root: PathBuf,
    /// Address to bind (127.0.0.1 unless told otherwise).
    pub bind: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Host names answered besides `localhost` and the server's address (`--host`).
    pub hosts: Vec<String>,
    /// Opens the preview in the browser once it is ready (`guide` with no command), on any
    /// free port when `port` is taken.
    pub open_browser: bool,
}

/// The preview's port unless `--port` says otherwise.
pub const DEFAULT_PORT: u16 = 1111;

/// What the server serves: the last good build, and the current errors if any.
#[derive(Debug, Default)]
struct Snapshot {
    files: HashMap<String, Arc<Vec<u8>>>,
    copies: HashMap<String, PathBuf>,
    errors: Option<String>,
    /// The warnings of the last good state, shown collapsed in a corner of every page.
    warnings: Vec<Diagnostic>,
    /// The errors come from the change path of saved pages: the last good build is still the
    /// state to use.
    update_errors: bool,
    /// Output paths a change left out of date: rendered when one of them is asked for.
    stale: std::collections::HashSet<String>,
    /// What the server did, for tests and `GET /__guide/etat`.
    counts: Counts,
}

/// What the server rendered, as `GET /__guide/etat` reports it (JSON).
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    /// Full builds.
    builds: usize,
    /// Saves that took the change path of saved pages.
    updates: usize,
    /// Files rendered by the last build or save.
    last_rendered: usize,
    /// Stale files rendered on request, in all.
    rendered_on_request: usize,
}

/// A message to the open pages.
#[derive(Debug, Clone)]
enum Notice {
    Reload,
    Errors,
    /// The server stops: event streams end, so that the graceful shutdown can finish.
    Shutdown,
}

struct AppState {
    snapshot: RwLock<Snapshot>,
    /// What the last good build keeps for rendering a saved page alone.
    prepared: std::sync::Mutex<Option<Box<pipeline::Prepared>>>,
    /// The site folder.
    root: PathBuf,
    notices: broadcast::Sender<Notice>,
}

/// Requests handled at once; further ones wait.
pub const MAX_CONCURRENT: usize = 256;
/// The largest request body accepted (the server only answers GET and HEAD).
pub const MAX_REQUEST_BODY: usize = 16 * 1024;

/// How long the watcher waits after a file's last event before rebuilding: an editor's save
/// (write a temporary file, rename it) fits in it, and a reload stays well under 50 ms.
const DEBOUNCE: Duration = Duration::from_millis(12);

/// The path of the event stream.
pub const EVENTS_PATH: &str = "/__guide/events";

/// The path of the server's counters (JSON): full builds, saves on the change path, files
/// rendered by the last one, stale files rendered on request, and how many are stale now.
pub const STATE_PATH: &str = "/__guide/etat";

const RELOAD_SCRIPT: &str = r#"<script data-guide-apercu>
(function () {
  var key = "guide-defilement:" + location.pathname;
  var y = sessionStorage.getItem(key);
  if (y !== null) { sessionStorage.removeItem(key); window.scrollTo(0, Number(y)); }
  var source = new EventSource("/__guide/events");
  function reload() { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
  source.addEventListener("reload", reload);
  source.addEventListener("erreurs", reload);
})();
</script>
"#;

fn overlay(errors: &str) -> String {
    format!(
        "<div id=\"guide-erreurs\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:99999;background:#fff5f5;color:#3b0000;border-top:4px solid #b00020;padding:1rem 1.5rem;font:14px/1.45 system-ui,sans-serif\"><h2 style=\"margin:0 0 .5rem;font-size:1.1rem\">La dernière modification contient des erreurs : la page montre la version précédente.</h2><pre style=\"white-space:pre-wrap;margin:0;font:13px/1.4 ui-monospace,monospace\">{}</pre></div>\n",
        crate::feeds::escape(errors)
    )
}

/// The warnings, in a collapsed box in a corner: they never hide the page.
fn warnings_box(warnings: &[Diagnostic]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let count = warnings.len();
    let title = if count > 1 {
        format!("{count} avertissements")
    } else {
        "1 avertissement".to_string()
    };
    let text = warnings
        .iter()
        .map(Diagnostic::render)
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "<details id=\"guide-avertissements\" style=\"position:fixed;right:.5rem;bottom:.5rem;max-width:min(46rem,calc(100vw - 1rem));max-height:60vh;overflow:auto;z-index:99998;background:#fffbea;color:#3d2b00;border:2px solid #8a6d00;border-radius:.3rem;padding:.3rem .7rem;font:14px/1.45 system-ui,sans-serif\"><summary style=\"cursor:pointer;font-weight:bold\">{title} (la page est à jour)</summary><pre style=\"white-space:pre-wrap;margin:.5rem 0 0;font:13px/1.4 ui-monospace,monospace\">{}</pre></details>\n",
        crate::feeds::escape(&text)
    )
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(value);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The output path a request path asks for, or `None` when it tries to leave the site
/// (`..`, encoded or not, backslashes, absolute paths, NUL).
pub fn request_path(raw: &str) -> Option<String> {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    if !decoded.starts_with('/')
        || decoded.starts_with("//")
        || decoded.contains('\\')
        || decoded.contains('\0')
    {
        return None;
    }
    if decoded
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return None;
    }
    Some(decoded.trim_start_matches('/').to_string())
}

fn respond(status: StatusCode, mime: &str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(mime) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn with_reload(html: &[u8], errors: Option<&str>, warnings: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let mut injection = String::new();
    if let Some(errors) = errors {
        injection.push_str(&overlay(errors));
    } else {
        injection.push_str(warnings);
    }
    injection.push_str(RELOAD_SCRIPT);
    match text.rfind("</body>") {
        Some(at) => format!("{}{injection}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{injection}").into_bytes(),
    }
}

async fn serve_file(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response {
    if request.method() != axum::http::Method::GET && request.method() != axum::http::Method::HEAD {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "Seules les requêtes GET sont acceptées."
                .as_bytes()
                .to_vec(),
        );
    }
    let Some(path) = request_path(request.uri().path()) else {
        return respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            "Chemin refusé.".as_bytes().to_vec(),
        );
    };
    let index = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    let stale: std::collections::HashSet<String> = {
        let snapshot = state.snapshot.read().unwrap_or_else(|e| e.into_inner());
        [index.clone(), format!("{path}/index.html")]
            .into_iter()
            .filter(|p| snapshot.stale.contains(p))
            .collect()
    };
    if !stale.is_empty() {
        let state = Arc::clone(&state);
        let _ = tokio::task::spawn_blocking(move || refresh_stale(&state, &stale)).await;
    }
    let (found, errors, warnings) = {
        let snapshot = state.snapshot.read().unwrap_or_else(|e| e.into_inner());
        let errors = snapshot.errors.clone();
        let warnings = if path.is_empty() || path.ends_with('/') || path.ends_with(".html") {
            warnings_box(&snapshot.warnings)
        } else {
            String::new()
        };
        let lookup = |p: &str| -> Option<(String, Source)> {
            snapshot
                .files
                .get(p)
                .map(|bytes| (p.to_string(), Source::Memory(Arc::clone(bytes))))
                .or_else(|| {
                    snapshot
                        .copies
                        .get(p)
                        .map(|from| (p.to_string(), Source::Disk(from.clone())))
                })
        };
        let mut found = lookup(&index);
        if found.is_none()
            && !path.is_empty()
            && !path.ends_with('/')
            && lookup(&format!("{path}/index.html")).is_some()
        {
            drop(snapshot);
            let mut response = respond(
                StatusCode::MOVED_PERMANENTLY,
                "text/plain; charset=utf-8",
                Vec::new(),
            );
            if let Ok(location) = HeaderValue::from_str(&format!("/{path}/")) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            return response;
        }
        if found.is_none() {
            found = lookup("404.html").map(|(p, b)| (format!("!{p}"), b));
        }
        (found, errors, warnings)
    };
    let Some((served, body)) = found else {
        return respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "Page introuvable.".as_bytes().to_vec(),
        );
    };
    let status = if served.starts_with('!') {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let served = served.trim_start_matches('!');
    let mime = content_type(served);
    let mut response = if mime.starts_with("text/html") {
        match html_bytes(&body).await {
            Some(html) => respond(
                status,
                mime,
                with_reload(&html, errors.as_deref(), &warnings),
            ),
            None => files::respond(request.method(), request.headers(), status, mime, body).await,
        }
    } else {
        files::respond(request.method(), request.headers(), status, mime, body).await
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The largest HTML file from disk that gets the reload script (read whole for it).
const MAX_INJECTED_HTML: u64 = 16 * 1024 * 1024;

/// The bytes of an HTML page, to add the reload script to; `None` for a file from disk too
/// large to read whole (it is streamed as is) or unreadable.
async fn html_bytes(source: &Source) -> Option<Vec<u8>> {
    match source {
        Source::Memory(bytes) => Some(bytes.as_ref().clone()),
        Source::Disk(path) => {
            let metadata = tokio::fs::metadata(path).await.ok()?;
            if metadata.len() > MAX_INJECTED_HTML {
                return None;
            }
            tokio::fs::read(path).await.ok()
        }
    }
}

async fn events(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let stream = BroadcastStream::new(state.notices.subscribe())
        .take_while(|notice| !matches!(notice, Ok(Notice::Shutdown)))
        .filter_map(|notice| {
            let event = match notice.ok()? {
                Notice::Reload => Event::default().event("reload").data("reload"),
                Notice::Errors => Event::default().event("erreurs").data("erreurs"),
                Notice::Shutdown => return None,
            };
            Some(Ok::<_, std::convert::Infallible>(event))
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn build_options(root: &Path, base_url: &str) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        output: None,
        base_url: Some(base_url.to_string()),
        drafts: DraftMode::Include,
        mode: OutputMode::Memory,
        force: false,
        // The index is built by `guide build`; the preview's search page explains it.
        search: pipeline::SearchMode::Skip,
        cache: pipeline::CacheMode::Ignore,
    }
}

/// The saved, new or deleted pages (paths for messages), when every changed file is a
/// Markdown file of `content/` (not a section's `_index.md`); `None` otherwise.
fn saved_pages(root: &Path, changed: &[PathBuf]) -> Option<std::collections::HashSet<PathBuf>> {
    changed
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(root).ok()?;
            let page = relative.starts_with(crate::content::CONTENT_DIR)
                && relative.extension().is_some_and(|e| e == "md")
                && !relative.ends_with("_index.md")
                && !path.is_dir();
            page.then(|| relative.to_path_buf())
        })
        .collect()
}

/// Renders the stale files asked for, from the current state; the other stale files wait
/// for their own request (after a save that changes the terms, every page is stale, and a
/// reader asks for one page at a time).
fn refresh_stale(state: &AppState, asked: &std::collections::HashSet<String>) {
    // The state stays locked until the snapshot is updated (the order every rebuild takes
    // too): a save in between cannot be overwritten by files rendered before it.
    let mut prepared = state.prepared.lock().unwrap_or_else(|e| e.into_inner());
    let stale: std::collections::HashSet<String> = state
        .snapshot
        .read()
        .map(|s| s.stale.intersection(asked).cloned().collect())
        .unwrap_or_default();
    let Some(prepared) = prepared.as_mut().filter(|_| !stale.is_empty()) else {
        return;
    };
    let (files, diagnostics) = prepared.render_outputs(&state.root, &stale);
    crate::diagnostic::print_human(&diagnostics);
    let mut snapshot = state.snapshot.write().unwrap_or_else(|e| e.into_inner());
    if diagnostics.iter().any(Diagnostic::is_error) {
        // Shown over the page; the next save takes a full build.
        snapshot.errors = Some(error_text(&diagnostics));
        snapshot.update_errors = false;
    }
    snapshot.counts.rendered_on_request += files.len();
    for file in files {
        snapshot.files.insert(file.path, Arc::new(file.contents));
    }
    for path in &stale {
        snapshot.stale.remove(path);
    }
}

/// The change path of saved pages (see [`crate::incremental`]): returns false when the change
/// needs a full build.
fn update_pages(state: &AppState, root: &Path, pages: &std::collections::HashSet<PathBuf>) -> bool {
    let started = Instant::now();
    let mut prepared = state.prepared.lock().unwrap_or_else(|e| e.into_inner());
    let Some(update) = prepared
        .as_mut()
        .and_then(|prepared| prepared.update_pages(root, pages))
    else {
        return false;
    };
    crate::diagnostic::print_human(&update.diagnostics);
    let mut snapshot = state.snapshot.write().unwrap_or_else(|e| e.into_inner());
    if update.diagnostics.iter().any(Diagnostic::is_error) {
        publish_errors(
            state,
            snapshot,
            &update.diagnostics,
            !update.needs_full_build,
        );
        return true;
    }
    let rendered = update.files.len();
    for file in update.files {
        snapshot.files.insert(file.path, Arc::new(file.contents));
    }
    for path in &update.removed {
        snapshot.files.remove(path);
        snapshot.stale.remove(path);
    }
    snapshot.stale.extend(update.stale);
    snapshot
        .warnings
        .retain(|d| !d.path.as_ref().is_some_and(|p| pages.contains(p)));
    snapshot
        .warnings
        .extend(update.diagnostics.iter().filter(|d| !d.is_error()).cloned());
    snapshot.counts.updates += 1;
    publish(state, snapshot, started, rendered, update.bodies);
    true
}

/// Keeps the last good files served, shows the errors over them and tells the open pages;
/// `from_update`: they come from the change path, whose state is still the last good one.
fn publish_errors(
    state: &AppState,
    mut snapshot: std::sync::RwLockWriteGuard<'_, Snapshot>,
    diagnostics: &[Diagnostic],
    from_update: bool,
) {
    snapshot.errors = Some(error_text(diagnostics));
    snapshot.update_errors = from_update;
    drop(snapshot);
    eprintln!("Erreurs : la page garde la version précédente ; corrigez et enregistrez.");
    let _ = state.notices.send(Notice::Errors);
}

/// Clears the errors, records what was rendered, says so and reloads the open pages.
fn publish(
    state: &AppState,
    mut snapshot: std::sync::RwLockWriteGuard<'_, Snapshot>,
    started: Instant,
    rendered: usize,
    bodies: usize,
) {
    snapshot.errors = None;
    snapshot.update_errors = false;
    snapshot.counts.last_rendered = rendered;
    drop(snapshot);
    eprintln!(
        "Reconstruit en {} ms : {rendered} fichier(s) rendu(s), {bodies} texte(s) converti(s).",
        started.elapsed().as_millis(),
    );
    let _ = state.notices.send(Notice::Reload);
}

fn error_text(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(Diagnostic::render)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rebuilds after a change and publishes the result to the open pages: saved pages take the
/// change path of [`crate::incremental`], anything else a full build.
fn rebuild(state: &AppState, options: &BuildOptions, cache: &MarkdownCache, changed: &[PathBuf]) {
    let (had_errors, update_errors) = state
        .snapshot
        .read()
        .map(|s| (s.errors.is_some(), s.update_errors))
        .unwrap_or((true, false));
    if !had_errors || update_errors {
        if let Some(pages) = saved_pages(&options.root, changed) {
            if update_pages(state, &options.root, &pages) {
                return;
            }
        }
    }
    full_build(state, options, cache);
}

/// Builds the whole site in memory and publishes it, or its errors.
fn full_build(state: &AppState, options: &BuildOptions, cache: &MarkdownCache) {
    let started = Instant::now();
    let mut report = pipeline::run_cached(options, Some(cache));
    crate::diagnostic::print_human(&report.diagnostics);
    let prepared = report.prepared.take();
    let Some((files, copies)) = report.rendered else {
        let snapshot = state.snapshot.write().unwrap_or_else(|e| e.into_inner());
        publish_errors(state, snapshot, &report.diagnostics, false);
        return;
    };
    // Replaced before the snapshot, so that a file rendered on request in between comes from
    // the new state, never from the old one.
    *state.prepared.lock().unwrap_or_else(|e| e.into_inner()) = prepared;
    let mut snapshot = state.snapshot.write().unwrap_or_else(|e| e.into_inner());
    let rendered = files.len();
    snapshot.stale.clear();
    snapshot.files = files
        .into_iter()
        .map(|f| (f.path, Arc::new(f.contents)))
        .collect();
    snapshot.copies = copies.into_iter().map(|c| (c.to, c.from)).collect();
    snapshot.counts.builds += 1;
    snapshot.warnings = report
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .cloned()
        .collect();
    publish(state, snapshot, started, rendered, report.bodies_rendered);
}

fn is_relevant(root: &Path, path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name == "4913"
    {
        return false;
    }
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    relative == Path::new(crate::config::CONFIG_FILE)
        || ["content", "themes", "static"]
            .iter()
            .any(|dir| relative.starts_with(dir))
}

/// Binds `address` with a backlog large enough for many clients connecting at once (the
/// standard library's is 128). Must run inside the tokio runtime.
fn listen(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.bind(address)?;
    socket.listen(1024)
}

/// The message for an address that cannot be listened on.
fn listen_error(address: SocketAddr, port: u16, e: &std::io::Error) -> Diagnostic {
    let d = Diagnostic::error(format!(
        "impossible d'écouter sur {address} : {}",
        crate::fs::describe_io_error(e)
    ));
    if e.kind() == std::io::ErrorKind::AddrInUse {
        d.with_hint(format!("le port {port} est déjà utilisé : choisissez-en un autre avec --port, ou --port 0 pour un port libre"))
    } else {
        d.with_hint("vérifiez l'adresse donnée à --bind")
    }
}

/// The URL the site is built for and announced at.
fn base_url(bind: IpAddr, local: SocketAddr) -> String {
    let host = if bind.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        local.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    format!("http://{host}:{}/", local.port())
}

/// Rebuilds on each debounced batch of relevant changes, in a thread of its own, following
/// the watched folders when they are deleted or moved and come back.
fn spawn_rebuilds(
    mut watcher: watch::Watcher,
    batches: std::sync::mpsc::Receiver<notify_debouncer_full::DebounceEventResult>,
    state: Arc<AppState>,
    build: BuildOptions,
    cache: Arc<MarkdownCache>,
) {
    let root = state.root.clone();
    std::thread::spawn(move || {
        for batch in batches {
            let Ok(events) = batch else { continue };
            use notify_debouncer_full::notify::event::{EventKind, ModifyKind};
            // A folder created, deleted or renamed (not one whose contents changed).
            let moved: Vec<PathBuf> = events
                .iter()
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::Create(_)
                            | EventKind::Remove(_)
                            | EventKind::Modify(ModifyKind::Name(_))
                    )
                })
                .flat_map(|e| e.paths.iter().cloned())
                .collect();
            watcher.follow_folders(&moved);
            // Reading the files to rebuild produces access events: only changes count.
            let mut changed: Vec<PathBuf> = events
                .iter()
                .filter(|e| e.kind.is_create() || e.kind.is_modify() || e.kind.is_remove())
                .flat_map(|e| e.paths.iter())
                .filter(|p| is_relevant(&root, p))
                .cloned()
                .collect();
            changed.sort();
            changed.dedup();
            // A new or deleted file is not in the last build's front matters, or cannot be
            // read: `classify_changes` then asks for a full build.
            if !changed.is_empty() {
                rebuild(&state, &build, &cache, &changed);
            }
        }
    });
}

/// The router of the preview: the event stream, then the files. At most MAX_CONCURRENT
/// requests are handled at once (the others wait for a slot); requests carry no body worth
/// reading.
fn router(state: Arc<AppState>) -> Router {
    let form = cms::router(&state.root);
    Router::new()
        .route(EVENTS_PATH, get(events))
        .route(STATE_PATH, get(counters))
        .fallback(serve_file)
        .with_state(state)
        // The web form at /admin/ and its local backend (serve/cms.rs).
        .merge(form)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_CONCURRENT))
}

/// `GET /__guide/etat`: the server's counters, as JSON.
async fn counters(State(state): State<Arc<AppState>>) -> Response {
    let snapshot = state.snapshot.read().unwrap_or_else(|e| e.into_inner());
    let body = serde_json::json!({
        "builds": snapshot.counts.builds,
        "updates": snapshot.counts.updates,
        "last_rendered": snapshot.counts.last_rendered,
        "rendered_on_request": snapshot.counts.rendered_on_request,
        "stale": snapshot.stale.len(),
        "errors": snapshot.errors.is_some(),
    });
    respond(
        StatusCode::OK,
        "application/json",
        body.to_string().into_bytes(),
    )
}

/// Runs the server until Ctrl-C; returns the exit status.
pub fn run(options: &ServeOptions) -> i32 {
    let root = std::fs::canonicalize(&options.root).unwrap_or_else(|_| options.root.clone());
    let address = SocketAddr::new(options.bind, options.port);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return crate::diagnostic::fail(Diagnostic::error(format!(
                "impossible de démarrer le serveur : {e}"
            )));
        }
    };
    let _entered = runtime.enter();
    // Ctrl-C is caught from now on, even during the first build.
    #[cfg(unix)]
    let mut interrupt =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
            Ok(signal) => signal,
            Err(e) => {
                return crate::diagnostic::fail(Diagnostic::error(format!(
                    "impossible d'intercepter Ctrl+C : {e}"
                )));
            }
        };
    listen::raise_open_files_limit();
    let listener = match listen(address) {
        Ok(listener) => listener,
        Err(e) if options.open_browser && e.kind() == std::io::ErrorKind::AddrInUse => {
            match listen(SocketAddr::new(options.bind, 0)) {
                Ok(listener) => listener,
                Err(e) => return crate::diagnostic::fail(listen_error(address, options.port, &e)),
            }
        }
        Err(e) => return crate::diagnostic::fail(listen_error(address, options.port, &e)),
    };
    let local = listener.local_addr().unwrap_or(address);
    if options.bind.is_unspecified() {
        eprintln!("Attention : le serveur écoute sur toutes les interfaces ({}) ; d'autres machines du réseau peuvent le joindre par son adresse IP (ou par un nom donné avec --host).", options.bind);
    }
    let base_url = base_url(options.bind, local);
    let (notices, _) = broadcast::channel(16);
    let state = Arc::new(AppState {
        snapshot: RwLock::new(Snapshot::default()),
        prepared: std::sync::Mutex::new(None),
        root: root.clone(),
        notices,
    });
    // Watched before the first build, so that no save after it goes unseen.
    let (tx, batches) = std::sync::mpsc::channel();
    let watcher = match watch::Watcher::start(&root, DEBOUNCE, tx) {
        Ok(watcher) => watcher,
        Err(e) => {
            return crate::diagnostic::fail(Diagnostic::error(format!(
                "impossible de surveiller les fichiers : {e}"
            )));
        }
    };
    let build = build_options(&root, &base_url);
    let cache = Arc::new(MarkdownCache::default());
    rebuild(&state, &build, &cache, &[]);
    spawn_rebuilds(watcher, batches, Arc::clone(&state), build, cache);
    println!("Serveur : {base_url}");
    if options.open_browser {
        eprintln!("Modifiez un fichier : la page se met à jour. Laissez cette fenêtre ouverte pendant votre travail ; fermez-la pour arrêter l'aperçu.");
        open_in_browser(&base_url);
    } else {
        eprintln!("Modifiez un fichier : la page se met à jour. Ctrl+C pour arrêter.");
    }

    let hosts = Arc::new(hosts::AllowedHosts::new(options.bind, &options.hosts));
    let app = router(Arc::clone(&state));
    runtime.block_on(async move {
        let notices = state.notices.clone();
        let shutdown = async move {
            #[cfg(unix)]
            let _ = interrupt.recv().await;
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("\nArrêt du serveur.");
            let _ = notices.send(Notice::Shutdown);
        };
        listen::serve(listener, app, hosts, listen::idle_timeout(), shutdown).await;
    });
    0
}

/// Asks the system to open `url` in the default browser, in the background; says where to go
/// when it cannot.
fn open_in_browser(url: &str) {
    let url = url.to_owned();
    std::thread::spawn(move || {
        if open::that(&url).is_err() {
            eprintln!("Ouvrez {url} dans votre navigateur.");
        }
    });
}

/// Serves the files of `dir` on a free loopback port, in a background thread, until the
/// process ends (for `guide pdf`). Returns the server's base URL.
pub fn serve_folder(dir: PathBuf) -> std::io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let handler = move |request: Request<Body>| {
                let dir = dir.clone();
                async move {
                    let Some(path) = request_path(request.uri().path()) else {
                        return respond(
                            StatusCode::BAD_REQUEST,
                            "text/plain; charset=utf-8",
                            Vec::new(),
                        );
                    };
                    let path = if path.is_empty() || path.ends_with('/') {
                        format!("{path}index.html")
                    } else {
                        path
                    };
                    match tokio::fs::read(dir.join(&path)).await {
                        Ok(bytes) => respond(StatusCode::OK, content_type(&path), bytes),
                        Err(_) => respond(
                            StatusCode::NOT_FOUND,
                            "text/plain; charset=utf-8",
                            Vec::new(),
                        ),
                    }
                }
            };
            if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(listener, Router::new().fallback(handler)).await;
            }
        });
    });
    Ok(format!("http://{address}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_cannot_leave_the_site() {
        assert_eq!(
            request_path("/projets/fiche/").as_deref(),
            Some("projets/fiche/")
        );
        assert_eq!(request_path("/caf%C3%A9/").as_deref(), Some("café/"));
        assert_eq!(request_path("/a/b?x=1").as_deref(), Some("a/b"));
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "//etc/passwd",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/%00",
            "/%zz",
        ] {
            assert_eq!(request_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_reload_script_goes_before_the_end_of_body() {
        let html = with_reload(
            b"<html><body><p>x</p></body></html>",
            Some("erreur <b>"),
            "",
        );
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("id=\"guide-erreurs\""));
        assert!(html.contains("erreur &lt;b&gt;"));
        // The theme tells the preview by this marker (docs/templates.md).
        assert!(html.contains("<script data-guide-apercu>"));
        assert!(html.find("EventSource").unwrap() < html.find("</body>").unwrap());
    }
}
