//! `guide serve` under load, on loopback only: 1 000 concurrent clients for 10 seconds, bounded
//! in count and time; no failed request, no leaked file descriptor; a client dropping in the
//! middle of a response does not stop the server.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use common::TestSite;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(site: &TestSite) -> Server {
    start_with_env(site, &[])
}

/// Starts `guide serve` with extra environment variables.
fn start_with_env(site: &TestSite, envs: &[(&str, &str)]) -> Server {
    let mut child = Command::cargo_bin("guide")
        .unwrap()
        .args(["serve", "--port", "0", "--root"])
        .arg(site.root())
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .trim_start_matches("Serveur : http://")
        .trim_end_matches('/')
        .to_string();
    Server(child, address)
}

fn get(address: &str, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response[..response.len().min(20)]).into_owned();
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(text))
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn a_thousand_concurrent_clients_for_ten_seconds_get_every_page() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let pid = server.0.id();
    assert_eq!(get(&server.1, "/").unwrap(), 200);
    let before = open_descriptors(pid);
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(10);
    let paths = [
        "/",
        "/projets/fiche-a/",
        "/themes/qvct/",
        "/style.css",
        "/nexiste-pas/",
    ];
    let clients: Vec<_> = (0..1000)
        .map(|i| {
            let (ok, failed, address) = (Arc::clone(&ok), Arc::clone(&failed), server.1.clone());
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let mut n = i;
                    while Instant::now() < deadline {
                        let path = paths[n % paths.len()];
                        n += 1;
                        match get(&address, path) {
                            Ok(200) | Ok(404) => ok.fetch_add(1, Ordering::Relaxed),
                            other => {
                                if failed.fetch_add(1, Ordering::Relaxed) < 3 {
                                    eprintln!("failure: {other:?}");
                                }
                                0
                            }
                        };
                    }
                })
                .unwrap()
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    eprintln!("{ok} requests answered, {failed} failed");
    assert_eq!(failed, 0, "{failed} failed requests ({ok} answered)");
    assert!(ok >= 1000, "every client was answered at least once: {ok}");
    // Descriptors come back to where they were once the clients are gone.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut after = open_descriptors(pid);
    while after > before + 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        after = open_descriptors(pid);
    }
    assert!(
        after <= before + 4,
        "descriptors: {before} before, {after} after"
    );
    assert_eq!(get(&server.1, "/").unwrap(), 200);
}

#[test]
fn a_client_dropping_mid_response_does_not_stop_the_server() {
    let site = TestSite::new("basic");
    site.write("static/gros.txt", &"x".repeat(8 * 1024 * 1024));
    let server = start(&site);
    for _ in 0..20 {
        let mut stream = TcpStream::connect(&server.1).unwrap();
        write!(
            stream,
            "GET /gros.txt HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.1
        )
        .unwrap();
        let mut buffer = [0u8; 512];
        let _ = stream.read(&mut buffer).unwrap();
        drop(stream);
    }
    assert_eq!(get(&server.1, "/projets/fiche-a/").unwrap(), 200);
}

#[test]
fn only_get_and_head_are_answered() {
    let site = TestSite::new("basic");
    let server = start(&site);
    let mut stream = TcpStream::connect(&server.1).unwrap();
    let body = "x".repeat(100_000);
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.1,
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(
        response.starts_with("HTTP/1.1 405") || response.starts_with("HTTP/1.1 413"),
        "{}",
        &response[..response.len().min(80)]
    );
    assert_eq!(get(&server.1, "/").unwrap(), 200);
}

