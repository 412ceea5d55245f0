//! `pg_catalog` for a connection, with the same oids in every connection.
//!
//! datafusion-pg-catalog hands out oids from a counter in the order it first
//! meets catalogs, schemas and tables, and DataFusion's in-memory catalogs
//! list their names in hash order. So the same table had one oid in one
//! connection and another in the next, and which catalog view a client
//! queried first changed them again. A tool that keeps oids across
//! connections (DBeaver's navigator keeps a pool) would join to the wrong
//! table. Here the names are listed sorted and `pg_class` is read once when
//! the session is made, so a given lake state numbers its tables the same in
//! every connection.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::CatalogProviderList;
use datafusion::datasource::TableType;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::catalog_info::CatalogInfo;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::{
    setup_pg_catalog, PgCatalogSchemaProvider, PgCatalogStaticTables,
};

use crate::ServiceError;

/// The session's catalogs, listed in name order.
#[derive(Clone, Debug)]
pub struct Sorted(Arc<dyn CatalogProviderList>);

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[async_trait]
impl CatalogInfo for Sorted {
    async fn catalog_names(&self) -> Result<Vec<String>, DataFusionError> {
        Ok(sorted(self.0.catalog_names().await?))
    }

    async fn schema_names(&self, catalog: &str) -> Result<Option<Vec<String>>, DataFusionError> {
        Ok(self.0.schema_names(catalog).await?.map(sorted))
    }

    async fn table_names(
        &self,
        catalog: &str,
        schema: &str,
    ) -> Result<Option<Vec<String>>, DataFusionError> {
        Ok(self.0.table_names(catalog, schema).await?.map(sorted))
    }

    async fn table_schema(
        &self,
        catalog: &str,
        schema: &str,
        table: &str,
    ) -> Result<Option<SchemaRef>, DataFusionError> {
        self.0.table_schema(catalog, schema, table).await
    }

    async fn table_type(
        &self,
        catalog: &str,
        schema: &str,
        table: &str,
    ) -> Result<Option<TableType>, DataFusionError> {
        self.0.table_type(catalog, schema, table).await
    }
}

/// Installs `pg_catalog` (and its functions) in `ctx` over sorted names,
/// then numbers every catalog, schema and table by reading `pg_class` once.
pub async fn install(ctx: &SessionContext) -> Result<(), ServiceError> {
    let setup = |e: Box<DataFusionError>| ServiceError::Setup(e.to_string());
    setup_pg_catalog(ctx, "datafusion", EmptyContextProvider).map_err(setup)?;
    let statics = Arc::new(PgCatalogStaticTables::try_new().map_err(|e| setup(Box::new(e)))?);
    let provider = PgCatalogSchemaProvider::try_new(
        Sorted(ctx.state().catalog_list().clone()),
        statics,
        EmptyContextProvider,
    )
    .map_err(|e| setup(Box::new(e)))?;
    let catalog = ctx
        .catalog("datafusion")
        .ok_or_else(|| ServiceError::Setup("no catalog named datafusion".into()))?;
    catalog
        .register_schema("pg_catalog", Arc::new(provider))
        .map_err(|e| setup(Box::new(e)))?;
    ctx.sql("SELECT oid FROM pg_catalog.pg_class")
        .await
        .map_err(|e| setup(Box::new(e)))?
        .collect()
        .await
        .map_err(|e| setup(Box::new(e)))?;
    Ok(())
}
