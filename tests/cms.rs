//! The web form of `guide serve`: `/admin/`, its configuration generated from `guide.yaml`, and
//! the safety of its local backend (Host, Origin, token, paths, stale writes).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{json, Value};

/// A copy of this repository's guide in a temporary folder.
fn guide_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for item in ["content", "themes"] {
        common::copy_dir(&repo.join(item), &dir.path().join(item));
    }
    std::fs::copy(repo.join("guide.yaml"), dir.path().join("guide.yaml")).unwrap();
    dir
}

struct Server {
    child: Child,
    port: u16,
    /// The backend's path of the form `post` acts as (one opened form).
    session: std::cell::OnceCell<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &Path, args: &[&str]) -> Server {
    let mut child = Command::cargo_bin("guide")
        .unwrap()
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    Server {
        child,
        port,
        session: std::cell::OnceCell::new(),
    }
}

/// One request over plain TCP to `address`: (status, body).
fn send_to(address: &str, request: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

impl Server {
    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn get(&self, path: &str) -> (u16, String) {
        let host = self.address();
        send_to(
            &host,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            b"",
        )
    }

    /// The generated configuration, as JSON.
    fn config(&self) -> Value {
        let (status, body) = self.get("/admin/config.yml");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("config.yml is JSON (a subset of YAML)")
    }

    /// The backend's path with its token, as the configuration gives it.
    fn backend_path(&self) -> String {
        let url = self.config()["local_backend"]["url"]
            .as_str()
            .unwrap()
            .to_string();
        let path = url.split_once(&self.address()).unwrap().1.to_string();
        assert!(path.starts_with("/__guide/cms/api/v1?jeton="), "{path}");
        path
    }

    /// A POST to the backend with the given Host, Origin and path.
    fn post_as(&self, path: &str, host: &str, origin: Option<&str>, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        let (status, text) = send_to(
            &self.address(),
            &format!(
                "POST {path} HTTP/1.1\r\nHost: {host}\r\n{origin}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ),
            body.as_bytes(),
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A POST to the backend as the form sends it.
    fn post(&self, body: &Value) -> (u16, Value) {
        let host = self.address();
        let path = self.session.get_or_init(|| self.backend_path());
        self.post_as(path, &host, Some(&format!("http://{host}")), body)
    }
}

fn collection<'a>(config: &'a Value, name: &str) -> &'a Value {
    config["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no collection {name}"))
}

fn field<'a>(fields: &'a Value, name: &str) -> &'a Value {
    fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {fields}"))
}

