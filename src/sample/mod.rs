//! Deterministic sample data shaped like the 68 AIMS bronze tables: table
//! and column names, null shares, value sets, ID / date / flag / e-mail
//! shapes, sentinel strings, every column a string, the empty tables. Two
//! scales: `demo` (at most 2,000 rows a table, plus later deliveries with
//! realistic defects) and `full` (the real row counts, ≈ 70 M rows, for
//! benchmarks).

mod values;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use values::Gen;

/// The table shapes, in the project's own compact form (see
/// `scripts/aims_shapes.py`).
const SHAPES: &str = include_str!("aims_shapes.tsv");

#[derive(Debug, Clone)]
pub struct ColumnShape {
    pub name: String,
    pub hint: String,
    pub not_null: bool,
    pub null_pct: Option<f64>,
    pub unique: bool,
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct TableShape {
    pub name: String,
    /// Rows the Python pipeline profiled.
    pub rows: u64,
    pub columns: Vec<ColumnShape>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// At most 2,000 rows a table, with defective later deliveries.
    Demo,
    /// The real row counts (≈ 70 M rows in all).
    Full,
}

pub const DEMO_MAX_ROWS: u64 = 2_000;

/// The profile of `aims_assetattributes` stopped at its 100,000-row sample;
/// the real table holds about 60 M rows, which brings the bronze to ≈ 70 M.
const FULL_ROWS_OVERRIDE: &[(&str, u64)] = &[("aims_assetattributes", 60_000_000)];

pub fn shapes() -> Vec<TableShape> {
    let mut tables: Vec<TableShape> = Vec::new();
    for line in SHAPES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 10 {
            continue;
        }
        let column = ColumnShape {
            name: f[2].to_string(),
            hint: f[3].to_string(),
            not_null: f[4] == "1",
            null_pct: f[5].parse().ok(),
            unique: f[6] == "1",
            min_len: f[7].parse().ok(),
            max_len: f[8].parse().ok(),
            values: if f[9].is_empty() {
                None
            } else {
                serde_json::from_str(f[9]).ok()
            },
        };
        match tables.last_mut() {
            Some(t) if t.name == f[0] => t.columns.push(column),
            _ => tables.push(TableShape {
                name: f[0].to_string(),
                rows: f[1].parse().unwrap_or(0),
                columns: vec![column],
            }),
        }
    }
    tables
}

pub fn rows_for(table: &TableShape, scale: Scale) -> u64 {
    match scale {
        Scale::Demo => table.rows.min(DEMO_MAX_ROWS),
        Scale::Full => FULL_ROWS_OVERRIDE
            .iter()
            .find(|(n, _)| *n == table.name)
            .map(|(_, r)| *r)
            .unwrap_or(table.rows),
    }
}

/// A change applied to a table's rows, to make a defective delivery.
#[derive(Debug, Clone)]
enum Defect {
    None,
    DuplicateIds { column: String },
    DropColumn { column: String },
    UnknownCategory { column: String },
    NullSpike { column: String },
    Empty,
}

fn schema_of(table: &TableShape, defect: &Defect) -> Arc<Schema> {
    let fields: Vec<Field> = table
        .columns
        .iter()
        .filter(|c| !matches!(defect, Defect::DropColumn { column } if *column == c.name))
        .map(|c| Field::new(&c.name, DataType::Utf8, true))
        .collect();
    Arc::new(Schema::new(fields))
}

/// Writes one table to a parquet file, streaming in batches so that the
/// full scale fits in little memory.
fn write_table(path: &Path, table: &TableShape, rows: u64, defect: &Defect) -> anyhow::Result<()> {
    let schema = schema_of(table, defect);
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1 << 20))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
    let rows = if matches!(defect, Defect::Empty) {
        0
    } else {
        rows
    };
    let mut gens: Vec<(String, Gen)> = table
        .columns
        .iter()
        .filter(|c| schema.field_with_name(&c.name).is_ok())
        .map(|c| (c.name.clone(), Gen::new(&table.name, c, rows)))
        .collect();
    const BATCH: u64 = 65_536;
    let mut start = 0;
    while start < rows || (rows == 0 && start == 0) {
        let n = BATCH.min(rows - start);
        let columns: Vec<ArrayRef> = gens
            .iter_mut()
            .map(|(name, g)| {
                let mut vals = g.batch(start, n);
                apply_defect(defect, name, start, &mut vals);
                Arc::new(StringArray::from(vals)) as ArrayRef
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns)?;
        writer.write(&batch)?;
        start += n;
        if rows == 0 {
            break;
        }
    }
    writer.close()?;
    Ok(())
}

