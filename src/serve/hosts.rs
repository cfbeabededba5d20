//! Which `Host` header values the preview answers.
//!
//! A page of another site can make the browser send requests to the preview through DNS
//! rebinding (its name resolves to 127.0.0.1 once the page is loaded), and read the drafts:
//! such requests carry the other site's name in `Host`. So the preview answers only for
//! `localhost`, loopback addresses, the address it is bound to (any address when bound to all
//! interfaces: an address in `Host` is never a rebinding) and the names given with `--host`.
//! Everything else gets 403.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

/// The host names and addresses the preview answers for.
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts {
    bound: IpAddr,
    names: Vec<String>,
}

/// The host of a `Host` header value: without its port and brackets, lower case, without a
/// final dot; `None` when the value is not a host with an optional numeric port.
fn host_of(value: &str) -> Option<String> {
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        inside.parse::<std::net::Ipv6Addr>().ok()?;
        (inside, after)
    } else {
        match value.rsplit_once(':') {
            Some((host, _)) => (host, value.get(host.len()..).unwrap_or("")),
            None => (value, ""),
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host = host.strip_suffix('.').unwrap_or(host);
    let bracketed = value.starts_with('[');
    let valid = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') || (bracketed && b == b':')
        });
    (port_ok && valid).then(|| host.to_ascii_lowercase())
}

impl AllowedHosts {
    /// The hosts of a server bound to `bound`, plus `names` (given with `--host`, a port or a
    /// final dot allowed).
    pub(crate) fn new(bound: IpAddr, names: &[String]) -> Self {
        let names = names
            .iter()
            .map(|name| host_of(name.trim()).unwrap_or_else(|| name.to_ascii_lowercase()))
            .collect();
        Self { bound, names }
    }

    /// Whether a request with this `Host` header is answered.
    pub(crate) fn allows(&self, value: Option<&HeaderValue>) -> bool {
        let Some(host) = value
            .and_then(|v| v.to_str().ok())
            .and_then(|v| host_of(v.trim()))
        else {
            return false;
        };
        if host == "localhost" || self.names.contains(&host) {
            return true;
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip == self.bound || self.bound.is_unspecified(),
            Err(_) => false,
        }
    }
}

/// Whether a `Host` header value names this machine's loopback (`localhost`, `127.0.0.1`,
/// `[::1]`, with any port): the only hosts the form's backend writes for.
pub(crate) fn is_loopback(value: &str) -> bool {
    match host_of(value.trim()) {
        Some(host) if host == "localhost" => true,
        Some(host) => host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// The answer to a request for another host.
pub(crate) fn refusal() -> Response {
    let mut response = Response::new(Body::from(
        "Nom d'hôte refusé : l'aperçu ne répond qu'à localhost, à son adresse et aux noms donnés avec --host (guide serve --host NOM).\n",
    ));
    *response.status_mut() = StatusCode::FORBIDDEN;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(hosts: &AllowedHosts, value: &str) -> bool {
        hosts.allows(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn loopback_names_the_bound_address_and_given_names_are_allowed() {
        let hosts = AllowedHosts::new(
            "192.168.1.5".parse().unwrap(),
            &[
                "Apercu.Local:8080".to_string(),
                "tunnel.example.".to_string(),
            ],
        );
        for good in [
            "localhost",
            "LOCALHOST:1111",
            "localhost.",
            "localhost.:1111",
            "127.0.0.1",
            "127.0.0.1:1111",
            "127.1.2.3",
            "[::1]",
            "[::1]:1111",
            "192.168.1.5:1111",
            "apercu.local",
            "APERCU.LOCAL:1",
            "tunnel.example",
        ] {
            assert!(allows(&hosts, good), "{good}");
        }
        for bad in [
            "",
            "evil.example",
            "localhost.evil.example",
            "evil.localhost",
            "127.0.0.1.nip.io",
            "192.168.1.6",
            "localhost:",
            "localhost:abc",
            "localhost:1111@evil.example",
            "[::1]evil",
            "[::1",
            "::1",
            "local host",
            "apercu.local.evil.example",
        ] {
            assert!(!allows(&hosts, bad), "{bad}");
        }
        assert!(!hosts.allows(None));
    }

    #[test]
    fn any_address_is_allowed_when_bound_to_every_interface() {
        let hosts = AllowedHosts::new("0.0.0.0".parse().unwrap(), &[]);
        assert!(allows(&hosts, "192.168.1.20:1111"));
        assert!(!allows(&hosts, "machine.local"));
    }
}