/// Reads from `stream` until the server closes it, or `deadline` passes: whether it closed.
fn closed_by_server(stream: &mut TcpStream, deadline: Instant) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            // A "408 Request Timeout" before closing is fine too.
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn idle_connections_are_closed_after_the_timeout_without_cutting_the_event_stream() {
    let site = TestSite::new("basic");
    let server = start_with_env(&site, &[("GUIDE_SERVE_IDLE_TIMEOUT_MS", "500")]);
    let address = server.1.clone();
    // The event stream, opened first, must outlive every idle connection.
    let mut events = TcpStream::connect(&address).unwrap();
    write!(
        events,
        "GET /__guide/events HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .unwrap();
    let mut events = BufReader::new(events);
    let mut status_line = String::new();
    events.read_line(&mut status_line).unwrap();
    assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");

    let mut idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    let mut slow = TcpStream::connect(&address).unwrap();
    write!(slow, "GET / HTTP/1.1\r\nHost: {address}\r\n").unwrap();
    let asked = Instant::now();
    assert_eq!(get(&address, "/projets/fiche-a/").unwrap(), 200);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "answered in {:?} beside 300 idle connections",
        asked.elapsed()
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    idle.push(slow);
    let open = idle
        .iter_mut()
        .map(|stream| closed_by_server(stream, deadline))
        .filter(|closed| !closed)
        .count();
    assert_eq!(open, 0, "idle connections still open after 10 s");

    // The idle timeout has passed: the event stream still carries the next reload.
    let path = site.path("content/projets/fiche-b.md");
    let text = std::fs::read_to_string(&path).unwrap();
    site.write(
        "content/projets/fiche-b.md",
        &text.replace("Une autre fiche.", "Toujours là."),
    );
    events
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut line = String::new();
    let mut reloaded = false;
    while Instant::now() < deadline && !reloaded {
        line.clear();
        match events.read_line(&mut line) {
            Ok(0) => panic!("the event stream was closed"),
            Ok(_) => reloaded = line.trim() == "event: reload",
            Err(_) => {}
        }
    }
    assert!(reloaded, "no reload event on the event stream");
}

/// The peak resident memory of process `pid` so far (`VmHWM`), in bytes: a file read whole
/// and freed at once still shows in it.
fn peak_resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap()
        .to_string();
    let kilobytes: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kilobytes * 1024
}

/// Sends a request and reads the answer's head and at most `limit` bytes of body.
fn head_and_body(address: &str, request: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{request}\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    (
        String::from_utf8_lossy(&response[..end]).to_lowercase(),
        response[end + 4..].to_vec(),
    )
}

#[test]
fn a_head_or_a_range_on_a_two_gigabyte_file_does_not_load_it() {
    let site = TestSite::new("basic");
    let size: u64 = 2 * 1024 * 1024 * 1024;
    // Sparse: costs no disk.
    std::fs::File::create(site.path("static/gros.bin"))
        .unwrap()
        .set_len(size)
        .unwrap();
    let server = start(&site);
    let pid = server.0.id();
    assert_eq!(get(&server.1, "/").unwrap(), 200);
    let before = peak_resident_bytes(pid);

    let (head, body) = head_and_body(&server.1, "HEAD /gros.bin HTTP/1.1");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains(&format!("content-length: {size}")), "{head}");
    assert!(body.is_empty());

    let (head, body) = head_and_body(
        &server.1,
        &format!("GET /gros.bin HTTP/1.1\r\nRange: bytes={}-", size - 10),
    );
    assert!(head.starts_with("http/1.1 206"), "{head}");
    assert_eq!(body, vec![0u8; 10]);

    // A whole GET is streamed: read its first mebibyte, then leave.
    let mut stream = TcpStream::connect(&server.1).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /gros.bin HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.1
    )
    .unwrap();
    let mut first = vec![0u8; 1024 * 1024];
    stream.read_exact(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..12]).starts_with("HTTP/1.1 200"));
    drop(stream);
    assert_eq!(get(&server.1, "/").unwrap(), 200);

    let grown = peak_resident_bytes(pid).saturating_sub(before);
    eprintln!(
        "peak resident memory: {} KiB before, grew by {} KiB",
        before / 1024,
        grown / 1024
    );
    assert!(
        grown < 64 * 1024 * 1024,
        "the server's peak memory grew by {} MiB",
        grown / 1024 / 1024
    );
}