fn apply_defect(defect: &Defect, column: &str, start: u64, vals: &mut [Option<String>]) {
    for (i, v) in vals.iter_mut().enumerate() {
        let row = start + i as u64;
        match defect {
            // Every 20th row repeats the ID of the row before it.
            Defect::DuplicateIds { column: c } if c == column && row % 20 == 19 => {
                *v = Some(format!("dup-{}", row / 40));
            }
            Defect::UnknownCategory { column: c } if c == column && row % 25 == 7 => {
                *v = Some("UNKNOWN_CATEGORY".into());
            }
            Defect::NullSpike { column: c } if c == column && row % 5 < 2 => *v = None,
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SampleSummary {
    pub tables: usize,
    pub files: Vec<PathBuf>,
    pub rows: u64,
}

/// Writes the sample bronze layer under `out`. Existing files are replaced.
pub fn generate(out: &Path, scale: Scale, deliveries: bool) -> anyhow::Result<SampleSummary> {
    generate_tables(out, scale, deliveries, &[])
}

/// Like `generate`, limited to the named tables when `only` is not empty.
pub fn generate_tables(
    out: &Path,
    scale: Scale,
    deliveries: bool,
    only: &[String],
) -> anyhow::Result<SampleSummary> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let tables = shapes();
    if let Some(unknown) = only.iter().find(|n| !tables.iter().any(|t| &t.name == *n)) {
        return Err(crate::error::config_err(format!(
            "no sample table named {unknown}; the names are those of the AIMS bronze tables, e.g. aims_assets"
        )));
    }
    // Deliveries too are only of the tables asked for.
    let selected: Vec<TableShape> = tables
        .iter()
        .filter(|t| only.is_empty() || only.contains(&t.name))
        .cloned()
        .collect();
    let mut summary = SampleSummary {
        tables: selected.len(),
        ..Default::default()
    };
    for t in &selected {
        let rows = rows_for(t, scale);
        let path = out.join(format!("{}.parquet", t.name));
        write_table(&path, t, rows, &Defect::None)?;
        summary.rows += rows;
        summary.files.push(path);
    }
    if deliveries {
        later_deliveries(out, &selected, scale, &mut summary)?;
    }
    Ok(summary)
}

fn find<'a>(tables: &'a [TableShape], name: &str) -> Option<&'a TableShape> {
    tables.iter().find(|t| t.name == name)
}

/// Later deliveries, named `<table>_<date>.parquet`: one clean re-delivery
/// and one of each defect the gate must catch.
fn later_deliveries(
    out: &Path,
    tables: &[TableShape],
    scale: Scale,
    summary: &mut SampleSummary,
) -> anyhow::Result<()> {
    let mut plan: Vec<(String, Defect)> = Vec::new();
    if let Some(t) = find(tables, "aims_tracks") {
        plan.push((format!("{}_20260102", t.name), Defect::None));
    }
    if let Some(t) = find(tables, "aims_assets") {
        plan.push((
            format!("{}_20260102", t.name),
            Defect::DuplicateIds {
                column: "ID".into(),
            },
        ));
    }
    if let Some(t) = find(tables, "aims_links") {
        let column = t.columns.last().map(|c| c.name.clone()).unwrap_or_default();
        plan.push((
            format!("{}_20260103", t.name),
            Defect::DropColumn { column },
        ));
    }
    if let Some(t) = find(tables, "aims_attributedomains") {
        plan.push((
            format!("{}_20260103", t.name),
            Defect::UnknownCategory {
                column: "DOMAINTYPE".into(),
            },
        ));
    }
    if let Some(t) = find(tables, "aims_people") {
        let column = t
            .columns
            .iter()
            .find(|c| c.not_null && !c.unique && c.null_pct == Some(0.0))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        plan.push((format!("{}_20260104", t.name), Defect::NullSpike { column }));
    }
    if let Some(t) = find(tables, "aims_consents") {
        plan.push((format!("{}_20260104", t.name), Defect::Empty));
    }
    for (name, defect) in &plan {
        let table_name = crate::discover::strip_date_suffix(name);
        let Some(t) = find(tables, table_name) else {
            continue;
        };
        let rows = rows_for(t, scale);
        let path = out.join(format!("{name}.parquet"));
        write_table(&path, t, rows, defect)?;
        summary.rows += if matches!(defect, Defect::Empty) {
            0
        } else {
            rows
        };
        summary.files.push(path);
    }
    // Bytes that are not parquet at all, and a parquet file cut short.
    if let Some(t) = find(tables, "aims_organisations") {
        let csv = out.join(format!("{}_20260105.parquet", t.name));
        std::fs::write(&csv, "ID,NAME\n1,Not a parquet file\n")?;
        summary.files.push(csv);
    }
    if let Some(t) = find(tables, "aims_routes") {
        let whole = out.join(format!("{}.parquet", t.name));
        let bytes = std::fs::read(&whole)?;
        let cut = out.join(format!("{}_20260105.parquet", t.name));
        std::fs::write(&cut, &bytes[..bytes.len() / 2])?;
        summary.files.push(cut);
    }
    Ok(())
}
