//! The fast local server: a minimal HTTP/1.1 responder on 127.0.0.1 written on
//! tokio alone, so what the bench measures is the client side.
//!
//! `POST /login` answers 200 `{"token":"abc","status":"ok"}`; anything else 404.
//! Connections are kept alive and pipelined requests are answered in order. It
//! allocates per connection, never per request, so it neither slows down nor grows
//! over a long run (unlike wiremock, which records every request it receives).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The body of every successful login.
pub const LOGIN_BODY: &str = r#"{"token":"abc","status":"ok"}"#;

/// Largest request head accepted; a longer one closes the connection.
const MAX_HEAD: usize = 16 * 1024;

/// Largest request body accepted; a longer one closes the connection.
const MAX_BODY: usize = 1024 * 1024;

/// A server running on a thread of its own, with a current-thread runtime.
pub struct ThreadServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Requests answered so far.
    pub requests: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ThreadServer {
    /// Binds 127.0.0.1 on a free port and serves on a new thread.
    pub fn start() -> io::Result<Self> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let requests = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = oneshot::channel();
        let counter = Arc::clone(&requests);
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(std_listener)?;
                    serve(listener, counter, stopped).await;
                    Ok(())
                })
            })?;
        Ok(Self {
            addr,
            requests,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops accepting, drops every connection and joins the thread.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            // The receiver is gone only if the thread already ended.
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for ThreadServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// A server spawned onto the caller's runtime (the same thread, on a
/// current-thread runtime). Must be created inside that runtime.
pub struct TaskServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TaskServer {
    /// Binds 127.0.0.1 on a free port and spawns the accept loop.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let requests = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(serve(listener, requests, stopped));
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Stops accepting and waits for the accept loop to end. Open connections end
    /// when their client closes them or the runtime shuts down.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// Accepts connections until `stopped` fires; each connection is a task.
async fn serve(listener: TcpListener, requests: Arc<AtomicU64>, stopped: oneshot::Receiver<()>) {
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                // A failed accept (e.g. the client gave up) only loses that connection.
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(connection(stream, Arc::clone(&requests)));
                }
            }
        }
    }
}

/// What one parsed request asks for.
struct Parsed {
    /// Bytes of the buffer the request took (head and body).
    len: usize,
    /// `POST /login`.
    login: bool,
    /// The client asked to close after the response.
    close: bool,
}

/// Serves one keep-alive connection until the client closes it.
async fn connection(mut stream: TcpStream, requests: Arc<AtomicU64>) {
    // Small responses must not wait for Nagle.
    if stream.set_nodelay(true).is_err() {
        return;
    }
    let ok = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{LOGIN_BODY}",
        LOGIN_BODY.len()
    );
    let not_found = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut out: Vec<u8> = Vec::with_capacity(4 * 1024);
    loop {
        let mut close = false;
        let mut consumed = 0;
        while let Some(parsed) = parse(&buf[consumed..]) {
            let Some(parsed) = parsed else {
                return; // malformed or oversized: drop the connection
            };
            requests.fetch_add(1, Ordering::Relaxed);
            let response = if parsed.login { ok.as_str() } else { not_found };
            out.extend_from_slice(response.as_bytes());
            consumed += parsed.len;
            if parsed.close {
                close = true;
                break;
            }
        }
        buf.drain(..consumed);
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if close {
            return;
        }
        if buf.capacity() - buf.len() < 1024 {
            buf.reserve(8 * 1024);
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Parses one request at the start of `buf`: `None` when more bytes are needed,
/// `Some(None)` when the request is malformed or too large.
fn parse(buf: &[u8]) -> Option<Option<Parsed>> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        return (buf.len() > MAX_HEAD).then_some(None);
    };
    let Ok(head) = std::str::from_utf8(&buf[..head_end]) else {
        return Some(None);
    };
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default();
    let path = request_line.next().unwrap_or_default();
    let mut content_length = 0usize;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Some(None);
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            match value.parse() {
                Ok(n) if n <= MAX_BODY => content_length = n,
                _ => return Some(None),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Some(None); // chunked bodies are not needed by this bench
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let len = head_end + 4 + content_length;
    if buf.len() < len {
        return None;
    }
    Some(Some(Parsed {
        len,
        login: method == "POST" && path == "/login",
        close,
    }))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
