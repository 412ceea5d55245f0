//! The PostgreSQL wire: one set of handlers per connection (its own
//! DataFusion session, its own SCRAM state), built on datafusion-postgres'
//! `DfSessionService` with wangjian's hooks and limits around it.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use datafusion::prelude::SessionContext;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::pgwire;
use datafusion_postgres::{DfSessionService, Parser, QueryHook};
use futures::{Sink, StreamExt};
use pgwire::api::auth::noop::NoopStartupHandler;
use pgwire::api::auth::sasl::scram::ScramAuth;
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, QueryResponse, Response};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::Type;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireServerHandlers};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tokio::sync::OwnedSemaphorePermit;
use wangjian_lake::Lake;

use crate::audit::{Audit, Entry};
use crate::readonly::ReadOnlyHook;
use crate::users::{self, Users, ITERATIONS};
use crate::ServeOptions;

pub fn user_error(severity: &str, code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        severity.to_string(),
        code.to_string(),
        message.into(),
    )))
}

/// The stored verifiers, read from the users file at each login (so that
/// `wangjian user add` takes effect without a restart). An unknown user gets
/// a verifier nobody knows the password of: the login fails exactly as a
/// wrong password does (28P01), saying nothing about which.
#[derive(Debug)]
pub struct UsersSource {
    pub path: std::path::PathBuf,
}

#[async_trait]
impl AuthSource for UsersSource {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let name = login.user().unwrap_or_default();
        let found = Users::load(&self.path)
            .map_err(|e| {
                tracing::error!("{e}");
                e
            })
            .ok()
            .and_then(|u| u.users.get(name).cloned())
            .filter(|v| v.iterations == ITERATIONS);
        let v = match found {
            Some(v) => v,
            None => users::Verifier::new(&hex::encode(rand_bytes()))
                .map_err(|e| PgWireError::ApiError(Box::new(e)))?,
        };
        Ok(Password::new(Some(v.salt), v.salted_password))
    }
}

fn rand_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    let _ = std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").expect("/dev/urandom"),
        &mut b,
    );
    b
}

/// Startup without authentication (`--no-auth`, loopback only).
pub struct NoAuth;

impl NoopStartupHandler for NoAuth {}

/// Refuses a connection before authentication when the server is full
/// (53300) or when TLS is required and the client connected in plaintext
/// (28000); otherwise hands over to the authenticating handler.
pub struct Gate<S> {
    inner: S,
    /// The connection's place under `--max-connections`, held while the
    /// connection lives (none when the limit was reached).
    _permit: Option<OwnedSemaphorePermit>,
    pub full: bool,
    pub require_tls: bool,
}

#[async_trait]
impl<S: StartupHandler> StartupHandler for Gate<S> {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if self.full {
            return Err(user_error(
                "FATAL",
                "53300",
                "sorry, too many clients already (--max-connections)",
            ));
        }
        if self.require_tls && !client.is_secure() {
            return Err(user_error(
                "FATAL",
                "28000",
                "this server accepts TLS connections only (use sslmode=require)",
            ));
        }
        self.inner.on_startup(client, message).await
    }
}

/// What every connection shares.
pub struct Shared {
    pub lake: Lake,
    pub opts: ServeOptions,
    pub audit: Arc<Audit>,
}

/// A connection's session pinned to one published lake state, moved to the
/// newest before each statement is planned.
pub struct Pin {
    ctx: Arc<SessionContext>,
    pinned: Mutex<u64>,
    shared: Arc<Shared>,
}

impl Pin {
    /// Re-registers the lake's tables when a run has published since the
    /// last statement: the next statement reads the new state, whole.
    async fn refresh(&self) -> PgWireResult<()> {
        let cat = self
            .shared
            .lake
            .catalog()
            .map_err(|e| PgWireError::ApiError(Box::new(e)))?;
        let pinned = *self.pinned.lock().unwrap_or_else(|p| p.into_inner());
        if cat.lake_version != pinned {
            wangjian_lake::register_catalog(&self.shared.lake, &cat, &self.ctx)
                .await
                .map_err(|e| PgWireError::ApiError(Box::new(e)))?;
            *self.pinned.lock().unwrap_or_else(|p| p.into_inner()) = cat.lake_version;
        }
        Ok(())
    }
}

/// What a connection needs to answer queries, made on its first statement
/// (after login, so an unauthenticated client costs no session).
pub struct Ready {
    inner: Arc<DfSessionService>,
    parser: Arc<Parser>,
    pin: Arc<Pin>,
}

