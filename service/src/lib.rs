//! `wangjian serve`: the SQL service of service.md over the PostgreSQL wire
//! (datafusion-postgres and its pgwire). Every connection gets its own
//! DataFusion session with a memory pool, SCRAM-SHA-256 authentication
//! against the users file, read-only SQL, the lake's published state
//! re-pinned before each statement, a statement timeout, a connection
//! limit, streamed results and an audit line per statement.

pub mod audit;
mod catalog;
mod http;
mod pg;
mod readonly;
pub mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use datafusion_postgres::pgwire;
use pgwire::tokio::tokio_rustls::rustls;
use pgwire::tokio::TlsAcceptor;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use wangjian_lake::Lake;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Users(String),
    #[error("{0}")]
    Setup(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Query(#[from] wangjian_queries::QueryError),
    #[error(transparent)]
    Lake(#[from] wangjian_lake::LakeError),
}

/// The service's settings (cli.md `serve`).
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub pg: SocketAddr,
    pub http: SocketAddr,
    /// The release folder served under `/releases/`.
    pub releases: PathBuf,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Bytes of memory each connection's queries may use before spilling.
    pub query_memory: usize,
    pub statement_timeout: Duration,
    pub max_connections: usize,
    pub audit_log: Option<PathBuf>,
    pub no_auth: bool,
    pub users_file: PathBuf,
}

pub use wangjian_queries::parse_size;

fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<TlsAcceptor, ServiceError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            ServiceError::Tls(format!(
                "cannot load the certificate {}: {e}",
                cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(ServiceError::Tls(format!(
            "{} holds no certificate",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServiceError::Tls(format!("cannot load the key {}: {e}", key.display())))?;
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServiceError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A bound, ready service: its address, and `run` to serve until a signal.
pub struct Server {
    listener: TcpListener,
    http: TcpListener,
    web: Arc<http::Http>,
    tls: Option<TlsAcceptor>,
    shared: Arc<pg::Shared>,
}

impl Server {
    /// Checks everything that can stop the start (TLS files, `--no-auth`
    /// off loopback, the users file, the lake) and binds the port.
    pub async fn bind(lake: Lake, opts: ServeOptions) -> Result<Server, ServiceError> {
        if opts.no_auth && !opts.pg.ip().is_loopback() {
            return Err(ServiceError::Setup(format!(
                "--no-auth works only on a loopback address, not {}",
                opts.pg
            )));
        }
        if !opts.no_auth {
            users::Users::load(&opts.users_file)?;
        }
        let tls = match &opts.tls {
            Some((c, k)) => Some(tls_acceptor(c, k)?),
            None => None,
        };
        // The lake must open (and a session be made) before we say "ready".
        wangjian_queries::open_session(&lake).await?;
        let audit = Arc::new(match &opts.audit_log {
            Some(p) => audit::Audit::file(p).map_err(|e| ServiceError::Io {
                what: format!("cannot open the audit log {}", p.display()),
                source: e,
            })?,
            None => audit::Audit::stderr(),
        });
        let listener = TcpListener::bind(opts.pg)
            .await
            .map_err(|e| ServiceError::Io {
                what: format!("cannot listen on {}", opts.pg),
                source: e,
            })?;
        let http = TcpListener::bind(opts.http)
            .await
            .map_err(|e| ServiceError::Io {
                what: format!("cannot listen on {}", opts.http),
                source: e,
            })?;
        let web = Arc::new(
            http::Http::new(
                lake.clone(),
                opts.releases.clone(),
                opts.users_file.clone(),
                !opts.no_auth && !opts.http.ip().is_loopback(),
            )
            .map_err(|e| ServiceError::Io {
                what: "cannot make a scratch folder for dashboards".into(),
                source: e,
            })?,
        );
        if opts.no_auth && !opts.http.ip().is_loopback() {
            return Err(ServiceError::Setup(format!(
                "--no-auth works only on loopback addresses, not {}",
                opts.http
            )));
        }
        Ok(Server {
            listener,
            http,
            web,
            tls,
            shared: Arc::new(pg::Shared { lake, opts, audit }),
        })
    }

    /// The PostgreSQL port's address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The HTTP port's address.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.local_addr().ok()
    }

    /// Warnings to print at start.
    pub fn warnings(&self) -> Vec<String> {
        let o = &self.shared.opts;
        let mut w = Vec::new();
        if o.no_auth {
            w.push(format!(
                "--no-auth: anyone who can reach {} may query without a password",
                o.pg
            ));
        }
        if o.tls.is_none() && !o.pg.ip().is_loopback() {
            w.push(format!(
                "{} is not a loopback address and TLS is off: passwords are protected by SCRAM, but results travel in clear (use --tls-cert/--tls-key)",
                o.pg
            ));
        }
        w
    }

    /// Serves until `stop` resolves; then stops accepting and lets running
    /// connections finish for up to 30 s.
    pub async fn run(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServiceError> {
        let limit = Arc::new(Semaphore::new(self.shared.opts.max_connections));
        let mut tasks = tokio::task::JoinSet::new();
        let (stopping, mut stopped) = tokio::sync::watch::channel(false);
        let web = tokio::spawn(http::serve(self.http, self.web.clone(), async move {
            let _ = stopped.changed().await;
        }));
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                accepted = self.listener.accept() => {
                    let (socket, addr) = match accepted {
                        Ok(x) => x,
                        Err(e) => {
                            tracing::warn!("accept: {e}");
                            continue;
                        }
                    };
                    let permit = limit.clone().try_acquire_owned().ok();
                    let shared = self.shared.clone();
                    let tls = self.tls.clone();
                    tasks.spawn(async move {
                        let session = Arc::new(pg::Session::new(shared.clone()));
                        let startup = pg::startup(&shared.opts, &shared.opts.users_file);
                        let require_tls = tls.is_some();
                        let handlers = Arc::new(pg::Connection {
                            session,
                            startup: Arc::new(pg::Gate::new(startup, permit, require_tls)),
                        });
                        if let Err(e) = pgwire::tokio::process_socket(socket, tls, handlers).await {
                            tracing::debug!("connection from {addr}: {e}");
                        }
                    });
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        drop(self.listener);
        let _ = stopping.send(true);
        let grace = tokio::time::sleep(Duration::from_secs(30));
        tokio::pin!(grace);
        while !tasks.is_empty() {
            tokio::select! {
                _ = &mut grace => {
                    tasks.abort_all();
                    break;
                }
                _ = tasks.join_next() => {}
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), web).await;
        Ok(())
    }
}
