//! The web form in `guide serve`: Decap CMS at `/admin/`, its configuration generated from
//! `guide.yaml` on each request (so it follows every change of the file), its embedded files,
//! the local backend on `POST /__guide/cms/api/v1` and the diagnostics of a saved page on
//! `GET /__guide/cms/diagnostics`.
//!
//! The backend writes files, so it answers a request only when all of these hold, and 403
//! otherwise:
//! 1. the client is on this machine (a loopback peer address), whatever `--bind` says;
//! 2. `Host` names the loopback (`localhost`, `127.0.0.1`, `[::1]`): no DNS rebinding, and
//!    not the names given with `--host`;
//! 3. `Origin`, which browsers send with every POST, is the form's own origin
//!    (`http://` + `Host`): no other page can post;
//! 4. the request carries a token the server drew for the opened form (in the backend URL of
//!    the generated configuration, or the `X-Guide-Jeton` header), which only a page of this
//!    origin can read. Each load of the form draws a new one, which is also its session for
//!    the stale-write check (two tabs on one file do not vouch for each other).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostics;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::cms::backend::LocalBackend;
use crate::cms::decap::{self, CmsMode};
use crate::pipeline::{self, BuildOptions, OutputMode};

/// The local backend's address (Decap's `local_backend.url`, without the token).
pub(super) const API_PATH: &str = "/__guide/cms/api/v1";
/// The diagnostics of one saved page, as JSON.
pub(super) const DIAGNOSTICS_PATH: &str = "/__guide/cms/diagnostics";
/// The largest request the backend reads (a page with its images, in base64).
const MAX_BODY: usize = 64 * 1024 * 1024;

struct CmsState {
    root: PathBuf,
    /// The tokens drawn for opened forms, oldest first (at most [`MAX_SESSIONS`]).
    tokens: std::sync::Mutex<indexmap::IndexSet<String>>,
    /// Made when first needed, with the media folder of `guide.yaml` at that time.
    backend: std::sync::OnceLock<LocalBackend>,
}

/// The form's routes, for the site at `root` (canonical).
pub(super) fn router(root: &Path) -> Router {
    let state = Arc::new(CmsState {
        root: root.to_path_buf(),
        tokens: std::sync::Mutex::new(indexmap::IndexSet::new()),
        backend: std::sync::OnceLock::new(),
    });
    Router::new()
        .route("/admin", get(redirect))
        .route("/admin/", get(page))
        .route("/admin/index.html", get(page))
        .route("/admin/config.yml", get(config))
        .route("/admin/{folder}/{file}", get(asset))
        .route(API_PATH, post(api))
        .route(DIAGNOSTICS_PATH, get(diagnostics))
        .with_state(state)
}

/// The forms remembered at once; an older one must be reloaded.
const MAX_SESSIONS: usize = 1024;

impl CmsState {
    /// A new token, remembered.
    fn draw(&self) -> String {
        let token = new_token();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.insert(token.clone());
        while tokens.len() > MAX_SESSIONS {
            tokens.shift_remove_index(0);
        }
        token
    }

    fn knows(&self, token: &str) -> bool {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(token)
    }
}

/// 128 random bits, in hex: the hasher's keys are drawn from the system's random source.
fn new_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let draw = |salt: u64| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.finish()
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "{:016x}{:016x}",
        draw(nanos),
        draw(u64::from(std::process::id()))
    )
}

fn plain(status: StatusCode, mime: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    plain(status, "application/json; charset=utf-8", value.to_string())
}

fn refuse(message: &str) -> Response {
    json_response(StatusCode::FORBIDDEN, &json!({ "error": message }))
}

async fn redirect() -> Response {
    let mut response = plain(
        StatusCode::MOVED_PERMANENTLY,
        "text/plain; charset=utf-8",
        "",
    );
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/admin/"));
    response
}

async fn page(State(state): State<Arc<CmsState>>) -> Response {
    let config = crate::config::load(&state.root, &mut Diagnostics::new());
    let title = config.map(|c| c.title).unwrap_or_default();
    plain(
        StatusCode::OK,
        "text/html; charset=utf-8",
        decap::admin_page(&title, Some(&state.draw())),
    )
}

/// `config.yml`, generated now from `guide.yaml`, with the backend at the address the page
/// was opened with (so `localhost` and `127.0.0.1` both work).
async fn config(State(state): State<Arc<CmsState>>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut diagnostics = Diagnostics::new();
    let Some(config) = crate::config::load(&state.root, &mut diagnostics) else {
        let text: Vec<String> = diagnostics.iter().map(|d| d.render()).collect();
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            format!("guide.yaml contient des erreurs :\n{}", text.join("\n")),
        );
    };
    let mode = CmsMode::Local {
        backend_url: format!("http://{host}{API_PATH}?jeton={}", state.draw()),
    };
    let mut value = decap::config(&config, &mode);
    // The preview links of the form lead to this server's pages.
    value["site_url"] = json!(format!("http://{host}/"));
    value["display_url"] = json!(format!("http://{host}/"));
    plain(
        StatusCode::OK,
        "text/yaml; charset=utf-8",
        serde_json::to_string_pretty(&value).unwrap_or_default(),
    )
}

