//! A table's pinned snapshot read as plain Parquet: exactly the files of that
//! Delta version, each with its partition values from the Delta log.
//!
//! deltalake's own scan decodes the same files 2.5–3 times slower than
//! DataFusion's Parquet reader (docs/benchmarks.md), so sessions read through
//! this provider. It is only correct while a table uses neither deletion
//! vectors nor column mapping (then the Parquet files hold exactly the
//! snapshot's rows under the table's column names); the lake never turns
//! them on, and [`SnapshotFiles::of`] says why when a table has them, so the
//! caller can fall back to deltalake's scan.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::stats::Precision;
use datafusion::common::{DFSchema, ScalarValue, Statistics};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::helpers::{expr_applicable_for_cols, filter_partitioned_file};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::object_store::ObjectStoreUrl;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::object_store::path::Path as ObjectPath;
use datafusion::object_store::ObjectMeta;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;
use deltalake::DeltaTable;

use crate::LakeError;

/// The files of one table version, ready to scan as Parquet.
#[derive(Debug, Clone)]
pub struct SnapshotFiles {
    /// The table's columns in the table's order, each of its own type,
    /// strings as views when asked. (deltalake's scan gives string partition
    /// columns dictionary-encoded, which sends a GROUP BY on them down
    /// DataFusion's slower row-encoded path.)
    pub table_schema: SchemaRef,
    /// For each column of `table_schema`, its place in the scan's columns:
    /// the file columns, then the partition columns.
    pub scan_index: Vec<usize>,
    /// The columns stored in the files.
    pub file_schema: SchemaRef,
    /// The partition columns, in the table's order.
    pub partition_fields: Vec<FieldRef>,
    /// Every file of the version, with its partition values.
    pub files: Vec<PartitionedFile>,
    /// Rows in the version, from the log's file statistics (when all have one).
    pub num_rows: Option<usize>,
}

impl SnapshotFiles {
    /// The files of `table` (opened at the wanted version), whose folder is
    /// `dir`. `Ok(Err(why))` when the version cannot be read as plain Parquet.
    /// With `view_types` (DataFusion's `schema_force_view_types`, on by
    /// default), string and binary file columns are read as view arrays,
    /// which decode dictionary-encoded pages without copying each value.
    pub fn of(
        name: &str,
        table: &DeltaTable,
        dir: &Path,
        view_types: bool,
    ) -> Result<Result<SnapshotFiles, String>, LakeError> {
        let state = table.snapshot().map_err(|e| LakeError::delta(name, e))?;
        let props = state.table_config();
        // The kernel's mode type is not re-exported by deltalake: its name.
        if props
            .column_mapping_mode
            .is_some_and(|m| format!("{m:?}") != "None")
        {
            return Ok(Err(format!("{name} uses column mapping")));
        }
        if props.enable_deletion_vectors == Some(true) {
            return Ok(Err(format!("{name} has deletion vectors enabled")));
        }
        let (table_schema, scan_index, file_schema, partition_fields) = columns(
            name,
            &state.snapshot().arrow_schema(),
            state.metadata().partition_columns(),
            view_types,
        )?;
        let mut files = Vec::new();
        let mut num_rows = Some(0usize);
        for view in state.log_data().iter() {
            if view.deletion_vector_descriptor().is_some() {
                return Ok(Err(format!("{name} has a file with a deletion vector")));
            }
            let raw = view.partition_values_map();
            let mut values = Vec::with_capacity(partition_fields.len());
            for field in &partition_fields {
                let text = raw.get(field.name()).cloned().flatten();
                values.push(
                    partition_value(text, field.data_type())
                        .map_err(|e| LakeError::in_table(name, e))?,
                );
            }
            num_rows = num_rows.zip(view.num_records()).map(|(a, b)| a + b);
            let mut file: PartitionedFile = ObjectMeta {
                location: object_path(&dir.join(view.path().as_ref()))?,
                last_modified: chrono::DateTime::<chrono::Utc>::default(),
                size: view.size().max(0) as u64,
                e_tag: None,
                version: None,
            }
            .into();
            file.partition_values = values;
            files.push(file);
        }
        Ok(Ok(SnapshotFiles {
            table_schema,
            scan_index,
            file_schema,
            partition_fields,
            files,
            num_rows,
        }))
    }
}

