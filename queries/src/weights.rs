//! The composite index weights (`risk_weights.csv`): read, checked, and
//! registered as the table `risk_weights` that `30_risk_index.sql` joins.
//!
//! Checks: the header names `component, indicator, direction, weight`; each
//! component once; direction `higher` or `lower`; weights finite, not
//! negative, summing to more than 0. After the query files ran, the
//! components must be exactly those the SQL computes (the `z_<component>`
//! columns of `risk_index`): an extra or missing row would silently change
//! every index.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;

use crate::QueryError;

/// One row of the weights file.
#[derive(Debug, Clone, PartialEq)]
pub struct Weight {
    pub component: String,
    pub indicator: String,
    pub direction: String,
    pub weight: f64,
}

const HEADER: [&str; 4] = ["component", "indicator", "direction", "weight"];

/// Parses and checks a weights file's text (`origin` names it in errors).
pub fn parse(origin: &str, text: &str) -> Result<Vec<Weight>, QueryError> {
    let bad = |line: usize, why: String| QueryError::Weights(format!("{origin}:{line}: {why}"));
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .map(|(_, l)| {
            l.trim_start_matches('\u{feff}')
                .split(',')
                .map(|h| h.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    if header != HEADER {
        return Err(bad(1, format!("the header must be {}", HEADER.join(","))));
    }
    let mut out: Vec<Weight> = Vec::new();
    for (i, line) in lines {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 4 {
            return Err(bad(i + 1, format!("{} fields, expected 4", f.len())));
        }
        let weight: f64 = f[3]
            .parse()
            .map_err(|_| bad(i + 1, format!("weight '{}' is not a number", f[3])))?;
        if !weight.is_finite() || weight < 0.0 {
            return Err(bad(i + 1, format!("weight {weight} must be 0 or more")));
        }
        if f[2] != "higher" && f[2] != "lower" {
            return Err(bad(
                i + 1,
                format!("direction '{}' must be higher or lower", f[2]),
            ));
        }
        if out.iter().any(|w| w.component == f[0]) {
            return Err(bad(i + 1, format!("component '{}' appears twice", f[0])));
        }
        out.push(Weight {
            component: f[0].to_string(),
            indicator: f[1].to_string(),
            direction: f[2].to_string(),
            weight,
        });
    }
    let total: f64 = out.iter().map(|w| w.weight).sum();
    if total <= 0.0 {
        return Err(QueryError::Weights(format!(
            "{origin}: the weights must sum to a positive number"
        )));
    }
    Ok(out)
}

/// Registers the weights as the table `risk_weights`.
pub fn register(ctx: &SessionContext, weights: &[Weight]) -> Result<(), QueryError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("component", DataType::Utf8, false),
        Field::new("indicator", DataType::Utf8, false),
        Field::new("direction", DataType::Utf8, false),
        Field::new("weight", DataType::Float64, false),
    ]));
    let text = |f: fn(&Weight) -> &str| {
        Arc::new(StringArray::from(
            weights.iter().map(f).collect::<Vec<&str>>(),
        )) as _
    };
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text(|w| &w.component),
            text(|w| &w.indicator),
            text(|w| &w.direction),
            Arc::new(Float64Array::from(
                weights.iter().map(|w| w.weight).collect::<Vec<_>>(),
            )),
        ],
    )
    .map_err(|e| QueryError::Sql(e.to_string()))?;
    ctx.deregister_table("risk_weights")?;
    ctx.register_table(
        "risk_weights",
        Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
    )?;
    Ok(())
}

/// Checks the weights' components against the `z_<component>` columns of
/// the `risk_index` table the SQL made.
pub async fn check_components(
    ctx: &SessionContext,
    origin: &str,
    weights: &[Weight],
) -> Result<(), QueryError> {
    let Ok(df) = ctx.table("risk_index").await else {
        return Ok(());
    };
    let computed: BTreeSet<String> = df
        .schema()
        .fields()
        .iter()
        .filter_map(|f| f.name().strip_prefix("z_").map(str::to_string))
        .collect();
    let given: BTreeSet<String> = weights.iter().map(|w| w.component.clone()).collect();
    if computed == given {
        return Ok(());
    }
    let list = |s: BTreeSet<&String>| {
        s.into_iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let extra = list(given.difference(&computed).collect());
    let missing = list(computed.difference(&given).collect());
    let mut why = format!(
        "{origin}: its components must be exactly those the SQL computes ({})",
        list(computed.iter().collect())
    );
    if !extra.is_empty() {
        why.push_str(&format!("; not computed: {extra}"));
    }
    if !missing.is_empty() {
        why.push_str(&format!("; missing: {missing}"));
    }
    Err(QueryError::Weights(why))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "component,indicator,direction,weight\na,x,higher,0.5\nb,y,lower,1.5\n";

    #[test]
    fn a_good_file_parses() {
        let w = parse("w.csv", GOOD).unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[1].weight, 1.5);
        assert_eq!(w[1].direction, "lower");
    }

    #[test]
    fn bad_files_are_refused_with_the_line() {
        for (text, want) in [
            ("comp,indicator,direction,weight\n", "header"),
            (
                "component,indicator,direction,weight\na,x,up,1\n",
                "w.csv:2: direction",
            ),
            (
                "component,indicator,direction,weight\na,x,higher,-1\n",
                "0 or more",
            ),
            (
                "component,indicator,direction,weight\na,x,higher,z\n",
                "not a number",
            ),
            (
                "component,indicator,direction,weight\na,x,higher,1\na,x,higher,1\n",
                "twice",
            ),
            (
                "component,indicator,direction,weight\na,x,higher,0\n",
                "positive",
            ),
            (
                "component,indicator,direction,weight\na,x,higher\n",
                "3 fields",
            ),
        ] {
            let e = parse("w.csv", text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
