//! The dashboard's HTTP/1.1 transport: std's `TcpListener`, `httparse` for the request head,
//! a thread per connection (at most [`MAX_CONNECTIONS`] at once) and one request per
//! connection (every answer says `Connection: close`). Everything a client controls is
//! bounded: the whole request must arrive within [`REQUEST_DEADLINE`], its head is at most
//! [`MAX_HEAD`] bytes, a body needs a `Content-Length` of at most the server's limit (checked
//! before any of it is read; chunked bodies are refused), and a client that does not read its
//! answer is dropped after [`WRITE_TIMEOUT`]. A slow or idle client so holds one thread, for a
//! bounded time, and never another client's.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Connections served at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 64;
/// Time from a connection's start to the end of its request (head and body).
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// Time a client may take to read (part of) its answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request head (request line and headers).
pub const MAX_HEAD: usize = 16 << 10;
const MAX_HEADERS: usize = 64;

/// A request, read whole.
pub struct Request {
    /// `GET`, `HEAD`, `POST`, ...
    pub method: String,
    /// The path, without its query.
    pub path: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }
}

/// An answer. A `HEAD` request gets its head only (with the body's length).
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Cow<'static, [u8]>,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl Response {
    pub fn new(
        status: u16,
        content_type: &'static str,
        body: impl Into<Cow<'static, [u8]>>,
    ) -> Self {
        Response {
            status,
            content_type,
            body: body.into(),
            allow: None,
        }
    }

    pub fn json(status: u16, value: &Value) -> Self {
        Response::new(status, "application/json", value.to_string().into_bytes())
    }

    /// `{"error": message}`: every refusal, of the transport or of the dashboard.
    pub fn error(status: u16, message: impl std::fmt::Display) -> Self {
        Response::json(status, &json!({ "error": message.to_string() }))
    }
}

/// The connection a request came on, while its answer is computed.
pub struct Client<'a>(&'a TcpStream);

impl Client<'_> {
    /// Whether the client has gone: it closed (or reset) the connection, so it will not read
    /// the answer. A connection carries one request, so once that is read the client has
    /// nothing more to send: end of stream means it left. (A client that half-closes its side
    /// after the request looks gone too; browsers and the usual tools do not.)
    pub fn gone(&self) -> bool {
        if self.0.set_nonblocking(true).is_err() {
            return false;
        }
        let peeked = self.0.peek(&mut [0u8; 1]);
        let _ = self.0.set_nonblocking(false);
        match peeked {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ),
        }
    }
}

/// Serves `listener` until it fails: every request goes to `handle` on its connection's
/// thread. Bodies larger than `max_body` bytes are refused with a 413.
pub fn serve<H>(listener: TcpListener, max_body: usize, handle: H) -> Result<(), String>
where
    H: Fn(&Request, &Client) -> Response + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let mut stream = match stream {
            Ok(s) => s,
            // Out of file descriptors, or a connection reset before it was accepted.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let busy = format!("busy: {MAX_CONNECTIONS} connections are open; try again");
            let _ = write_response(&mut stream, &Response::error(503, busy), false);
            continue;
        }
        let slot = Slot(Arc::clone(&open));
        let handle = Arc::clone(&handle);
        // When no thread can be made, the closure (the connection and its slot) is dropped.
        let _ = std::thread::Builder::new()
            .name("lif-sim serve".into())
            .spawn(move || {
                let _slot = slot;
                connection(stream, max_body, &*handle);
            });
    }
    Err("the listener stopped".into())
}

/// One open connection, counted in `serve`'s `open` until dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn connection<H>(mut stream: TcpStream, max_body: usize, handle: &H)
where
    H: Fn(&Request, &Client) -> Response,
{
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let (response, head_only) = match read_request(&mut stream, max_body) {
        Ok(request) => {
            let response = catch_unwind(AssertUnwindSafe(|| handle(&request, &Client(&stream))))
                .unwrap_or_else(|_| Response::error(500, "internal error (see the server's log)"));
            (response, request.method == "HEAD")
        }
        Err(Some(response)) => (response, false),
        // Closed, or idle to the deadline, before sending anything: nothing to answer.
        Err(None) => return,
    };
    if write_response(&mut stream, &response, head_only).is_ok() {
        linger(&mut stream);
    }
}