/// The table's columns (table order), each column's place among the scan's
/// (file columns, then partition columns), the file columns, and the
/// partition columns.
type Columns = (SchemaRef, Vec<usize>, SchemaRef, Vec<FieldRef>);

/// [`Columns`] of a Delta schema partitioned by `partition_names`.
fn columns(
    name: &str,
    delta_schema: &Schema,
    partition_names: &[String],
    view_types: bool,
) -> Result<Columns, LakeError> {
    let partition_fields: Vec<FieldRef> = partition_names
        .iter()
        .map(|p| delta_schema.field_with_name(p).map(|f| Arc::new(f.clone())))
        .collect::<Result<_, _>>()
        .map_err(|e| LakeError::in_table(name, e.into()))?;
    let file_fields: Vec<FieldRef> = delta_schema
        .fields()
        .iter()
        .filter(|f| !partition_names.contains(f.name()))
        .map(|f| {
            if view_types {
                as_view(f)
            } else {
                Arc::clone(f)
            }
        })
        .collect();
    let scan_fields: Vec<FieldRef> = file_fields
        .iter()
        .chain(partition_fields.iter())
        .cloned()
        .collect();
    let mut table_fields = Vec::new();
    let mut scan_index = Vec::new();
    for f in delta_schema.fields() {
        // Every column is a file column or a partition column.
        let Some(i) = scan_fields.iter().position(|s| s.name() == f.name()) else {
            return Err(LakeError::BadCatalog(format!(
                "{name}: column {} not found",
                f.name()
            )));
        };
        scan_index.push(i);
        table_fields.push(Arc::clone(&scan_fields[i]));
    }
    Ok((
        Arc::new(Schema::new(table_fields)),
        scan_index,
        Arc::new(Schema::new(file_fields)),
        partition_fields,
    ))
}

/// A string or binary field as its view type; others unchanged.
fn as_view(f: &FieldRef) -> FieldRef {
    let ty = match f.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
        DataType::Binary | DataType::LargeBinary => DataType::BinaryView,
        _ => return Arc::clone(f),
    };
    Arc::new(f.as_ref().clone().with_data_type(ty))
}

/// A partition value as the column's type.
fn partition_value(
    text: Option<String>,
    ty: &DataType,
) -> Result<ScalarValue, datafusion::error::DataFusionError> {
    match ty {
        DataType::Dictionary(key, value) => Ok(ScalarValue::Dictionary(
            key.clone(),
            Box::new(partition_value(text, value)?),
        )),
        _ => match text {
            None => ScalarValue::try_from(ty),
            Some(t) => ScalarValue::try_from_string(t, ty),
        },
    }
}

/// The object-store path of a local file. (Built as a path, never through
/// a string: `PartitionedFile::new` would encode the `%` of an encoded
/// character a second time.)
fn object_path(file: &Path) -> Result<ObjectPath, LakeError> {
    ObjectPath::from_absolute_path(file)
        .map_err(|e| LakeError::BadCatalog(format!("bad file path {}: {e}", file.display())))
}

/// A DataFusion table over a [`SnapshotFiles`]: one Parquet scan of exactly
/// those files, pruned by the partition values a query filters on.
#[derive(Debug)]
pub struct SnapshotTable {
    snapshot: Arc<SnapshotFiles>,
}

impl SnapshotTable {
    /// The table over `snapshot` (shared: a pinned version never changes).
    pub fn new(snapshot: Arc<SnapshotFiles>) -> SnapshotTable {
        SnapshotTable { snapshot }
    }

