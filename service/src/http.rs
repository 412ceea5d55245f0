//! HTTP (service.md): `GET /` the latest dashboard, `GET /report/<Q>` the
//! dashboard of a quarter (rendered from the published lake, cached per lake
//! version), `GET /releases/` the release editions and their files,
//! `GET /healthz` with the catalog version. Read-only; a path with `..`
//! (encoded or not) or leading outside the releases folder is 404; Basic
//! auth with the service's users unless bound to loopback.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use datafusion_postgres::pgwire::api::auth::sasl::scram::gen_salted_password;
use tokio::sync::Mutex;
use wangjian_lake::Lake;

use crate::users::Users;

pub struct Http {
    pub lake: Lake,
    pub releases: PathBuf,
    pub users_file: PathBuf,
    /// Basic auth required (not on loopback, and not --no-auth).
    pub auth: bool,
    /// Rendered dashboards: (lake version, quarter) → page.
    cache: Mutex<BTreeMap<(u64, String), Arc<String>>>,
    scratch: tempfile::TempDir,
}

impl Http {
    pub fn new(
        lake: Lake,
        releases: PathBuf,
        users_file: PathBuf,
        auth: bool,
    ) -> std::io::Result<Http> {
        Ok(Http {
            lake,
            releases,
            users_file,
            auth,
            cache: Mutex::new(BTreeMap::new()),
            scratch: tempfile::tempdir()?,
        })
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn healthz(State(h): State<Arc<Http>>) -> Response {
    match h.lake.catalog() {
        Ok(c) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"status": "ok", "lake_version": c.lake_version}).to_string(),
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
    }
}

/// The dashboard of `quarter` (latest when none), rendered once per lake version.
async fn dashboard(h: &Http, quarter: Option<&str>) -> Response {
    if let Some(q) = quarter {
        if wangjian_contract::Quarter::parse(q).is_none() {
            return not_found();
        }
    }
    let version = match h.lake.catalog() {
        Ok(c) => c.lake_version,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
    };
    let key = (version, quarter.unwrap_or("").to_string());
    let mut cache = h.cache.lock().await;
    if let Some(page) = cache.get(&key) {
        return html(page.as_str().to_string());
    }
    let dir = h.scratch.path().join(format!("v{version}"));
    match wangjian_reports::render(&h.lake, quarter, &dir).await {
        Ok(r) => match std::fs::read_to_string(&r.html) {
            Ok(page) => {
                cache.retain(|(v, _), _| *v == version);
                cache.insert(key, Arc::new(page.clone()));
                html(page)
            }
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        },
        Err(wangjian_reports::ReportError::Data(m)) => {
            (StatusCode::NOT_FOUND, format!("{m}\n")).into_response()
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
    }
}

fn html(page: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

async fn latest(State(h): State<Arc<Http>>) -> Response {
    dashboard(&h, None).await
}

async fn report(State(h): State<Arc<Http>>, UrlPath(q): UrlPath<String>) -> Response {
    dashboard(&h, Some(&q)).await
}

/// `rel` inside the releases folder, or None: no `..`, no root, no
/// backslash, nothing hidden, and after resolving links still inside.
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    if rel.contains('\\') || rel.contains('\0') {
        return None;
    }
    let rel = Path::new(rel.trim_start_matches('/'));
    for c in rel.components() {
        match c {
            Component::Normal(s) if !s.to_string_lossy().starts_with('.') => {}
            _ => return None,
        }
    }
    let root = root.canonicalize().ok()?;
    let full = root.join(rel).canonicalize().ok()?;
    full.starts_with(&root).then_some(full)
}

fn listing(dir: &Path, url: &str) -> Response {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return not_found();
    };
    let mut names: Vec<(String, bool)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            (!n.starts_with('.')).then(|| (n, e.path().is_dir()))
        })
        .collect();
    names.sort();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    };
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{0}</title></head><body><h1>{0}</h1><ul>\n",
        esc(url)
    );
    for (n, is_dir) in names {
        let slash = if is_dir { "/" } else { "" };
        page.push_str(&format!(
            "<li><a href=\"{0}{slash}\">{0}{slash}</a></li>\n",
            esc(&n)
        ));
    }
    page.push_str("</ul></body></html>\n");
    html(page)
}

async fn releases_root(State(h): State<Arc<Http>>) -> Response {
    if !h.releases.is_dir() {
        return html("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>/releases/</title></head><body><p>还没有发布。</p></body></html>\n".into());
    }
    listing(&h.releases, "/releases/")
}

async fn release_file(State(h): State<Arc<Http>>, UrlPath(rel): UrlPath<String>) -> Response {
    let Some(path) = inside(&h.releases, &rel) else {
        return not_found();
    };
    if path.is_dir() {
        return listing(&path, &format!("/releases/{rel}"));
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
        Err(_) => not_found(),
    }
}

/// Whether `headers` carry a user and password the users file accepts.
fn authorised(h: &Http, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(value.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return false;
    };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    let Ok(users) = Users::load(&h.users_file) else {
        return false;
    };
    let Some(v) = users.users.get(user) else {
        return false;
    };
    let salted = gen_salted_password(password, &v.salt, v.iterations);
    salted.len() == v.salted_password.len()
        && salted
            .iter()
            .zip(&v.salted_password)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn basic_auth(State(h): State<Arc<Http>>, req: Request<Body>, next: Next) -> Response {
    if !h.auth || authorised(&h, req.headers()) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"wangjian\", charset=\"UTF-8\"",
        )],
        "authentication required\n",
    )
        .into_response()
}

/// The HTTP routes.
pub fn router(h: Arc<Http>) -> Router {
    Router::new()
        .route("/", get(latest))
        .route("/report/{quarter}", get(report))
        .route("/releases/", get(releases_root))
        .route("/releases/{*path}", get(release_file))
        .route("/healthz", get(healthz))
        .layer(middleware::from_fn_with_state(h.clone(), basic_auth))
        .with_state(h)
}

/// Serves HTTP on `listener` until `stop`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    h: Arc<Http>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(h).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn only_paths_inside_the_releases_folder_resolve() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("r/2025Q4/edition-1")).unwrap();
        std::fs::write(d.path().join("r/2025Q4/edition-1/manifest.json"), "{}").unwrap();
        std::fs::write(d.path().join("secret"), "x").unwrap();
        let root = d.path().join("r");
        assert!(inside(&root, "2025Q4/edition-1/manifest.json").is_some());
        for bad in [
            "../secret",
            "2025Q4/../../secret",
            "/etc/passwd",
            "..",
            ".hidden",
            "a\\..\\b",
        ] {
            assert!(inside(&root, bad).is_none(), "{bad}");
        }
        std::os::unix::fs::symlink(d.path().join("secret"), root.join("link")).unwrap();
        assert!(inside(&root, "link").is_none(), "a link out of the folder");
    }
}
