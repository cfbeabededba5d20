//! The accept loop of the preview: one hyper HTTP/1 connection per client, with a time limit
//! on reading a request's head. A client that connects and sends nothing, sends its head too
//! slowly, or keeps an idle connection open between requests, is closed after
//! [`idle_timeout`], so idle clients cannot use up the server's descriptors. A response being
//! written (the event stream of live reload included) is not subject to it.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::hosts::AllowedHosts;

/// How long a connection may wait for a request's head, by default.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The variable that sets the idle timeout in milliseconds (for the tests).
const IDLE_TIMEOUT_VARIABLE: &str = "GUIDE_SERVE_IDLE_TIMEOUT_MS";

/// How long the server waits for open connections to finish when it stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The idle timeout: [`IDLE_TIMEOUT`], or `GUIDE_SERVE_IDLE_TIMEOUT_MS` when set.
pub(super) fn idle_timeout() -> Duration {
    std::env::var(IDLE_TIMEOUT_VARIABLE)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map_or(IDLE_TIMEOUT, Duration::from_millis)
}

/// Raises the limit of open files to the most allowed, so that many clients at once do not
/// exhaust the descriptors (the default soft limit is 1 024 on Linux, 256 on macOS).
#[cfg(unix)]
pub(super) fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit to fill and setrlimit to read.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Nothing to raise where there is no rlimit.
#[cfg(not(unix))]
pub(super) fn raise_open_files_limit() {}

/// Serves `app` on `listener` until `shutdown` completes, then lets the open connections end
/// (for at most [`SHUTDOWN_GRACE`]).
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    hosts: Arc<AllowedHosts>,
    idle: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let connection = connection(stream, peer, app.clone(), Arc::clone(&hosts), idle, stopped.clone());
                    connections.spawn(connection);
                }
                // Out of descriptors, or a client gone before it was accepted: wait a little
                // rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
}

/// Serves one client's connection.
async fn connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    app: Router,
    hosts: Arc<AllowedHosts>,
    idle: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (app, hosts) = (app.clone(), Arc::clone(&hosts));
        async move {
            if !hosts.allows(request.headers().get(header::HOST)) {
                return Ok::<_, Infallible>(super::hosts::refusal());
            }
            // The client's address, for the form's backend (only this machine may write).
            let mut request = request.map(Body::new);
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            app.oneshot(request).await
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stopped.wait_for(|stop| *stop) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}
