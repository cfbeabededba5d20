//! `guide serve` on a free port: pages served from memory, live reload on save, the error
//! overlay on a broken file and its removal once fixed, paths outside the site refused.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use common::TestSite;

/// The server process, killed when dropped.
struct Server {
    child: Child,
    address: String,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(site: &TestSite) -> Server {
    start_with(site, &[])
}

/// Starts `guide serve` with extra arguments.
fn start_with(site: &TestSite, args: &[&str]) -> Server {
    let log = site.root().join("serve.log");
    let mut child = Command::cargo_bin("guide")
        .unwrap()
        .args(["serve", "--port", "0", "--root"])
        .arg(site.root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Serveur : http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    Server {
        child,
        address: url.trim_end_matches('/').to_string(),
        log,
    }
}

/// A GET over plain TCP: (status, body).
fn get(server: &Server, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.address
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Opens the event stream and returns a reader on it.
fn events(server: &Server) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    write!(
        stream,
        "GET /__guide/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.address
    )
    .unwrap();
    // The server subscribes the stream before it answers: once the head is read, no event
    // can be missed.
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "event stream: {line}");
    while line.trim() != "" {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    reader
}

/// Waits up to `limit` for a line `event: <name>`.
fn wait_event(reader: &mut BufReader<TcpStream>, name: &str, limit: Duration) -> bool {
    let started = Instant::now();
    let mut line = String::new();
    while started.elapsed() < limit {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(_) if line.trim() == format!("event: {name}") => return true,
            _ => {}
        }
    }
    false
}

/// Replaces `from` by `to` in fiche B, saves it, and waits up to 2 s for the event `name`.
fn edit_fiche_b(
    site: &TestSite,
    stream: &mut BufReader<TcpStream>,
    from: &str,
    to: &str,
    name: &str,
) -> bool {
    let path = "content/projets/fiche-b.md";
    let text = std::fs::read_to_string(site.path(path)).unwrap();
    site.write(path, &text.replace(from, to));
    wait_event(stream, name, Duration::from_secs(2))
}

/// Serves `site` with a page that links to nothing (`/autre/`), then replaces `from` by `to`
/// in fiche B and waits for the reload.
fn serve_beside_another_page_and_edit_fiche_b(site: &TestSite, from: &str, to: &str) -> Server {
    site.write(
        "content/autre.md",
        "---\ntitle: Autre page\n---\nSans lien.\n",
    );
    let server = start(site);
    let mut stream = events(&server);
    assert!(edit_fiche_b(site, &mut stream, from, to, "reload"));
    server
}

/// Waits up to `limit` until the page at `path` satisfies `test`.
fn wait_page(server: &Server, path: &str, limit: Duration, test: impl Fn(&str) -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if test(&get(server, path).1) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn serve_reloads_on_save_and_shows_then_clears_errors() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let (status, page) = get(&server, "/projets/fiche-b/");
    assert_eq!(status, 200);
    assert!(page.contains("Une autre fiche."), "{page}");
    assert!(
        page.contains("new EventSource(\"/__guide/events\")"),
        "the reload script is injected"
    );
    assert!(!site.path("public").exists(), "serve never writes public/");

    let mut stream = events(&server);
    let text = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    site.write(
        "content/projets/fiche-b.md",
        &text.replace("Une autre fiche.", "Un texte tout neuf."),
    );
    assert!(
        wait_event(&mut stream, "reload", Duration::from_secs(2)),
        "no reload event within 2 s"
    );
    assert!(get(&server, "/projets/fiche-b/")
        .1
        .contains("Un texte tout neuf."));
    // Only the body changed: only that page was rendered at once, without a full build.
    let counts = counters(&server);
    assert_eq!(counts["last_rendered"], 1, "{counts}");
    assert_eq!(counts["builds"], 1, "{counts}");
    // The printed edition holds every page: it is rendered again when it is asked for.
    assert!(get(&server, "/guide-complet/")
        .1
        .contains("Un texte tout neuf."));

    site.write("content/projets/fiche-b.md", "---\ntitle: [cassé\n---\n");
    assert!(
        wait_event(&mut stream, "erreurs", Duration::from_secs(2)),
        "no error event within 2 s"
    );
    let (status, page) = get(&server, "/projets/fiche-b/");
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"guide-erreurs\""),
        "overlay shown: {page}"
    );
    assert!(
        page.contains("erreur : content/projets/fiche-b.md:"),
        "the diagnostic names the file and line: {page}"
    );
    assert!(
        page.contains("Un texte tout neuf."),
        "the last good page stays under the overlay"
    );

    site.write("content/projets/fiche-b.md", &text);
    assert!(wait_page(
        &server,
        "/projets/fiche-b/",
        Duration::from_secs(2),
        |p| !p.contains("guide-erreurs") && p.contains("Une autre fiche.")
    ));
}

