//! `wangjian serve` and `wangjian user`: wiring the service crate to the
//! command line.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use wangjian_lake::Lake;
use wangjian_service::users::{self, Users, Verifier};
use wangjian_service::{ServeOptions, Server};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address of the PostgreSQL port.
    #[arg(long, default_value = "127.0.0.1:5433")]
    pg: SocketAddr,
    /// Address of the HTTP port (dashboards, releases, /healthz).
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// The release folder served under /releases/.
    #[arg(long, default_value = "out/release")]
    releases: PathBuf,
    /// TLS certificate (PEM); with --tls-key, plaintext connections are refused.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM, PKCS#8).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Memory per query before operators spill to disk (e.g. 2GiB, 512MiB).
    #[arg(long, default_value = "2GiB", value_parser = wangjian_queries::parse_size)]
    query_memory: usize,
    /// Statement timeout in seconds.
    #[arg(long, default_value_t = 300)]
    statement_timeout: u64,
    /// Connections served at once; more get SQLSTATE 53300.
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
    /// Audit log (JSON lines); stderr without it.
    #[arg(long)]
    audit_log: Option<PathBuf>,
    /// No authentication (loopback addresses only).
    #[arg(long)]
    no_auth: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user (or set a new password); the password from a prompt or stdin.
    Add {
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user.
    Remove { name: String },
    /// List the users.
    List,
}

pub async fn serve(lake: &Path, a: ServeArgs) -> Result<u8> {
    let lake = Lake::open_existing(lake)?;
    let opts = ServeOptions {
        pg: a.pg,
        http: a.http,
        releases: a.releases,
        tls: a.tls_cert.zip(a.tls_key),
        query_memory: a.query_memory,
        statement_timeout: Duration::from_secs(a.statement_timeout),
        max_connections: a.max_connections,
        audit_log: a.audit_log,
        no_auth: a.no_auth,
        users_file: users::default_path()?,
    };
    let server = Server::bind(lake, opts).await?;
    for w in server.warnings() {
        eprintln!("warning: {w}");
    }
    let addr = server.local_addr().context("no local address")?;
    eprintln!("wangjian serve: PostgreSQL wire on {addr}");
    if let Some(h) = server.http_addr() {
        eprintln!("wangjian serve: HTTP on {h}");
    }
    let stop = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("wangjian serve: stopping (running queries get up to 30 s)");
    };
    server.run(stop).await?;
    Ok(0)
}

fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            bail!("an empty password was given on standard input");
        }
        return Ok(p);
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .context("no terminal to ask for a password: use --password-stdin")?;
    let ask = |prompt: &str| -> Result<String> {
        let mut out = tty.try_clone()?;
        write!(out, "{prompt}")?;
        out.flush()?;
        let _ = std::process::Command::new("stty")
            .arg("-echo")
            .stdin(tty.try_clone()?)
            .status();
        let mut line = String::new();
        let r = std::io::BufReader::new(tty.try_clone()?).read_line(&mut line);
        let _ = std::process::Command::new("stty")
            .arg("echo")
            .stdin(tty.try_clone()?)
            .status();
        writeln!(out)?;
        r?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    let p = ask("password: ")?;
    if p.is_empty() {
        bail!("an empty password is not a password");
    }
    if ask("again: ")? != p {
        bail!("the two passwords differ; nothing changed");
    }
    Ok(p)
}

pub fn user(cmd: UserCmd) -> Result<u8> {
    let path = users::default_path()?;
    let mut u = Users::load(&path)?;
    match cmd {
        UserCmd::Add {
            name,
            password_stdin,
        } => {
            users::check_name(&name)?;
            let p = read_password(password_stdin)?;
            let existed = u.users.insert(name.clone(), Verifier::new(&p)?).is_some();
            u.save(&path)?;
            let what = if existed { "password changed" } else { "added" };
            println!("user {name}: {what} ({})", path.display());
        }
        UserCmd::Remove { name } => {
            if u.users.remove(&name).is_none() {
                bail!("no user {name} in {}", path.display());
            }
            u.save(&path)?;
            println!("user {name}: removed");
        }
        UserCmd::List => {
            for name in u.users.keys() {
                println!("{name}");
            }
        }
    }
    Ok(0)
}
