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
    let mut child = Command::cargo_bin("guide")
        .unwrap()
        .args(["serve", "--port", "0", "--root"])
        .arg(site.root())
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
    std::thread::sleep(Duration::from_millis(300));
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
    std::thread::sleep(Duration::from_secs(1));
    let after = open_descriptors(pid);
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