impl Ready {
    async fn make(shared: Arc<Shared>) -> Result<Ready, crate::ServiceError> {
        let ctx = wangjian_queries::new_session_with_memory(shared.opts.query_memory)?;
        let cat = shared.lake.catalog()?;
        wangjian_lake::register_catalog(&shared.lake, &cat, &ctx).await?;
        crate::catalog::install(&ctx).await?;
        let ctx = Arc::new(ctx);
        let hooks: Vec<Arc<dyn QueryHook>> = vec![
            Arc::new(ReadOnlyHook),
            Arc::new(CursorStatementHook),
            Arc::new(SetShowHook),
            Arc::new(TransactionStatementHook),
        ];
        let inner = Arc::new(DfSessionService::new_with_hooks(ctx.clone(), hooks));
        Ok(Ready {
            parser: inner.query_parser(),
            inner,
            pin: Arc::new(Pin {
                ctx,
                pinned: Mutex::new(cat.lake_version),
                shared,
            }),
        })
    }
}

/// A connection's `Ready`, made once, on demand.
pub struct Lazy {
    cell: tokio::sync::OnceCell<Ready>,
    shared: Arc<Shared>,
}

impl Lazy {
    async fn get(&self) -> PgWireResult<&Ready> {
        self.cell
            .get_or_try_init(|| Ready::make(self.shared.clone()))
            .await
            .map_err(|e| {
                tracing::error!("making a session: {e}");
                PgWireError::ApiError(Box::new(e))
            })
    }

    /// The parser of a connection that has already parsed a statement.
    fn parser(&self) -> PgWireResult<&Arc<Parser>> {
        self.cell
            .get()
            .map(|r| &r.parser)
            .ok_or_else(|| user_error("ERROR", "08P01", "no statement has been parsed"))
    }
}

/// The query side of one connection: its own session (made on the first
/// statement), re-pinned to the lake's published state before each statement
/// is planned.
pub struct Session {
    lazy: Arc<Lazy>,
    parser: Arc<GuardedParser>,
    shared: Arc<Shared>,
}

impl Session {
    pub fn new(shared: Arc<Shared>) -> Session {
        let lazy = Arc::new(Lazy {
            cell: tokio::sync::OnceCell::new(),
            shared: shared.clone(),
        });
        Session {
            parser: Arc::new(GuardedParser(lazy.clone())),
            lazy,
            shared,
        }
    }

    fn entry<C: ClientInfo>(&self, client: &C, statement: &str) -> Entry {
        Entry::new(
            self.shared.audit.clone(),
            client.metadata().get("user").cloned().unwrap_or_default(),
            client.socket_addr(),
            statement,
        )
    }

    /// The statement timeout: the server's, or the session's own
    /// `SET statement_timeout` when that is shorter.
    fn timeout<C: ClientInfo>(&self, client: &C) -> Duration {
        let own = client
            .metadata()
            .get("statement_timeout_ms")
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis);
        match own {
            Some(t) => t.min(self.shared.opts.statement_timeout),
            None => self.shared.opts.statement_timeout,
        }
    }
}

/// The error a client sees: memory exhaustion is 53200, the rest as
/// DataFusion said it.
pub fn map_error(e: PgWireError) -> PgWireError {
    let text = e.to_string();
    if text.contains("Resources exhausted") {
        user_error(
            "ERROR",
            "53200",
            format!("out of memory: the query needs more than the service's per-query memory (--query-memory): {text}"),
        )
    } else {
        e
    }
}

fn timed_out() -> PgWireError {
    user_error(
        "ERROR",
        "57014",
        "canceling statement due to statement timeout",
    )
}

/// The rows of `resp`, read under the statement's deadline, with errors
/// mapped, counted for the audit log.
fn guard(resp: QueryResponse, deadline: Instant, entry: Entry) -> QueryResponse {
    let command_tag = resp.command_tag.clone();
    let row_schema = resp.row_schema.clone();
    let data_rows = resp.data_rows;
    let rows = futures::stream::unfold(
        (data_rows, Some(entry)),
        move |(mut rows, mut entry)| async move {
            let e = entry.as_mut()?;
            let next = tokio::time::timeout_at(deadline.into(), rows.next()).await;
            match next {
                Ok(Some(Ok(row))) => {
                    e.rows += 1;
                    Some((Ok(row), (rows, entry)))
                }
                Ok(Some(Err(err))) => {
                    let err = map_error(err);
                    entry.take()?.finish(&format!("error: {err}"));
                    Some((Err(err), (rows, None)))
                }
                Ok(None) => {
                    entry.take()?.finish("ok");
                    None
                }
                Err(_) => {
                    entry.take()?.finish("timeout");
                    Some((Err(timed_out()), (rows, None)))
                }
            }
        },
    );
    let mut out = QueryResponse::new(row_schema, rows);
    out.set_command_tag(&command_tag);
    out
}