    /// The files this table reads.
    pub fn files(&self) -> &Arc<SnapshotFiles> {
        &self.snapshot
    }

    fn partition_names(&self) -> Vec<&str> {
        self.snapshot
            .partition_fields
            .iter()
            .map(|f| f.name().as_str())
            .collect()
    }

    /// Whether `expr` can be decided from the partition values alone.
    fn on_partitions(&self, expr: &Expr) -> bool {
        let names = self.partition_names();
        !names.is_empty() && expr_applicable_for_cols(&names, expr)
    }

    /// The scan's columns for a projection of the table's.
    fn scan_projection(&self, projection: Option<&Vec<usize>>) -> Vec<usize> {
        match projection {
            Some(p) => p.iter().map(|&i| self.snapshot.scan_index[i]).collect(),
            None => self.snapshot.scan_index.clone(),
        }
    }

    fn table_statistics(&self) -> Statistics {
        let mut stats = Statistics::new_unknown(&self.snapshot.table_schema);
        // Column statistics are unknown, so the same in either column order.
        if let Some(n) = self.snapshot.num_rows {
            stats.num_rows = Precision::Exact(n);
        }
        stats
    }
}

#[async_trait]
impl TableProvider for SnapshotTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.snapshot.table_schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn statistics(&self) -> Option<Statistics> {
        Some(self.table_statistics())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let on_partitions: Vec<Expr> = filters
            .iter()
            .filter(|f| self.on_partitions(f))
            .cloned()
            .collect();
        let partition_schema =
            DFSchema::try_from(Schema::new(self.snapshot.partition_fields.clone()))?;
        let mut files = Vec::new();
        for file in &self.snapshot.files {
            if let Some(f) =
                filter_partitioned_file(file.clone(), &on_partitions, &partition_schema)?
            {
                files.push(f);
            }
        }
        if files.is_empty() {
            let schema = match projection {
                Some(p) => Arc::new(self.snapshot.table_schema.project(p)?),
                None => self.schema(),
            };
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let groups = FileGroup::new(files).split_files(state.config().target_partitions());
        let source = ParquetSource::new(
            TableSchema::builder(Arc::clone(&self.snapshot.file_schema))
                .with_table_partition_cols(self.snapshot.partition_fields.clone())
                .build(),
        );
        let config =
            FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), Arc::new(source))
                .with_file_groups(groups)
                .with_statistics(self.table_statistics())
                .with_projection_indices(Some(self.scan_projection(projection)))?
                .with_limit(limit)
                .build();
        ParquetFormat::default()
            .with_options(state.table_options().parquet.clone())
            .create_physical_plan(state, config)
            .await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if self.on_partitions(f) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use arrow::array::{Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::prelude::SessionContext;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::SnapshotFiles;
    use crate::{register_catalog_with, Lake, Reader, TableEntry, TableKind};

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("v", DataType::Utf8, true),
            Field::new("quarter", DataType::Utf8, false),
        ]))
    }

    /// A staged Parquet file of (id, v, quarter) rows.
    fn staged(
        dir: &std::path::Path,
        name: &str,
        rows: &[(i64, Option<&str>, &str)],
    ) -> std::path::PathBuf {
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
            ],
        )
        .unwrap();
        let path = dir.join(name);
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        path
    }

    /// Rows 1 and 2 (2024Q1, 2024Q2) and row 3 (2024Q2), in two files.
    fn first_two(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let a = staged(
            dir,
            "a.parquet",
            &[(1, Some("a"), "2024Q1"), (2, None, "2024Q2")],
        );
        (a, staged(dir, "b.parquet", &[(3, Some("c"), "2024Q2")]))
    }

    async fn rows(ctx: &SessionContext, sql: &str) -> String {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string()
    }

    fn parquet_files(dir: &std::path::Path) -> usize {
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().is_dir() {
                n += parquet_files(&e.path());
            } else if e.path().extension().is_some_and(|x| x == "parquet") {
                n += 1;
            }
        }
        n
    }

    /// Appends, a MERGE that rewrites a file, and a commit past the pin: the
    /// Parquet reader sees exactly what deltalake's scan sees at the pinned
    /// version, and prunes by partition value.
    #[tokio::test]
    async fn the_parquet_reader_reads_exactly_the_pinned_version() {
        let tmp = tempfile::tempdir().unwrap();
        let stage = tempfile::tempdir().unwrap();
        // A folder name that URLs and object-store paths encode (deltalake
        // itself panics on some others, such as `{`).
        let lake = Lake::open(tmp.path().join("网监 湖")).unwrap();
        let props = || WriterProperties::builder().build();
        let (a, b) = first_two(stage.path());
        let m = staged(
            stage.path(),
            "m.parquet",
            &[(1, Some("a2"), "2024Q1"), (4, Some("d"), "2024Q3")],
        );
        lake.append_parquet("t", &[a], Some("quarter"), props())
            .await
            .unwrap();
        lake.append_parquet("t", &[b], Some("quarter"), props())
            .await
            .unwrap();
        let v = lake
            .merge_parquet("t", &m, "id", &["id", "v", "quarter"], props())
            .await
            .unwrap();
        let pin = BTreeMap::from([(
            "t".to_string(),
            TableEntry {
                version: v,
                kind: TableKind::Source,
            },
        )]);
        let cat = lake.publish("test", &pin).unwrap();
        // A commit past the pin, never published.
        let late = staged(stage.path(), "late.parquet", &[(9, Some("late"), "2024Q1")]);
        lake.append_parquet("t", &[late], Some("quarter"), props())
            .await
            .unwrap();

        let parquet = SessionContext::new();
        let delta = SessionContext::new();
        register_catalog_with(&lake, &cat, &parquet, Reader::Snapshot)
            .await
            .unwrap();
        register_catalog_with(&lake, &cat, &delta, Reader::Delta)
            .await
            .unwrap();
        let all = "SELECT id, v, CAST(quarter AS VARCHAR) AS quarter FROM t ORDER BY id";
        let expected = "\
+----+----+---------+
| id | v  | quarter |
+----+----+---------+
| 1  | a2 | 2024Q1  |
| 2  |    | 2024Q2  |
| 3  | c  | 2024Q2  |
| 4  | d  | 2024Q3  |
+----+----+---------+";
        assert_eq!(rows(&parquet, all).await, expected);
        assert_eq!(rows(&delta, all).await, expected);
        let one = "SELECT id FROM t WHERE quarter = '2024Q2' ORDER BY id";
        assert_eq!(rows(&parquet, one).await, rows(&delta, one).await);
        let plan = rows(&parquet, &format!("EXPLAIN {one}")).await;
        assert!(plan.contains("quarter=2024Q2"), "{plan}");
        assert!(
            !plan.contains("quarter=2024Q1"),
            "read a pruned partition: {plan}"
        );
        // The folder holds files of other versions (the one the MERGE
        // replaced, the unpublished one) that a directory listing would read.
        let listed = SnapshotFiles::of(
            "t",
            &deltalake::open_table_with_version(lake.table_url("t").unwrap(), v)
                .await
                .unwrap(),
            &lake.table_path("t"),
            true,
        )
        .unwrap()
        .unwrap();
        assert!(parquet_files(&lake.table_path("t")) > listed.files.len());
        assert_eq!(listed.num_rows, Some(4));

        // A later session at the same pin reuses the file list; a lake made
        // again at the same path, with the same version number, does not.
        let view_types = parquet
            .state()
            .config_options()
            .execution
            .parquet
            .schema_force_view_types;
        let dir = lake.table_path("t");
        let first = crate::session::cached(&dir, v, view_types).expect("cached");
        let again = SessionContext::new();
        register_catalog_with(&lake, &cat, &again, Reader::Snapshot)
            .await
            .unwrap();
        let second = crate::session::cached(&dir, v, view_types).expect("cached");
        assert!(
            Arc::ptr_eq(&first, &second),
            "the same list, not read again"
        );
        assert_eq!(rows(&again, all).await, expected);
        std::fs::remove_dir_all(tmp.path().join("网监 湖")).unwrap();
        let lake = Lake::open(tmp.path().join("网监 湖")).unwrap();
        let c = staged(stage.path(), "c.parquet", &[(7, Some("x"), "2024Q1")]);
        let d = staged(stage.path(), "d.parquet", &[(8, Some("y"), "2024Q1")]);
        let e = staged(stage.path(), "e.parquet", &[(8, Some("z"), "2024Q1")]);
        for f in [c, d] {
            lake.append_parquet("t", &[f], Some("quarter"), props())
                .await
                .unwrap();
        }
        let v2 = lake
            .merge_parquet("t", &e, "id", &["id", "v", "quarter"], props())
            .await
            .unwrap();
        assert_eq!(v2, v, "the same version number");
        assert!(crate::session::cached(&dir, v, view_types).is_none());
        let remade = SessionContext::new();
        register_catalog_with(
            &lake,
            &lake.publish("test", &pin).unwrap(),
            &remade,
            Reader::Snapshot,
        )
        .await
        .unwrap();
        let now = "SELECT id, v FROM t ORDER BY id";
        assert_eq!(
            rows(&remade, now).await,
            "+----+---+\n| id | v |\n+----+---+\n| 7  | x |\n| 8  | z |\n+----+---+"
        );
    }

    /// The file list sent to a cluster reads back as the same table: the
    /// same files, partition values, types and rows, and pruning still works.
    #[tokio::test]
    async fn a_shipped_file_list_reads_back_as_the_same_table() {
        let tmp = tempfile::tempdir().unwrap();
        let stage = tempfile::tempdir().unwrap();
        let lake = Lake::open(tmp.path().join("湖 #1")).unwrap();
        let props = || WriterProperties::builder().build();
        let (a, b) = first_two(stage.path());
        lake.append_parquet("t", &[a, b], Some("quarter"), props())
            .await
            .unwrap();
        let table = deltalake::open_table(lake.table_url("t").unwrap())
            .await
            .unwrap();
        for view_types in [true, false] {
            let files = SnapshotFiles::of("t", &table, &lake.table_path("t"), view_types)
                .unwrap()
                .unwrap();
            let back = SnapshotFiles::from_bytes(&files.to_bytes().unwrap()).unwrap();
            assert_eq!(back.table_schema, files.table_schema);
            assert_eq!(back.file_schema, files.file_schema);
            assert_eq!(back.partition_fields, files.partition_fields);
            assert_eq!(back.scan_index, files.scan_index);
            assert_eq!(back.num_rows, Some(3));
            let described = |f: &SnapshotFiles| -> Vec<String> {
                f.files
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {:?}",
                            p.object_meta.location, p.object_meta.size, p.partition_values
                        )
                    })
                    .collect()
            };
            assert_eq!(described(&back), described(&files));
            assert_eq!(back.files.len(), 2, "one file a quarter");
            let here = SessionContext::new();
            let there = SessionContext::new();
            here.register_table("t", Arc::new(super::SnapshotTable::new(Arc::new(files))))
                .unwrap();
            there
                .register_table("t", Arc::new(super::SnapshotTable::new(Arc::new(back))))
                .unwrap();
            for sql in [
                "SELECT id, v, CAST(quarter AS VARCHAR) AS q FROM t ORDER BY id",
                "SELECT id FROM t WHERE quarter = '2024Q2' ORDER BY id",
            ] {
                assert_eq!(rows(&here, sql).await, rows(&there, sql).await, "{sql}");
            }
            assert!(rows(&there, "SELECT id FROM t ORDER BY id")
                .await
                .contains("| 3  |"));
        }
        assert!(SnapshotFiles::from_bytes(b"not a file list").is_err());
    }
}
