//! Running wangjian's SQL on an Apache DataFusion Ballista cluster
//! (docs/cluster.md).
//!
//! - [`Cluster`]: the client side, a [`wangjian_queries::Connector`] whose
//!   sessions send every query to a scheduler (`--cluster df://HOST:PORT`);
//! - [`run_scheduler`] and [`run_executor`]: the two server processes
//!   (`wangjian scheduler`, `wangjian executor`), Ballista's own, with the
//!   lake's codec ([`LakeCodec`]) so that a plan can name the lake's tables.
//!
//! The lake's tables travel as the file lists of their pinned versions, so
//! every executor must read the lake at the same path as the client (one
//! machine, or a shared mount). Tables `CREATE TABLE AS` makes are collected
//! on the client, and travel inside the plans that read them.

mod client;
mod codec;
mod engine;
mod error;
mod executor;
mod scheduler;

pub use client::{Cluster, DEFAULT_STATEMENT_TIMEOUT};
pub use codec::LakeCodec;
pub use error::ClusterError;
pub use executor::{run_executor, ExecutorOptions};
pub use scheduler::{run_scheduler, SchedulerOptions};

/// The largest plan or result message, in bytes, the processes exchange: a
/// plan carries the in-memory tables it reads (work tables of the indicator
/// run, a few MB at national scale), above Ballista's 16 MiB default.
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;