#[test]
fn admin_serves_decap_with_a_configuration_generated_from_guide_yaml() {
    let site = guide_copy();
    let server = start(site.path(), &[]);
    // Before this change: 404 (the preview's « page introuvable »).
    let (status, page) = server.get("/admin/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<script src=\"decap-3.16.3/decap-cms.js\"></script>"));
    assert!(page.contains("lang=\"fr\""));
    assert!(
        !page.contains("/__guide/events"),
        "the form is not reloaded by the preview"
    );
    let (status, _) = server.get("/admin");
    assert_eq!(status, 301);
    let (status, bundle) = server.get("/admin/decap-3.16.3/decap-cms.js");
    assert_eq!(status, 200);
    assert!(bundle.len() > 1_000_000, "the bundle is embedded");
    for other in [
        "/admin/decap-3.16.3/..%2f..%2fguide.yaml",
        "/admin/decap-0.0.1/decap-cms.js",
        "/admin/decap-3.16.3/LICENSE",
    ] {
        let (status, _) = server.get(other);
        assert_eq!(status, 404, "{other}");
    }

    let config = server.config();
    assert_eq!(config["locale"], "fr");
    assert_eq!(config["media_folder"], "static/images");
    assert_eq!(config["public_folder"], "/images");
    assert_eq!(config["slug"]["clean_accents"], true);
    let projets = collection(&config, "projets");
    assert_eq!(projets["folder"], "content/projets");
    assert_eq!(projets["slug"], "{{slug}}");
    assert_eq!(projets["label"], "Fiches projet");
    let fields = &projets["fields"];
    // Taxonomies: terms' French titles shown, slugs saved; several themes, one level.
    let themes = field(fields, "themes");
    assert_eq!(themes["widget"], "select");
    assert_eq!(themes["multiple"], true);
    assert_eq!(themes["max"], 3);
    assert_eq!(themes["required"], true);
    assert_eq!(
        themes["options"][0],
        json!({ "label": "Qualité de vie et des conditions de travail", "value": "qvct" })
    );
    let maturite = field(fields, "maturite");
    assert_eq!(maturite["widget"], "select");
    assert!(maturite.get("multiple").is_none());
    assert_eq!(maturite["options"][1]["value"], "premiers-outils");
    // Schema fields: objects, numbers with bounds, enums, lists, hints, required.
    let entreprise = field(fields, "entreprise");
    assert_eq!(entreprise["widget"], "object");
    let effectif = field(&entreprise["fields"], "effectif");
    assert_eq!(effectif["widget"], "number");
    assert_eq!(effectif["value_type"], "int");
    assert_eq!(
        (effectif["min"].clone(), effectif["max"].clone()),
        (json!(1), json!(299))
    );
    assert_eq!(effectif["hint"], "Nombre de salariés, de 1 à 299.");
    assert_eq!(
        field(&entreprise["fields"], "activite")["label"],
        "Activité"
    );
    assert_eq!(
        field(&entreprise["fields"], "departement")["required"],
        false
    );
    let jours = field(&field(fields, "accompagnement")["fields"], "jours");
    assert_eq!(
        (
            jours["min"].clone(),
            jours["max"].clone(),
            jours["step"].clone()
        ),
        (json!(0), json!(15), json!(5))
    );
    let acteurs = field(fields, "acteurs");
    assert_eq!(
        (acteurs["widget"].clone(), acteurs["multiple"].clone()),
        (json!("select"), json!(true))
    );
    assert_eq!(field(fields, "illustratif")["widget"], "boolean");
    let resultats = field(fields, "resultats");
    assert_eq!(resultats["widget"], "list");
    assert_eq!(resultats["field"]["widget"], "string");
    assert_eq!(resultats["min"], 1);
    let indicateurs = field(fields, "indicateurs");
    assert_eq!(
        field(&indicateurs["fields"], "avant")["value_type"],
        "float"
    );
    // An optional map: its fields are optional in the form (guide check asks for them).
    let temoignage = field(fields, "temoignage");
    assert_eq!(temoignage["required"], false);
    assert_eq!(field(&temoignage["fields"], "citation")["required"], false);
    let body = field(fields, "body");
    assert_eq!(body["widget"], "markdown");
    assert!(body["default"]
        .as_str()
        .unwrap()
        .starts_with("## L'entreprise\n\n## Le contexte"));
    assert_eq!(field(fields, "draft")["default"], true);

    // Regenerated from guide.yaml at each request: a new term shows up at once.
    let yaml = std::fs::read_to_string(site.path().join("guide.yaml")).unwrap();
    let yaml = yaml.replacen(
        "      - slug: qvct\n",
        "      - slug: numerique\n        title: Numérique et travail\n        description: Un terme ajouté.\n      - slug: qvct\n",
        1,
    );
    std::fs::write(site.path().join("guide.yaml"), yaml).unwrap();
    let config = server.config();
    let themes = field(&collection(&config, "projets")["fields"], "themes");
    assert_eq!(
        themes["options"][0],
        json!({ "label": "Numérique et travail", "value": "numerique" })
    );
}

#[test]
fn the_backend_answers_only_the_form_of_this_machine() {
    let site = guide_copy();
    let server = start(site.path(), &["--host", "apercu.example"]);
    let info = json!({ "action": "info" });
    let (status, answer) = server.post(&info);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["type"], "local_fs");
    let path = server.backend_path();
    let host = server.address();
    let origin = format!("http://{host}");
    let without_token = path.split('?').next().unwrap().to_string();
    let wrong_token = format!("{without_token}?jeton=0123456789abcdef0123456789abcdef");
    let port = server.port;
    let refused: [(&str, String, Option<String>); 6] = [
        ("no token", without_token, Some(origin.clone())),
        ("a wrong token", wrong_token, Some(origin.clone())),
        ("no Origin", path.clone(), None),
        (
            "another Origin",
            path.clone(),
            Some("http://evil.example".into()),
        ),
        (
            "the Origin of another port",
            path.clone(),
            Some(format!("http://{host}0")),
        ),
        ("a null Origin", path.clone(), Some("null".into())),
    ];
    for (what, path, origin) in refused {
        let (status, answer) = server.post_as(&path, &host, origin.as_deref(), &info);
        assert_eq!(status, 403, "{what}: {answer}");
        assert!(
            answer["error"].as_str().is_some(),
            "{what}: a French reason"
        );
    }
    // A name the preview answers (--host) is no loopback: the backend refuses it.
    let named = format!("apercu.example:{port}");
    let (status, _) = server.post_as(&path, &named, Some(&format!("http://{named}")), &info);
    assert_eq!(status, 403, "a --host name may read the preview, not write");
    // Another host altogether is refused before routing.
    let (status, _) = server.post_as(&path, "evil.example", Some("http://evil.example"), &info);
    assert_eq!(status, 403);
    // localhost works as well as 127.0.0.1.
    let local = format!("localhost:{port}");
    let (status, _) = server.post_as(&path, &local, Some(&format!("http://{local}")), &info);
    assert_eq!(status, 200);
    // The diagnostics need the token too.
    let (status, _) = server.get("/__guide/cms/diagnostics?chemin=content/projets/x.md");
    assert_eq!(status, 403);
}

