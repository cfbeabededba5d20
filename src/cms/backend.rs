//! Decap CMS's local backend over the site's files: the JSON actions that `decap-server`
//! answers on `POST /api/v1` (`packages/decap-server/src/middlewares/localFs`), answered by
//! `guide serve` so that editors need nothing but `guide`.
//!
//! What it adds to `decap-server`:
//! - paths are relative, without `..`, and inside `content/` (Markdown pages) or the media
//!   folder only; symbolic links are never followed out;
//! - a write is atomic (a temporary file beside the target, then a rename);
//! - a write is refused when the file changed on disk since the form read it: the backend
//!   remembers the version (`id`, a SHA-256 as `decap-server` gives) of each file it handed
//!   out or wrote to each opened form (its session), and a new entry never replaces an
//!   existing file.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A refused or failed action: the HTTP status and a French message for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400 (bad request), 403 (outside the allowed folders), 404, 409 (changed on disk),
    /// 422 (unknown action) or 500.
    pub status: u16,
    /// What went wrong, in French.
    pub message: String,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// The local backend of one site.
#[derive(Debug)]
pub struct LocalBackend {
    root: PathBuf,
    media_folder: String,
    /// The version of each file as a form last read or wrote it, by session (one per opened
    /// form, see [`LocalBackend::handle`]) and relative path.
    seen: Mutex<HashMap<(String, String), String>>,
}

/// What a request asks: `{ "action": …, "params": { … } }`.
#[derive(Debug, Deserialize)]
struct Request {
    action: String,
    #[serde(default)]
    params: Value,
}

/// Why a path is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// A page: a Markdown file of `content/`.
    Entry,
    /// A folder to list: `content/…` or the media folder.
    Folder,
    /// A media file: in the media folder, or beside pages in `content/`.
    Media,
}