#[test]
fn an_error_in_a_saved_body_shows_over_the_page_and_the_next_save_clears_it() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let mut stream = events(&server);
    // Only the body changes: the page is rendered alone, and its link is checked.
    assert!(
        edit_fiche_b(
            &site,
            &mut stream,
            "Une autre fiche.",
            "Voir [la fiche fantôme](@/projets/fantome.md).",
            "erreurs"
        ),
        "no error event within 2 s"
    );
    let page = get(&server, "/projets/fiche-b/").1;
    assert!(
        page.contains("id=\"guide-erreurs\""),
        "overlay shown: {page}"
    );
    assert!(
        page.contains("content/projets/fiche-b.md:11"),
        "the diagnostic gives the file and the line of the link: {page}"
    );
    assert!(
        page.contains("Une autre fiche."),
        "the last good page stays under the overlay"
    );

    assert!(
        edit_fiche_b(
            &site,
            &mut stream,
            "Voir [la fiche fantôme](@/projets/fantome.md).",
            "Voir [la fiche A](@/projets/fiche-a.md).",
            "reload"
        ),
        "no reload event within 2 s"
    );
    let page = get(&server, "/projets/fiche-b/").1;
    assert!(!page.contains("guide-erreurs"), "overlay cleared: {page}");
    assert!(page.contains(">la fiche A</a>"), "{page}");
    let counts = counters(&server);
    assert_eq!(
        counts["builds"], 1,
        "the fix took the change path too: {counts}"
    );
    assert_eq!(counts["updates"], 1, "{counts}");
}

