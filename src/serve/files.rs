//! Answers for files: from memory (rendered) or streamed from disk (copied as is), with
//! `Range` honoured so that a video or a PDF can seek, and `HEAD` answered from the size alone.
//! A file on disk is never read whole: its bytes go out in chunks as the client takes them.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Where a served file's bytes are.
pub(super) enum Source {
    /// Rendered by the build.
    Memory(Arc<Vec<u8>>),
    /// Copied as is from this file.
    Disk(PathBuf),
}

/// The bytes of a rendered file, shared with the snapshot rather than copied.
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ask {
    /// The whole file (no range, or one we do not handle: several ranges, a bad syntax).
    Whole,
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that starts past the end: 416.
    Unsatisfiable,
}

/// Reads a `Range` header value (`bytes=0-9`, `bytes=90-`, `bytes=-5`).
pub(super) fn parse_range(value: Option<&str>, len: u64) -> Ask {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ask::Whole;
    };
    if spec.contains(',') {
        return Ask::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ask::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                Ask::Unsatisfiable
            } else {
                Ask::Part {
                    start: len - suffix.min(len),
                    end: len - 1,
                }
            }
        }
        (false, Some(start), end) if last.trim().is_empty() || end.is_some() => {
            if end.is_some_and(|end| end < start) {
                Ask::Whole
            } else if start >= len {
                Ask::Unsatisfiable
            } else {
                Ask::Part {
                    start,
                    end: end.map_or(len - 1, |end| end.min(len - 1)),
                }
            }
        }
        _ => Ask::Whole,
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Files up to this size are read in one go; larger ones are streamed in chunks.
const READ_WHOLE: u64 = 256 * 1024;

/// A source opened for answering: its length, and the file when it is on disk.
enum Opened {
    Memory(Arc<Vec<u8>>),
    Disk(std::fs::File),
}

/// Opens `source` (in one blocking step for a file on disk): its length and contents, or
/// `None` when it cannot be read as a file.
async fn open(source: Source) -> Option<(u64, Opened)> {
    match source {
        Source::Memory(bytes) => Some((bytes.len() as u64, Opened::Memory(bytes))),
        Source::Disk(path) => tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(&path).ok()?;
            let metadata = file.metadata().ok()?;
            metadata
                .is_file()
                .then_some((metadata.len(), Opened::Disk(file)))
        })
        .await
        .ok()
        .flatten(),
    }
}

/// The body of bytes `start..start + count` of an opened source: a small file is read at
/// once, a large one streamed.
async fn body(opened: Opened, start: u64, count: u64) -> std::io::Result<Body> {
    match opened {
        Opened::Memory(bytes) => {
            let (start, end) = (start as usize, (start + count) as usize);
            Ok(Body::from(
                Bytes::from_owner(Shared(bytes)).slice(start..end),
            ))
        }
        Opened::Disk(file) if count <= READ_WHOLE => {
            let bytes = tokio::task::spawn_blocking(move || {
                use std::io::{Read, Seek};
                let mut file = file;
                file.seek(std::io::SeekFrom::Start(start))?;
                let mut bytes = Vec::with_capacity(count as usize);
                file.take(count).read_to_end(&mut bytes)?;
                Ok::<_, std::io::Error>(bytes)
            })
            .await
            .map_err(std::io::Error::other)??;
            Ok(Body::from(bytes))
        }
        Opened::Disk(file) => {
            let mut file = tokio::fs::File::from_std(file);
            file.seek(std::io::SeekFrom::Start(start)).await?;
            let chunks = tokio_util::io::ReaderStream::with_capacity(file.take(count), 64 * 1024);
            Ok(Body::from_stream(chunks))
        }
    }
}

/// Answers a GET or HEAD for `source` with status `status` (200, or 404 for the site's 404
/// page): a range is honoured on 200 answers only.
pub(super) async fn respond(
    method: &Method,
    headers: &HeaderMap,
    status: StatusCode,
    mime: &str,
    source: Source,
) -> Response {
    let Some((len, opened)) = open(source).await else {
        return plain(StatusCode::NOT_FOUND, "Fichier illisible.");
    };
    let ask = if status != StatusCode::OK || headers.contains_key(header::IF_RANGE) {
        Ask::Whole
    } else {
        parse_range(
            headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
            len,
        )
    };
    let (status, start, count, content_range) = match ask {
        Ask::Whole => (status, 0, len, None),
        Ask::Part { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end - start + 1,
            Some(format!("bytes {start}-{end}/{len}")),
        ),
        Ask::Unsatisfiable => {
            let mut response = plain(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "La plage demandée dépasse la fin du fichier.",
            );
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return response;
        }
    };
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        match body(opened, start, count).await {
            Ok(body) => body,
            Err(_) => return plain(StatusCode::NOT_FOUND, "Fichier illisible."),
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(range) = content_range.and_then(|r| HeaderValue::from_str(&r).ok()) {
        headers.insert(header::CONTENT_RANGE, range);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_the_http_specification_says() {
        let part = |start, end| Ask::Part { start, end };
        let cases = [
            (Some("bytes=0-9"), part(0, 9)),
            (Some("bytes=90-"), part(90, 99)),
            (Some("bytes=-5"), part(95, 99)),
            (Some("bytes=-500"), part(0, 99)),
            (Some("bytes=95-500"), part(95, 99)),
            (Some("bytes=99-99"), part(99, 99)),
            (Some("bytes=100-"), Ask::Unsatisfiable),
            (Some("bytes=200-300"), Ask::Unsatisfiable),
            (Some("bytes=-0"), Ask::Unsatisfiable),
            (None, Ask::Whole),
            (Some("bytes=0-1,5-6"), Ask::Whole),
            (Some("bytes=9-0"), Ask::Whole),
            (Some("bytes=a-b"), Ask::Whole),
            (Some("bytes=-"), Ask::Whole),
            (Some("octets=0-9"), Ask::Whole),
            (Some("bytes=+1-2"), Ask::Whole),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_range(value, 100), expected, "{value:?}");
        }
        assert_eq!(parse_range(Some("bytes=-5"), 0), Ask::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-"), 0), Ask::Unsatisfiable);
    }
}