/// The version of some bytes, as `decap-server` computes it.
pub fn version(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl LocalBackend {
    /// The backend of the site at `root` (canonical), writing media into `media_folder`.
    pub fn new(root: &Path, media_folder: &str) -> Self {
        Self {
            root: root.to_path_buf(),
            media_folder: media_folder.trim_end_matches('/').to_string(),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Answers one request body from the form opened as `session` (each opened form has its
    /// own, so that two tabs on one file do not vouch for each other): the JSON answer, or a
    /// refusal.
    pub fn handle(&self, session: &str, body: &[u8]) -> Result<Value, Refusal> {
        let request: Request = serde_json::from_slice(body)
            .map_err(|e| Refusal::new(400, format!("requête illisible : {e}")))?;
        let params = &request.params;
        match request.action.as_str() {
            "info" => Ok(json!({
                "repo": self.root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                "publish_modes": ["simple"],
                "type": "local_fs",
            })),
            "entriesByFolder" => {
                let folder = text(params, "folder")?;
                let extension = params
                    .get("extension")
                    .and_then(Value::as_str)
                    .unwrap_or("md");
                let depth = params.get("depth").and_then(Value::as_u64).unwrap_or(1);
                let files = self.list(folder, Some(extension), depth.min(16) as usize)?;
                Ok(Value::Array(
                    files.iter().map(|f| self.entry(session, f)).collect(),
                ))
            }
            "entriesByFiles" => {
                let files = params
                    .get("files")
                    .and_then(Value::as_array)
                    .ok_or_else(|| Refusal::new(400, "paramètre « files » manquant"))?;
                let mut out = Vec::new();
                for file in files {
                    let path = text(file, "path")?;
                    self.resolve(path, Use::Entry)?;
                    out.push(self.entry(session, path));
                }
                Ok(Value::Array(out))
            }
            "getEntry" => {
                let path = text(params, "path")?;
                self.resolve(path, Use::Entry)?;
                Ok(self.entry(session, path))
            }
            "persistEntry" => self.persist_entry(session, params),
            "getMedia" => {
                let folder = params
                    .get("mediaFolder")
                    .and_then(Value::as_str)
                    .unwrap_or(&self.media_folder)
                    .to_string();
                let files = self.list(&folder, None, 1)?;
                files
                    .iter()
                    .map(|f| self.media_file(f))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            "getMediaFile" => self.media_file(text(params, "path")?),
            "persistMedia" => {
                let asset = params
                    .get("asset")
                    .ok_or_else(|| Refusal::new(400, "paramètre « asset » manquant"))?;
                let path = text(asset, "path")?;
                self.write_asset(asset)?;
                self.media_file(path)
            }
            "deleteFile" => {
                let path = text(params, "path")?;
                self.delete(path)?;
                Ok(json!({ "message": format!("fichier supprimé : {path}") }))
            }
            "deleteFiles" => {
                let paths = params
                    .get("paths")
                    .and_then(Value::as_array)
                    .ok_or_else(|| Refusal::new(400, "paramètre « paths » manquant"))?;
                for path in paths {
                    self.delete(path.as_str().unwrap_or_default())?;
                }
                Ok(json!({ "message": "fichiers supprimés" }))
            }
            "getDeployPreview" => Ok(Value::Null),
            other => Err(Refusal::new(
                422,
                format!("action inconnue du serveur local : « {other} »"),
            )),
        }
    }

    /// The absolute path of `relative` for `usage`, or why it is refused.
    fn resolve(&self, relative: &str, usage: Use) -> Result<PathBuf, Refusal> {
        let refused = || {
            Refusal::new(
                403,
                format!(
                    "chemin refusé : « {relative} » (le formulaire n'écrit que dans content/ et dans {})",
                    self.media_folder
                ),
            )
        };
        let relative_path = Path::new(relative);
        let plain = !relative.is_empty()
            && !relative.contains(['\\', '\0'])
            && relative_path
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Err(refused());
        }
        let in_content = relative_path.starts_with(crate::content::CONTENT_DIR);
        let in_media = relative_path.starts_with(&self.media_folder);
        let allowed = match usage {
            Use::Entry => {
                in_content
                    && relative_path.extension().is_some_and(|e| e == "md")
                    && relative_path.components().count() > 1
            }
            Use::Folder | Use::Media => in_content || in_media,
        };
        if !allowed {
            return Err(refused());
        }
        // No symbolic link on the way: what is written stays inside the site.
        let mut walked = self.root.clone();
        for component in relative_path.components() {
            walked.push(component);
            match std::fs::symlink_metadata(&walked) {
                Ok(metadata) if metadata.file_type().is_symlink() => return Err(refused()),
                Ok(_) => {}
                Err(_) => break,
            }
        }
        Ok(self.root.join(relative_path))
    }

    /// `{ data, file: { path, id } }` for an entry, remembering the version handed out.
    fn entry(&self, session: &str, relative: &str) -> Value {
        let path = self.root.join(relative);
        match crate::fs::read(&path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        {
            Some(data) => {
                let id = version(data.as_bytes());
                self.remember(session, relative, &id);
                json!({ "data": data, "file": { "path": relative, "id": id } })
            }
            None => json!({ "data": null, "file": { "path": relative, "id": null } }),
        }
    }

    fn remember(&self, session: &str, relative: &str, id: &str) {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((session.to_string(), relative.to_string()), id.to_string());
    }

    /// The files under `folder` (relative paths, sorted) up to `depth` levels, with
    /// `extension` when given; sections' `_index.md` are not entries.
    fn list(
        &self,
        folder: &str,
        extension: Option<&str>,
        depth: usize,
    ) -> Result<Vec<String>, Refusal> {
        let folder = folder.trim_end_matches('/');
        let dir = self.resolve(folder, Use::Folder)?;
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&dir)
            .min_depth(1)
            .max_depth(depth.max(1))
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if name.starts_with('.') || (extension.is_some() && name == "_index.md") {
                continue;
            }
            if extension
                .is_some_and(|ext| !name.ends_with(&format!(".{}", ext.trim_start_matches('.'))))
            {
                continue;
            }
            if let Ok(relative) = entry.path().strip_prefix(&self.root) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                out.push(relative);
            }
        }
        Ok(out)
    }

    /// `persistEntry`: writes the entry's files (and its assets), refusing a stale write.
    fn persist_entry(&self, session: &str, params: &Value) -> Result<Value, Refusal> {
        let new_entry = params
            .pointer("/options/newEntry")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let data_files: Vec<&Value> = match params.get("dataFiles").and_then(Value::as_array) {
            Some(files) => files.iter().collect(),
            None => params.get("entry").into_iter().collect(),
        };
        if data_files.is_empty() {
            return Err(Refusal::new(400, "rien à enregistrer"));
        }
        // Every check before any write: a refused save changes nothing.
        let mut writes = Vec::new();
        for file in &data_files {
            let path = text(file, "path")?;
            let raw = text(file, "raw")?;
            let target = match file.get("newPath").and_then(Value::as_str) {
                Some(new_path) => new_path,
                None => path,
            };
            let from = self.resolve(path, Use::Entry)?;
            let to = self.resolve(target, Use::Entry)?;
            self.check_fresh(session, path, &from, new_entry)?;
            if target != path && to.exists() {
                return Err(Refusal::new(
                    409,
                    format!("« {target} » existe déjà : choisissez un autre titre (ou une autre adresse)."),
                ));
            }
            writes.push((
                path.to_string(),
                target.to_string(),
                from,
                to,
                raw.to_string(),
            ));
        }
        let assets = params
            .get("assets")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for asset in &assets {
            self.resolve(text(asset, "path")?, Use::Media)?;
        }
        for (path, target, from, to, raw) in writes {
            write_atomic(&to, raw.as_bytes())?;
            if target != path {
                let _ = std::fs::remove_file(&from);
                self.seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|(_, seen), _| *seen != path);
            }
            self.remember(session, &target, &version(raw.as_bytes()));
        }
        for asset in &assets {
            self.write_asset(asset)?;
        }
        Ok(json!({ "message": "entry persisted" }))
    }

    /// Refuses to replace a file changed on disk since the form read it, or an existing file
    /// with a new entry.
    fn check_fresh(
        &self,
        session: &str,
        relative: &str,
        path: &Path,
        new_entry: bool,
    ) -> Result<(), Refusal> {
        let current = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(_) => return Ok(()),
        };
        if new_entry {
            return Err(Refusal::new(
                409,
                format!("« {relative} » existe déjà : une page porte déjà ce titre. Choisissez un autre titre, ou ouvrez la page existante."),
            ));
        }
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(session.to_string(), relative.to_string()))
            .cloned();
        if seen.as_deref() != Some(version(&current).as_str()) {
            return Err(Refusal::new(
                409,
                format!("« {relative} » a été modifié sur le disque depuis son ouverture dans le formulaire : rien n'a été enregistré. Copiez vos modifications, rechargez la page (F5), puis reprenez-les."),
            ));
        }
        Ok(())
    }

    /// Writes `{ path, content, encoding: "base64" }`.
    fn write_asset(&self, asset: &Value) -> Result<(), Refusal> {
        let path = text(asset, "path")?;
        let target = self.resolve(path, Use::Media)?;
        let content = text(asset, "content")?;
        let encoding = asset
            .get("encoding")
            .and_then(Value::as_str)
            .unwrap_or("base64");
        if encoding != "base64" {
            return Err(Refusal::new(
                400,
                format!("encodage non pris en charge : {encoding}"),
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|_| Refusal::new(400, format!("contenu illisible pour « {path} »")))?;
        write_atomic(&target, &bytes)
    }

    /// `{ id, content, encoding, path, name }` of a media file.
    fn media_file(&self, relative: &str) -> Result<Value, Refusal> {
        let path = self.resolve(relative, Use::Media)?;
        let bytes = crate::fs::read(&path).map_err(|e| Refusal::new(404, e.to_string()))?;
        Ok(json!({
            "id": version(&bytes),
            "content": base64::engine::general_purpose::STANDARD.encode(&bytes),
            "encoding": "base64",
            "path": relative,
            "name": path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        }))
    }

    /// Deletes a page or a media file (absent: nothing to do).
    fn delete(&self, relative: &str) -> Result<(), Refusal> {
        let path = self.resolve(relative, Use::Media)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Refusal::new(
                500,
                format!(
                    "impossible de supprimer « {relative} » : {}",
                    crate::fs::describe_io_error(&e)
                ),
            )),
            _ => {
                self.seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|(_, seen), _| seen != relative);
                Ok(())
            }
        }
    }
}

/// A string parameter, or a refusal naming it.
fn text<'a>(params: &'a Value, name: &str) -> Result<&'a str, Refusal> {
    params
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Refusal::new(400, format!("paramètre « {name} » manquant")))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename,
/// so the watcher and readers see the old file or the new one, never half of it.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Refusal> {
    let fail = |e: crate::fs::FsError| Refusal::new(500, e.to_string());
    let dir = path
        .parent()
        .ok_or_else(|| Refusal::new(400, "chemin sans dossier"))?;
    crate::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = dir.join(format!(".{name}.guide-{}-{count}.tmp", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(Refusal::new(
            500,
            format!(
                "impossible d'écrire « {} » : {}",
                path.display(),
                crate::fs::describe_io_error(&e)
            ),
        ));
    }
    crate::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })
}