/// The server's counters (`GET /__guide/etat`): builds, updates, last_rendered,
/// rendered_on_request, stale, errors.
fn counters(server: &Server) -> serde_json::Value {
    let (status, body) = get(server, "/__guide/etat");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The number of files the last build or save rendered at once.
fn last_rendered(server: &Server) -> u64 {
    counters(server)["last_rendered"].as_u64().unwrap()
}

#[test]
fn a_saved_page_is_rendered_at_once_and_what_shows_it_when_asked_even_for_a_new_theme() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let mut stream = events(&server);
    assert!(edit_fiche_b(
        &site,
        &mut stream,
        "title: Fiche B",
        "title: Fiche B renommée",
        "reload"
    ));
    assert_eq!(last_rendered(&server), 1, "the saved page alone, at once");
    let stale = counters(&server)["stale"].as_u64().unwrap();
    assert!(stale > 1, "{stale}");
    // Fiche A follows fiche B in the section: its "previous" link shows the new title.
    assert!(
        get(&server, "/projets/fiche-a/")
            .1
            .contains(">Fiche B renommée</a>"),
        "the neighbour was rendered again"
    );
    // Only the page asked for: the other stale files wait for their own request (after a
    // change of terms on a large site, every page is stale).
    let counts = counters(&server);
    assert_eq!(counts["rendered_on_request"], 1, "{counts}");
    assert_eq!(counts["stale"], stale - 1, "{counts}");
    for listing in [
        "/projets.json",
        "/guide-complet/",
        "/themes/qvct/",
        "/atom.xml",
    ] {
        assert!(
            get(&server, listing).1.contains("Fiche B renommée"),
            "{listing} is out of date"
        );
    }

    // An older date moves fiche B after fiche A: the neighbours on both sides follow.
    assert!(edit_fiche_b(
        &site,
        &mut stream,
        "date: 2024-05-10",
        "date: 2023-06-01",
        "reload"
    ));
    let link = |path: &str, rel: &str| -> String {
        let page = get(&server, path).1;
        let start = page
            .find(&format!("<a rel=\"{rel}\""))
            .unwrap_or_else(|| panic!("no {rel} link in {path}: {page}"));
        page[start..].split("</a>").next().unwrap().to_string()
    };
    assert!(link("/projets/fiche-bundle/", "next").contains("fiche-a/"));
    assert!(link("/projets/fiche-a/", "next").contains("Fiche B renommée"));
    assert!(link("/projets/fiche-b/", "prev").contains("fiche-a/"));
    assert_eq!(last_rendered(&server), 1);

    // Another theme: the term pages, the counts every page shows, the open data change; the
    // saved page is rendered at once, the rest when asked for, without a full build.
    assert!(edit_fiche_b(
        &site,
        &mut stream,
        "themes: [qvct]",
        "themes: [partage-valeur]",
        "reload"
    ));
    assert_eq!(last_rendered(&server), 1);
    assert_eq!(
        counters(&server)["builds"],
        1,
        "no full build after the first"
    );
    assert!(!get(&server, "/themes/qvct/").1.contains("Fiche B renommée"));
    assert!(get(&server, "/themes/partage-valeur/")
        .1
        .contains("Fiche B renommée"));
    assert!(get(&server, "/projets.json").1.contains("partage-valeur"));
}

/// A save that adds a term to a case study changes the counts of that term: the pages whose
/// templates show counts (the taxonomy's list) are rendered again, a page whose template does
/// not (`page.html` of the `basic` theme shows neither counts nor the page's terms) is not.
#[test]
fn a_term_added_to_a_page_leaves_stale_only_what_shows_counts_or_lists_the_page() {
    let site = TestSite::new("basic");
    let server = serve_beside_another_page_and_edit_fiche_b(
        &site,
        "themes: [qvct]",
        "themes: [qvct, partage-valeur]",
    );
    let before = counters(&server)["rendered_on_request"].as_u64().unwrap();
    assert_eq!(get(&server, "/autre/").0, 200);
    let after = counters(&server)["rendered_on_request"].as_u64().unwrap();
    assert_eq!(
        after,
        before,
        "a page that shows no count was not stale: {}",
        counters(&server)
    );
    let (_, list) = get(&server, "/themes/");
    assert!(
        list.contains("Partage de la valeur</a> (2)"),
        "the taxonomy's list shows the new count: {list}"
    );
    assert!(
        counters(&server)["rendered_on_request"].as_u64().unwrap() > after,
        "the taxonomy's list was stale"
    );
    let (_, term) = get(&server, "/themes/partage-valeur/");
    assert!(term.contains("Fiche B"), "{term}");
}

#[test]
fn serve_refuses_paths_outside_the_site_and_answers_404() {
    let site = TestSite::new("basic");
    let server = start(&site);
    for path in [
        "/../guide.yaml",
        "/%2e%2e/guide.yaml",
        "/%2E%2E%2Fguide.yaml",
        "/a%5c..%5c..%5cguide.yaml",
    ] {
        let (status, body) = get(&server, path);
        assert!(status == 400 || status == 404, "{path}: {status}");
        assert!(!body.contains("base_url"), "{path} leaked the config");
    }
    let (status, body) = get(&server, "/nexiste-pas/");
    assert_eq!(status, 404);
    assert!(body.contains("Page introuvable"), "{body}");
    let (status, _) = get(&server, "/style.css");
    assert_eq!(status, 200);
}