async fn asset(
    axum::extract::Path((folder, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let found = (folder == crate::cms::assets::folder())
        .then(|| crate::cms::assets::file(&file))
        .flatten();
    let Some(bytes) = found else {
        return plain(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "Fichier introuvable.",
        );
    };
    let mime = if file.ends_with(".wasm") {
        "application/wasm"
    } else if file.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    let mut response = plain(StatusCode::OK, mime, Body::from(bytes));
    // The folder is named by Decap's version: the files never change at this address.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// Why a request may not use the backend, in French; `None` when it may.
fn refusal(
    state: &CmsState,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    token: Option<&str>,
    origin_required: bool,
) -> Option<&'static str> {
    if !peer.is_some_and(|p| p.ip().is_loopback() || p.ip().to_canonical().is_loopback()) {
        return Some("le formulaire n'écrit que pour un navigateur de cette machine");
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let Some(host) = host.filter(|h| super::hosts::is_loopback(h)) else {
        return Some(
            "nom d'hôte refusé : ouvrez le formulaire par http://127.0.0.1 ou http://localhost",
        );
    };
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) if origin.eq_ignore_ascii_case(&format!("http://{host}")) => {}
        None if !origin_required => {}
        _ => return Some("origine refusée : seul le formulaire de l'aperçu peut enregistrer"),
    }
    if !token.is_some_and(|t| state.knows(t)) {
        return Some("jeton absent ou faux : rechargez le formulaire (F5)");
    }
    None
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    jeton: Option<String>,
}

/// The client's address, put in the request by `serve/listen.rs`.
fn peer(request: &axum::extract::Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

async fn api(
    State(state): State<Arc<CmsState>>,
    Query(query): Query<TokenQuery>,
    request: axum::extract::Request,
) -> Response {
    let peer = peer(&request);
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    if let Some(why) = refusal(&state, peer, &headers, query.jeton.as_deref(), true) {
        return refuse(why);
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &json!({ "error": "envoi trop gros : une image de plus de 48 Mo ne passe pas" }),
        );
    };
    let worker = Arc::clone(&state);
    let session = query.jeton.unwrap_or_default();
    let answer = tokio::task::spawn_blocking(move || {
        let backend = worker.backend.get_or_init(|| {
            let media = crate::config::load(&worker.root, &mut Diagnostics::new())
                .map(|c| c.cms.media_folder)
                .unwrap_or_else(|| crate::config::CmsConfig::default().media_folder);
            LocalBackend::new(&worker.root, &media)
        });
        backend.handle(&session, &body)
    })
    .await;
    match answer {
        Ok(Ok(value)) => json_response(StatusCode::OK, &value),
        Ok(Err(refusal)) => {
            eprintln!("Formulaire : {}", refusal.message);
            json_response(
                StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                &json!({ "error": refusal.message }),
            )
        }
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": "erreur interne du serveur local" }),
        ),
    }
}

#[derive(serde::Deserialize)]
struct DiagnosticsQuery {
    chemin: String,
}

/// What `guide check` says of one page: `{ chemin, diagnostics: [{ gravite, ligne, message,
/// aide, champs, libelles }] }`, `champs` the front-matter keys of the line and `libelles`
/// their labels in the form.
async fn diagnostics(
    State(state): State<Arc<CmsState>>,
    Query(query): Query<DiagnosticsQuery>,
    request: axum::extract::Request,
) -> Response {
    let headers = request.headers();
    let token = headers.get("x-guide-jeton").and_then(|t| t.to_str().ok());
    if let Some(why) = refusal(&state, peer(&request), headers, token, false) {
        return refuse(why);
    }
    let root = state.root.clone();
    let answer = tokio::task::spawn_blocking(move || page_diagnostics(&root, &query.chemin)).await;
    match answer {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": "erreur interne du serveur local" }),
        ),
    }
}

/// Runs `guide check` on the site and keeps what concerns `relative`.
fn page_diagnostics(root: &Path, relative: &str) -> Value {
    let report = pipeline::run(&BuildOptions {
        root: root.to_path_buf(),
        output: None,
        base_url: None,
        drafts: crate::content::DraftMode::Include,
        mode: OutputMode::CheckOnly,
        force: false,
        search: pipeline::SearchMode::Skip,
        cache: pipeline::CacheMode::Ignore,
    });
    let text = std::fs::read_to_string(root.join(relative)).unwrap_or_default();
    let config = crate::config::load(root, &mut Diagnostics::new());
    let section = relative
        .strip_prefix("content/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let collection = config
        .map(|c| decap::config(&c, &CmsMode::Published))
        .and_then(|c| {
            c["collections"]
                .as_array()
                .and_then(|all| all.iter().find(|x| x["name"] == section).cloned())
        })
        .unwrap_or(Value::Null);
    let found: Vec<Value> = report
        .diagnostics
        .iter()
        .filter(|d| {
            d.path
                .as_deref()
                .is_some_and(|p| p.to_string_lossy().replace('\\', "/") == relative)
        })
        .map(|d| {
            let keys = d
                .line
                .map(|line| crate::cms::fields::keys_at(&text, line))
                .unwrap_or_default();
            json!({
                "gravite": if d.is_error() { "erreur" } else { "avertissement" },
                "ligne": d.line,
                "message": d.message,
                "aide": d.hint,
                "champs": keys,
                "libelles": crate::cms::fields::labels(&collection, &keys),
            })
        })
        .collect();
    json!({ "chemin": relative, "diagnostics": found })
}
