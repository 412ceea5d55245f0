//! The interactive SQL shell: history, statements over several lines (ended
//! by `;`), `\d` to list tables, `\d NAME` for a table's columns, `\q` to quit.

use datafusion::prelude::SessionContext;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

use crate::{run_sql, write_batches, Access, Format, QueryError};

fn history_path() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".wangjian_history"))
}

async fn describe(ctx: &SessionContext, name: Option<&str>) -> Result<(), QueryError> {
    let mut out = std::io::stdout();
    match name {
        None => {
            let mut names: Vec<String> = ctx
                .catalog("datafusion")
                .and_then(|c| c.schema("public"))
                .map(|s| s.table_names())
                .unwrap_or_default();
            names.sort();
            for n in names {
                println!("{n}");
            }
        }
        Some(n) => {
            let df = ctx.table(n).await?;
            for f in df.schema().fields() {
                use std::io::Write;
                writeln!(out, "{:<28} {}", f.name(), f.data_type()).ok();
            }
        }
    }
    Ok(())
}

/// Runs the shell until `\q` or end of input.
pub async fn run_shell(ctx: &SessionContext) -> Result<(), QueryError> {
    let mut rl = DefaultEditor::new().map_err(|e| QueryError::Sql(e.to_string()))?;
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    println!("wangjian SQL shell. End statements with ';'. \\d lists tables, \\d NAME its columns, \\q quits.");
    let mut buf = String::new();
    loop {
        let prompt = if buf.is_empty() {
            "wangjian> "
        } else {
            "     ...> "
        };
        match rl.readline(prompt) {
            Ok(line) => {
                let t = line.trim();
                if buf.is_empty() && t.starts_with('\\') {
                    let _ = rl.add_history_entry(t);
                    let mut parts = t.split_whitespace();
                    match parts.next() {
                        Some("\\q") => break,
                        Some("\\d") => {
                            if let Err(e) = describe(ctx, parts.next()).await {
                                eprintln!("error: {e}");
                            }
                        }
                        _ => eprintln!("unknown command {t} (\\d, \\d NAME, \\q)"),
                    }
                    continue;
                }
                buf.push_str(&line);
                buf.push('\n');
                if t.ends_with(';') {
                    let sql = std::mem::take(&mut buf);
                    let _ = rl.add_history_entry(sql.trim());
                    match run_sql(ctx, &sql, Access::ReadOnly).await {
                        Ok(results) => {
                            for (schema, batches) in results {
                                let _ = write_batches(
                                    &mut std::io::stdout(),
                                    &schema,
                                    &batches,
                                    Format::Table,
                                );
                            }
                        }
                        Err(e) => eprintln!("error: {e}"),
                    }
                }
            }
            Err(ReadlineError::Interrupted) => buf.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(QueryError::Sql(e.to_string())),
        }
    }
    if let Some(h) = &hist {
        let _ = rl.save_history(h);
    }
    Ok(())
}