#[test]
fn a_port_in_use_gives_a_clear_message() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let site = TestSite::new("basic");
    let run = site.run(&["serve", "--port", &port]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("est déjà utilisé"), "{}", run.stderr);
    assert!(run.stderr.contains("--port 0"), "{}", run.stderr);
}

#[test]
fn ctrl_c_stops_the_server_even_with_an_open_page() {
    let site = TestSite::new("basic");
    let mut server = start(&site);
    let _stream = events(&server);
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not stop within 5 s of Ctrl-C");
}

#[test]
fn a_front_matter_change_re_renders_the_page_and_its_listings_only() {
    let site = TestSite::new("basic");
    let server = serve_beside_another_page_and_edit_fiche_b(
        &site,
        "title: Fiche B",
        "title: Fiche B renommée",
    );
    let (_, term) = get(&server, "/themes/qvct/");
    assert!(
        term.contains("Fiche B renommée"),
        "the term page lists the new title"
    );
    let (_, section) = get(&server, "/projets/");
    assert!(
        section.contains("Fiche B renommée"),
        "the section lists the new title"
    );
    let counts = counters(&server);
    assert_eq!(counts["builds"], 1, "{counts}");
    assert_eq!(counts["updates"], 1, "{counts}");
    // A page that does not list fiche B was not rendered again, yet is still served.
    assert_eq!(get(&server, "/autre/").0, 200);
}

#[test]
fn serve_survives_templates_that_recurse_and_recovers_once_they_are_fixed() {
    let site = TestSite::new("basic");
    let mut server = start(&site);
    let page_template = "themes/plain/templates/page.html";
    let original = std::fs::read_to_string(site.path(page_template)).unwrap();
    let with_main = |head: &str, main: &str| {
        format!("{{% extends \"base.html\" %}}{head}\n{{% block main %}}{main}{{% endblock %}}\n")
    };
    let limit = Duration::from_secs(10);

    site.write(
        "themes/plain/templates/boucle.html",
        "{% include \"boucle.html\" %}",
    );
    site.write(
        page_template,
        &with_main("", "{% include \"boucle.html\" %}"),
    );
    assert!(
        wait_page(&server, "/a-propos/", limit, |p| p
            .contains("guide-erreurs")
            && p.contains("le gabarit « boucle.html » s&#39;inclut lui-même")),
        "the include cycle is shown over the page: {}",
        get(&server, "/a-propos/").1
    );

    site.write(
        "themes/plain/templates/macros.html",
        "{% macro boucle(n) %}{{ self::boucle(n=n+1) }}{% endmacro boucle %}",
    );
    site.remove("themes/plain/templates/boucle.html");
    site.write(
        page_template,
        &with_main("{% import \"macros.html\" as m %}", "{{ m::boucle(n=1) }}"),
    );
    assert!(
        wait_page(&server, "/a-propos/", limit, |p| p
            .contains("guide-erreurs")
            && p.contains("la macro « boucle » du gabarit « macros.html »")),
        "the endless macro is shown over the page"
    );
    assert!(server.child.try_wait().unwrap().is_none(), "still running");

    site.write(page_template, &original);
    assert!(
        wait_page(&server, "/a-propos/", limit, |p| !p
            .contains("guide-erreurs")
            && p.contains("<h1>À propos</h1>")),
        "the fixed template is served without errors"
    );
}

/// Sends `head` (the request line and headers, without the final blank line) and reads the
/// whole answer: (status, headers in lower case, body).
fn exchange(server: &Server, head: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "{head}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(&response)));
    let headers = String::from_utf8_lossy(&response[..end]).to_lowercase();
    let status = headers.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, headers, response[end + 4..].to_vec())
}