/// This machine's address on its network, if it has one.
fn network_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?; // no packet is sent
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn the_backend_refuses_a_client_from_the_network_even_bound_to_every_interface() {
    let site = guide_copy();
    let server = start(site.path(), &["--bind", "0.0.0.0"]);
    let path = server.backend_path();
    let Some(ip) = network_address() else {
        panic!("this machine has no network address to connect from");
    };
    // Host and Origin as a form opened on 127.0.0.1 would send, but from the network address.
    let host = server.address();
    let body = json!({ "action": "info" }).to_string();
    let (status, answer) = send_to(
        &format!("{ip}:{}", server.port),
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ),
        body.as_bytes(),
    );
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer.contains("cette machine"),
        "refused for its address: {answer}"
    );
}

fn persist(path: &str, raw: &str, new_entry: bool) -> Value {
    json!({ "action": "persistEntry", "params": {
        "branch": "main",
        "dataFiles": [{ "path": path, "slug": "x", "raw": raw }],
        "assets": [],
        "options": { "newEntry": new_entry, "commitMessage": "x" },
    }})
}

fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn the_backend_writes_only_inside_content_and_the_media_folder() {
    let site = guide_copy();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), site.path().join("content/lien")).unwrap();
    let server = start(site.path(), &[]);
    let before = snapshot(site.path());
    let escapes = [
        "../dehors.md",
        "content/../guide.yaml",
        "content/projets/../../guide.yaml",
        "guide.yaml",
        "themes/innovation-sociale/templates/page.md",
        "/etc/passwd.md",
        "content\\..\\guide.md",
        "content/projets/fiche.txt",
        "content/lien/fiche.md",
        "",
    ];
    for path in escapes {
        let (status, answer) = server.post(&persist(path, "---\ntitle: x\n---\n", true));
        assert_eq!(status, 403, "{path}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("chemin refusé"),
            "{answer}"
        );
    }
    for path in [
        "static/images/../../guide.yaml",
        "static/autre/x.png",
        "content/lien/x.png",
    ] {
        let asset = json!({ "action": "persistMedia", "params": {
            "branch": "main", "asset": { "path": path, "content": "aGk=", "encoding": "base64" } } });
        let (status, answer) = server.post(&asset);
        assert_eq!(status, 403, "{path}: {answer}");
    }
    for action in [
        json!({ "action": "getEntry", "params": { "path": "guide.yaml" } }),
        json!({ "action": "getMediaFile", "params": { "path": "../../etc/passwd" } }),
        json!({ "action": "deleteFile", "params": { "path": "guide.yaml" } }),
        json!({ "action": "entriesByFolder", "params": { "folder": "themes", "extension": "html", "depth": 5 } }),
    ] {
        let (status, answer) = server.post(&action);
        assert_eq!(status, 403, "{action}: {answer}");
    }
    assert!(
        snapshot(site.path()) == before,
        "a refused request changed nothing"
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);

    // Inside: an image in the media folder, a page in content/.
    let asset = json!({ "action": "persistMedia", "params": {
        "branch": "main", "asset": { "path": "static/images/photo.png", "content": "aGk=", "encoding": "base64" } } });
    let (status, answer) = server.post(&asset);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        std::fs::read(site.path().join("static/images/photo.png")).unwrap(),
        b"hi"
    );
    let (status, answer) = server.post(&persist(
        "content/projets/nouvelle.md",
        "---\ntitle: Nouvelle\n---\n",
        true,
    ));
    assert_eq!(status, 200, "{answer}");
    // Sections' _index.md are not entries.
    let (_, entries) = server.post(&json!({ "action": "entriesByFolder",
        "params": { "folder": "content/projets", "extension": "md", "depth": 1 } }));
    let paths: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"]["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"content/projets/nouvelle.md"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.ends_with("_index.md")), "{paths:?}");
}