/// Runs `work` under the deadline, then guards the rows of its responses;
/// a statement without rows is logged at once.
async fn run_guarded<F>(timeout: Duration, entry: Entry, work: F) -> PgWireResult<Vec<Response>>
where
    F: std::future::Future<Output = PgWireResult<Vec<Response>>>,
{
    let deadline = Instant::now() + timeout;
    let result = match tokio::time::timeout_at(deadline.into(), work).await {
        Ok(r) => r.map_err(map_error),
        Err(_) => Err(timed_out()),
    };
    let mut responses = match result {
        Ok(r) => r,
        Err(e) => {
            entry.finish(&format!("error: {e}"));
            return Err(e);
        }
    };
    let last_query = responses
        .iter()
        .rposition(|r| matches!(r, Response::Query(_)));
    let mut entry = Some(entry);
    for (i, r) in responses.iter_mut().enumerate() {
        if Some(i) == last_query {
            if let Response::Query(q) = std::mem::replace(r, Response::EmptyQuery) {
                *r = Response::Query(guard(q, deadline, entry.take().expect("one entry")));
            }
        }
    }
    if let Some(e) = entry {
        e.finish("ok");
    }
    Ok(responses)
}

#[async_trait]
impl SimpleQueryHandler for Session {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let entry = self.entry(client, query);
        if let Err(e) = crate::readonly::check_text(query) {
            entry.finish(&format!("error: {e}"));
            return Err(e);
        }
        let ready = self.lazy.get().await?;
        ready.pin.refresh().await?;
        let inner = ready.inner.clone();
        let timeout = self.timeout(client);
        run_guarded(timeout, entry, async move {
            SimpleQueryHandler::do_query(&*inner, client, query).await
        })
        .await
    }
}

/// datafusion-postgres' parser behind the first-word check.
pub struct GuardedParser(Arc<Lazy>);

type Stmt = <DfSessionService as ExtendedQueryHandler>::Statement;

#[async_trait]
impl QueryParser for GuardedParser {
    type Statement = Stmt;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Stmt>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        crate::readonly::check_text(sql)?;
        let ready = self.0.get().await?;
        // Plans are made here, so the lake state is chosen here.
        ready.pin.refresh().await?;
        ready.parser.parse_sql(client, sql, types).await
    }

    fn get_parameter_types(&self, stmt: &Stmt) -> PgWireResult<Vec<Type>> {
        self.0.parser()?.get_parameter_types(stmt)
    }

    fn get_result_schema(
        &self,
        stmt: &Stmt,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        self.0.parser()?.get_result_schema(stmt, column_format)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Session {
    type Statement = Stmt;
    type QueryParser = GuardedParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let entry = self.entry(client, &portal.statement.statement.0);
        let inner = self.lazy.get().await?.inner.clone();
        let timeout = self.timeout(client);
        let mut r = run_guarded(timeout, entry, async move {
            ExtendedQueryHandler::do_query(&*inner, client, portal, max_rows)
                .await
                .map(|r| vec![r])
        })
        .await?;
        Ok(r.pop().unwrap_or(Response::EmptyQuery))
    }
}

/// The handlers of one connection.
pub struct Connection {
    pub session: Arc<Session>,
    pub startup: Arc<Gate<Startup>>,
}

/// Authenticating (SCRAM-SHA-256) or not (`--no-auth`).
pub enum Startup {
    Scram(SASLAuthStartupHandler<DefaultServerParameterProvider>),
    None(NoAuth),
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match self {
            Startup::Scram(s) => s.on_startup(client, message).await,
            Startup::None(s) => s.on_startup(client, message).await,
        }
    }
}

/// The startup handler of a new connection.
pub fn startup(opts: &ServeOptions, users_file: &std::path::Path) -> Startup {
    if opts.no_auth {
        return Startup::None(NoAuth);
    }
    let mut scram = ScramAuth::new(Arc::new(UsersSource {
        path: users_file.to_path_buf(),
    }));
    scram.set_iterations(ITERATIONS);
    let params = DefaultServerParameterProvider::default();
    Startup::Scram(SASLAuthStartupHandler::new(Arc::new(params)).with_scram(scram))
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.session.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.session.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }
}

impl Gate<Startup> {
    pub fn new(
        inner: Startup,
        permit: Option<OwnedSemaphorePermit>,
        require_tls: bool,
    ) -> Gate<Startup> {
        Gate {
            full: permit.is_none(),
            inner,
            _permit: permit,
            require_tls,
        }
    }
}