#[test]
fn serve_answers_only_loopback_names_its_address_and_the_hosts_given() {
    let site = TestSite::new("basic");
    let server = start_with(
        &site,
        &["--host", "Guide.Local", "--host", "apercu.example:8080"],
    );
    let port = server.address.rsplit(':').next().unwrap().to_string();
    let allowed = [
        format!("localhost:{port}"),
        "LocalHost".to_string(),
        "localhost.".to_string(),
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        format!("[::1]:{port}"),
        "guide.local".to_string(),
        format!("GUIDE.LOCAL:{port}"),
        "apercu.example".to_string(),
    ];
    for host in &allowed {
        let (status, _, _) = exchange(&server, &format!("GET /a-propos/ HTTP/1.1\r\nHost: {host}"));
        assert_eq!(status, 200, "Host: {host}");
    }
    let refused = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        "localhost.evil.example".to_string(),
        "127.0.0.1.nip.io".to_string(),
        "guide.local.evil.example".to_string(),
        format!("localhost:{port}@evil.example"),
        "[::1]evil".to_string(),
        "localhost:abc".to_string(),
        String::new(),
    ];
    for host in &refused {
        for path in [
            "/a-propos/",
            "/style.css",
            "/__guide/events",
            "/nexiste-pas/",
        ] {
            let (status, _, body) =
                exchange(&server, &format!("GET {path} HTTP/1.1\r\nHost: {host}"));
            assert_eq!(status, 403, "Host: {host} {path}");
            let body = String::from_utf8_lossy(&body);
            assert!(body.contains("--host"), "{body}");
            assert!(
                !body.contains("base_url") && !body.contains("<main>"),
                "{body}"
            );
        }
    }
    // No Host header at all (HTTP/1.0).
    let (status, _, _) = exchange(&server, "GET /a-propos/ HTTP/1.0");
    assert_eq!(status, 403);
}

#[test]
fn static_files_answer_ranges_and_head_without_a_body() {
    let site = TestSite::new("basic");
    let bytes: Vec<u8> = (0..100u8).collect();
    std::fs::write(site.path("static/video.bin"), &bytes).unwrap();
    let server = start(&site);
    let host = format!("Host: {}", server.address);

    let (status, headers, body) = exchange(&server, &format!("GET /video.bin HTTP/1.1\r\n{host}"));
    assert_eq!(status, 200);
    assert!(headers.contains("accept-ranges: bytes"), "{headers}");
    assert_eq!(body, bytes);

    let cases: [(&str, &str, std::ops::Range<usize>); 4] = [
        ("bytes=0-9", "bytes 0-9/100", 0..10),
        ("bytes=90-", "bytes 90-99/100", 90..100),
        ("bytes=-5", "bytes 95-99/100", 95..100),
        ("bytes=95-500", "bytes 95-99/100", 95..100),
    ];
    for (range, content_range, expected) in cases {
        let (status, headers, body) = exchange(
            &server,
            &format!("GET /video.bin HTTP/1.1\r\n{host}\r\nRange: {range}"),
        );
        assert_eq!(status, 206, "{range}");
        assert!(
            headers.contains(&format!("content-range: {content_range}")),
            "{range}: {headers}"
        );
        assert!(
            headers.contains(&format!("content-length: {}", expected.len())),
            "{range}: {headers}"
        );
        assert_eq!(body, &bytes[expected], "{range}");
    }

    for range in ["bytes=100-", "bytes=200-300", "bytes=-0"] {
        let (status, headers, _) = exchange(
            &server,
            &format!("GET /video.bin HTTP/1.1\r\n{host}\r\nRange: {range}"),
        );
        assert_eq!(status, 416, "{range}");
        assert!(headers.contains("content-range: bytes */100"), "{headers}");
    }

    let (status, headers, body) = exchange(&server, &format!("HEAD /video.bin HTTP/1.1\r\n{host}"));
    assert_eq!(status, 200);
    assert!(headers.contains("content-length: 100"), "{headers}");
    assert!(body.is_empty(), "HEAD has no body: {} bytes", body.len());
}

