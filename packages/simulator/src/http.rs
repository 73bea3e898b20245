//! A small HTTP/1.1 client for the relayer's `POST /v1/batches` (hyper's connection API over
//! plain TCP: the simulator targets a local relayer). Connections are kept alive and shared
//! through a pool, one request per connection at a time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use diachain_relayer_types::REPLAY_HEADER;

use super::SimError;

/// The relayer's answer to one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
    /// `idempotent-replayed: true`: the relayer held this batch already.
    pub replayed: bool,
    pub latency: Duration,
}

/// A relayer at `http://host:port` and a pool of idle connections to it.
pub struct RelayerClient {
    addr: SocketAddr,
    authority: String,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

impl RelayerClient {
    /// Resolves `url` (`http://host:port`, no path); nothing is connected yet.
    pub async fn new(url: &str) -> Result<Self, SimError> {
        let authority = url
            .strip_prefix("http://")
            .ok_or_else(|| SimError::Invalid(format!("--relayer {url}: only http:// URLs")))?
            .trim_end_matches('/')
            .to_string();
        let addr = tokio::net::lookup_host(&authority)
            .await
            .map_err(|source| SimError::Connect {
                addr: authority.clone(),
                source,
            })?
            .next()
            .ok_or_else(|| SimError::Connect {
                addr: authority.clone(),
                source: std::io::Error::other("no address"),
            })?;
        Ok(RelayerClient {
            addr,
            authority,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// POSTs `body` to `path`; the latency is from sending to the whole answer.
    pub async fn post(&self, path: &str, body: Bytes) -> Result<Answer, SimError> {
        let mut sender = match self.idle.lock().await.pop() {
            Some(s) if !s.is_closed() => s,
            _ => self.connect().await?,
        };
        let request = hyper::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", &self.authority)
            .header("content-type", "application/json")
            .body(Full::new(body))?;
        let started = Instant::now();
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let replayed = response
            .headers()
            .get(REPLAY_HEADER)
            .is_some_and(|v| v.as_bytes() == b"true");
        let body = response.into_body().collect().await?.to_bytes();
        let latency = started.elapsed();
        self.idle.lock().await.push(sender);
        Ok(Answer {
            status,
            body,
            replayed,
            latency,
        })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, SimError> {
        let err = |source| SimError::Connect {
            addr: self.addr.to_string(),
            source,
        };
        let stream = TcpStream::connect(self.addr).await.map_err(err)?;
        stream.set_nodelay(true).map_err(err)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }
}