#[test]
fn a_file_changed_on_disk_since_the_form_opened_it_is_not_overwritten() {
    let site = guide_copy();
    let server = start(site.path(), &[]);
    let relative = "content/projets/scop-d-tutorat-transmission.md";
    let file = site.path().join(relative);
    let (status, entry) =
        server.post(&json!({ "action": "getEntry", "params": { "path": relative } }));
    assert_eq!(status, 200);
    let opened = entry["data"].as_str().unwrap().to_string();
    assert_eq!(opened, std::fs::read_to_string(&file).unwrap());

    // Someone else saves the file (a text editor, a sync tool) while the form has it open.
    let theirs = opened.replace("Entreprise D", "Entreprise D (relu)");
    std::fs::write(&file, &theirs).unwrap();
    let mine = opened.replace("summary:", "summary: Modifié dans le formulaire.\nx:");
    let (status, answer) = server.post(&persist(relative, &mine, false));
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("modifié sur le disque"),
        "{answer}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        theirs,
        "their version is kept"
    );

    // Once read again, the form's save goes through, atomically (no temporary file left).
    server.post(&json!({ "action": "getEntry", "params": { "path": relative } }));
    let mine = theirs.replacen("title:", "title: Relu", 1);
    let (status, answer) = server.post(&persist(relative, &mine, false));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), mine);
    // And the next save, from the version it wrote, too.
    let again = mine.replacen("title: Relu", "title: Relu deux fois", 1);
    let (status, answer) = server.post(&persist(relative, &again, false));
    assert_eq!(status, 200, "{answer}");
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A new entry never replaces an existing page (two titles with the same slug).
    let (status, answer) = server.post(&persist(relative, "---\ntitle: Autre\n---\n", true));
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("existe déjà"),
        "{answer}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), again);
    // Two forms open on one page (two tabs): the first saves; the second, which read the
    // page before that save, may not overwrite it.
    let first = server.backend_path();
    let second = server.backend_path();
    assert_ne!(first, second, "each opened form has its own token");
    let host = server.address();
    let origin = format!("http://{host}");
    let read = json!({ "action": "getEntry", "params": { "path": relative } });
    server.post_as(&first, &host, Some(&origin), &read);
    server.post_as(&second, &host, Some(&origin), &read);
    let tab_one = again.replacen("title:", "title: Onglet 1", 1);
    let (status, _) = server.post_as(
        &first,
        &host,
        Some(&origin),
        &persist(relative, &tab_one, false),
    );
    assert_eq!(status, 200);
    let tab_two = again.replacen("title:", "title: Onglet 2", 1);
    let (status, answer) = server.post_as(
        &second,
        &host,
        Some(&origin),
        &persist(relative, &tab_two, false),
    );
    assert_eq!(status, 409, "{answer}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), tab_one);

    // A page never read by the form is not overwritten either.
    let other = "content/projets/entreprise-b-parts-sci.md";
    let (status, _) = server.post(&persist(other, "---\ntitle: B\n---\n", false));
    assert_eq!(status, 409);
}

#[test]
fn build_writes_the_team_form_only_when_guide_yaml_names_a_git_host() {
    let site = guide_copy();
    let out = site.path().join("public");
    let build = || {
        Command::cargo_bin("guide")
            .unwrap()
            .args(["build", "--no-search", "--root"])
            .arg(site.path())
            .output()
            .unwrap()
    };
    let run = build();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        !out.join("admin").exists(),
        "no Git host: no form in the published site"
    );

    let yaml = std::fs::read_to_string(site.path().join("guide.yaml")).unwrap();
    let yaml = yaml.replacen(
        "cms:\n",
        "cms:\n  backend:\n    name: github\n    repo: aract-ara/guide\n    branch: main\n",
        1,
    );
    std::fs::write(site.path().join("guide.yaml"), yaml).unwrap();
    for round in ["cold", "warm"] {
        let run = build();
        assert!(
            run.status.success(),
            "{round}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("admin/config.yml")).unwrap())
                .unwrap();
        assert_eq!(config["backend"]["name"], "github", "{round}");
        assert_eq!(config["backend"]["repo"], "aract-ara/guide");
        assert_eq!(config["publish_mode"], "editorial_workflow");
        assert!(
            config.get("local_backend").is_none(),
            "no local backend online"
        );
        assert_eq!(
            config["site_url"],
            "https://guide-innovation-sociale.example.org/"
        );
        let page = std::fs::read_to_string(out.join("admin/index.html")).unwrap();
        assert!(!page.contains("guide-jeton"), "no token online");
        assert!(
            out.join("admin/decap-3.16.3/decap-cms.js").is_file(),
            "{round}"
        );
    }
}