/// Waits up to `limit` until the server's log holds `text` at least `count` times.
fn wait_log(server: &Server, text: &str, count: usize, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        let log = std::fs::read_to_string(&server.log).unwrap_or_default();
        if log.matches(text).count() >= count {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn serve_keeps_watching_content_moved_away_and_back_or_deleted_and_recreated() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let limit = Duration::from_secs(10);
    let content = site.path("content");
    let fiche_b = |server: &Server| get(server, "/projets/fiche-b/");
    let fiche_b_shows = |server: &Server, text: &str| {
        wait_page(server, "/projets/fiche-b/", limit, |p| {
            p.contains(text) && !p.contains("guide-erreurs")
        })
    };
    let gone = |server: &Server| {
        let started = Instant::now();
        while started.elapsed() < limit {
            let (status, page) = fiche_b(server);
            if status == 404 || page.contains("guide-erreurs") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    };

    // Moved away and back, as a sync tool does.
    let aside = site.path("content.deplace");
    std::fs::rename(&content, &aside).unwrap();
    assert!(gone(&server), "the preview saw content/ go");
    std::fs::rename(&aside, &content).unwrap();
    assert!(fiche_b_shows(&server, "Une autre fiche."));
    let text = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    site.write(
        "content/projets/fiche-b.md",
        &text.replace("Une autre fiche.", "Revenue de voyage."),
    );
    assert!(
        fiche_b_shows(&server, "Revenue de voyage."),
        "a save in the content/ moved back is seen"
    );

    // Deleted, then created again.
    let backup = tempfile::tempdir().unwrap();
    common::copy_dir(&content, backup.path());
    std::fs::remove_dir_all(&content).unwrap();
    assert!(gone(&server), "the preview saw content/ go");
    common::copy_dir(backup.path(), &content);
    assert!(fiche_b_shows(&server, "Revenue de voyage."));
    site.write(
        "content/projets/fiche-b.md",
        &text.replace("Une autre fiche.", "Recréée de zéro."),
    );
    assert!(
        fiche_b_shows(&server, "Recréée de zéro."),
        "a save in the content/ created again is seen"
    );

    assert!(
        wait_log(&server, "Le dossier content/ a disparu", 2, limit),
        "{}",
        std::fs::read_to_string(&server.log).unwrap()
    );
    assert!(wait_log(
        &server,
        "Le dossier content/ est revenu : l'aperçu le surveille de nouveau.",
        2,
        limit
    ));
}

#[test]
fn a_template_that_fails_on_a_saved_page_is_shown_and_the_next_save_rebuilds_everything() {
    let site = TestSite::new("basic");
    let template = "themes/plain/templates/projet.html";
    let text = std::fs::read_to_string(site.path(template)).unwrap();
    // Fails at render time only for a page that sets `extra.casse`.
    site.write(
        template,
        &text.replace(
            "{% block title %}",
            "{% block title %}{% if page.extra.casse is defined %}{{ variable_inconnue }}{% endif %}",
        ),
    );
    let server = start(&site);
    let mut stream = events(&server);
    assert!(edit_fiche_b(
        &site,
        &mut stream,
        "illustratif: true",
        "illustratif: true\nextra: { casse: true }",
        "erreurs"
    ));
    let page = get(&server, "/projets/fiche-b/").1;
    assert!(page.contains("guide-erreurs"), "the error is shown: {page}");
    assert!(page.contains("projet.html"), "{page}");
    // The loaded site moved on while the page could not be rendered: the fix takes a full
    // build, so that nothing the failed save reached is left out of date.
    assert!(edit_fiche_b(
        &site,
        &mut stream,
        "illustratif: true\nextra: { casse: true }",
        "illustratif: true",
        "reload"
    ));
    let counts = counters(&server);
    assert_eq!(counts["builds"], 2, "{counts}");
    assert_eq!(counts["errors"], false, "{counts}");
    assert!(!get(&server, "/projets/fiche-b/")
        .1
        .contains("guide-erreurs"));
}

#[test]
fn warnings_show_collapsed_in_a_corner_without_hiding_the_page() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let mut stream = events(&server);
    // fiche-b has no summary: a warning, shown collapsed, the page itself up to date.
    let (status, page) = get(&server, "/projets/fiche-b/");
    assert_eq!(status, 200);
    assert!(
        page.contains("<details id=\"guide-avertissements\""),
        "{page}"
    );
    assert!(!page.contains("guide-erreurs"), "{page}");
    assert!(
        page.contains("avertissements (la page est à jour)</summary>"),
        "{page}"
    );
    assert!(
        page.contains("avertissement : content/projets/fiche-b.md:1:1"),
        "{page}"
    );
    assert!(page.contains("Une autre fiche."), "{page}");
    // A saved page's warnings replace its old ones.
    assert!(edit_fiche_b(
        &site,
        &mut stream,
        "date: 2024-05-10\n",
        "date: 2024-05-10\nsummary: Un résumé.\n",
        "reload"
    ));
    assert!(!get(&server, "/projets/fiche-b/")
        .1
        .contains("avertissement : content/projets/fiche-b.md:1:1"));
}

#[test]
fn the_preview_shows_a_draft_with_a_banner() {
    let site = TestSite::new("basic");
    site.write(
        "content/projets/brouillon.md",
        "---\ntitle: En cours\nthemes: [qvct]\nentreprise: { nom: E, effectif: 8 }\nillustratif: true\ndraft: true\n---\nPas fini.\n",
    );
    let server = start(&site);
    let (status, page) = get(&server, "/projets/brouillon/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("class=\"guide-brouillon\""), "{page}");
    assert!(page.contains("Brouillon"), "{page}");
    let (_, published) = get(&server, "/projets/fiche-b/");
    assert!(!published.contains("guide-brouillon"), "{published}");
}

