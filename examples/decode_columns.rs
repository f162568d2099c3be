//! The floor for any validator: decode the named columns of a parquet file
//! with arrow-rs and do nothing else (used by bench/run.py).
//!
//!   cargo run --release --example decode_columns -- FILE COLUMN...

use std::fs::File;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: decode_columns FILE COLUMN...")?;
    let wanted: Vec<String> = args.collect();
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path)?)?;
    let schema = builder.schema().clone();
    let roots: Vec<usize> = wanted
        .iter()
        .map(|c| {
            schema
                .fields()
                .iter()
                .position(|f| f.name() == c)
                .ok_or(format!("no column {c} in {path}"))
        })
        .collect::<Result<_, _>>()?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(65_536)
        .build()?;
    let mut rows = 0usize;
    for batch in reader {
        rows += batch?.num_rows();
    }
    println!("{rows} rows");
    Ok(())
}