/// Reads one request; `Err(Some(answer))` for a request that is refused before it is handled,
/// `Err(None)` when the client sent nothing or left.
fn read_request(stream: &mut TcpStream, max_body: usize) -> Result<Request, Option<Response>> {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let late = || {
        let s = REQUEST_DEADLINE.as_secs();
        Some(Response::error(
            408,
            format!("request: not received within {s} s"),
        ))
    };
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_len, mut request) = loop {
        if !buf.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut head = httparse::Request::new(&mut headers);
            match head.parse(&buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let path = head.path.unwrap_or("/");
                    let request = Request {
                        method: head.method.unwrap_or("").to_owned(),
                        path: path.split(['?', '#']).next().unwrap_or("").to_owned(),
                        headers: head
                            .headers
                            .iter()
                            .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into()))
                            .collect(),
                        body: Vec::new(),
                    };
                    break (n, request);
                }
                Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
                Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                    let msg = format!(
                        "request: head larger than {MAX_HEAD} bytes or {MAX_HEADERS} headers"
                    );
                    return Err(Some(Response::error(431, msg)));
                }
                Err(e) => return Err(Some(Response::error(400, format!("request: {e}")))),
            }
        }
        match read_until(stream, deadline, &mut chunk) {
            Ok(0) => return Err(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if timed_out(&e) && !buf.is_empty() => return Err(late()),
            Err(_) => return Err(None),
        }
    };

    if request.header("transfer-encoding").next().is_some() {
        let msg = "request: send the body with a Content-Length (chunked bodies are not read)";
        return Err(Some(Response::error(411, msg)));
    }
    let lengths: Vec<&str> = request.header("content-length").collect();
    let length = match lengths[..] {
        [] => 0,
        [v] => v.parse::<u64>().map_err(|_| {
            Some(Response::error(
                400,
                format!("Content-Length: {v:?} is not a length"),
            ))
        })?,
        _ => {
            let msg = "Content-Length: given more than once";
            return Err(Some(Response::error(400, msg)));
        }
    };
    if length > max_body as u64 {
        let msg = format!("request: larger than {max_body} bytes (Content-Length: {length})");
        return Err(Some(Response::error(413, msg)));
    }
    let length = length as usize;
    let mut body = buf.split_off(head_len);
    body.truncate(length);
    if body.len() < length
        && request
            .header("expect")
            .any(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| None)?;
    }
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        match read_until(stream, deadline, &mut chunk[..want]) {
            Ok(0) => return Err(None),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if timed_out(&e) => return Err(late()),
            Err(_) => return Err(None),
        }
    }
    request.body = body;
    Ok(request)
}

/// One read, failing with `TimedOut` (or `WouldBlock`) at `deadline`.
fn read_until(stream: &mut TcpStream, deadline: Instant, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

fn write_response(stream: &mut TcpStream, r: &Response, head_only: bool) -> io::Result<()> {
    let reason = match r.status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        499 => "Client Closed Request",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        r.status,
        r.content_type,
        r.body.len()
    );
    if let Some(allow) = r.allow {
        head.push_str(&format!("Allow: {allow}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&r.body)?;
    }
    stream.flush()
}

/// Closes after an answer: ends the sending side, then reads (and drops) what the client
/// still sends, for a short while, before closing. Closing with unread input would reset the
/// connection, and a client may then lose the answer (a 413 sent before its body was read).
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 4096];
    let mut left = 1usize << 20;
    while left > 0 {
        match read_until(stream, deadline, &mut sink) {
            Ok(n) if n > 0 => left = left.saturating_sub(n),
            _ => break,
        }
    }
}