#[test]
fn a_new_page_can_be_linked_by_its_address_at_once_and_a_link_to_it_breaks_when_it_goes() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let mut stream = events(&server);
    // A new case study, without a full build: its address is one a link may take at once.
    let text = std::fs::read_to_string(site.path("content/projets/fiche-b.md")).unwrap();
    site.write(
        "content/projets/fiche-c.md",
        &text.replace("title: Fiche B", "title: Fiche C"),
    );
    assert!(
        wait_event(&mut stream, "reload", Duration::from_secs(5)),
        "no reload event within 5 s"
    );
    assert_eq!(
        counters(&server)["builds"],
        1,
        "the change path, no full build"
    );
    assert!(
        edit_fiche_b(
            &site,
            &mut stream,
            "Une autre fiche.",
            "Voir [la fiche C](/projets/fiche-c/).",
            "reload"
        ),
        "a link to the new page's address is an error: {}",
        get(&server, "/projets/fiche-b/").1
    );
    let page = get(&server, "/projets/fiche-b/").1;
    assert!(page.contains("projets/fiche-c/\">la fiche C</a>"), "{page}");
    // Gone: fiche B's link is broken, as a build would say, and the last good site stays.
    std::fs::remove_file(site.path("content/projets/fiche-c.md")).unwrap();
    assert!(
        wait_event(&mut stream, "erreurs", Duration::from_secs(5)),
        "no error event within 5 s"
    );
    let page = get(&server, "/projets/fiche-b/").1;
    assert!(page.contains("id=\"guide-erreurs\""), "{page}");
    assert!(page.contains("fiche-c"), "{page}");
    assert_eq!(counters(&server)["builds"], 1, "still no full build");
}
