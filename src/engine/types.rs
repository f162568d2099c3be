//! `expect_column_values_to_be_of_type` / `_in_type_list`: type names as GX
//! users write them (numpy and pandas names, Python names) and Arrow's names,
//! judged against the column's Arrow type seen the way GX's pandas engine
//! sees a parquet column (see the README's type table).

use arrow_schema::DataType;

/// How GX's pandas engine sees a column read from parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PandasView {
    /// A numpy dtype; the name is what GX reports (`dtype.type.__name__`).
    Dtype(&'static str),
    /// An `object` column whose values are all of this Python class.
    Object(&'static str),
}

/// The pandas view of an Arrow type. Integers and booleans keep their dtype
/// even when the column has nulls (pandas would turn them into float64 and
/// object: a deliberate difference, documented in the README).
pub fn pandas_view(dt: &DataType) -> PandasView {
    use PandasView::*;
    match dt {
        DataType::Int8 => Dtype("int8"),
        DataType::Int16 => Dtype("int16"),
        DataType::Int32 => Dtype("int32"),
        DataType::Int64 => Dtype("int64"),
        DataType::UInt8 => Dtype("uint8"),
        DataType::UInt16 => Dtype("uint16"),
        DataType::UInt32 => Dtype("uint32"),
        DataType::UInt64 => Dtype("uint64"),
        DataType::Float16 => Dtype("float16"),
        DataType::Float32 => Dtype("float32"),
        DataType::Float64 => Dtype("float64"),
        DataType::Boolean => Dtype("bool"),
        DataType::Timestamp(_, None) => Dtype("datetime64"),
        DataType::Timestamp(_, Some(_)) => Dtype("Timestamp"),
        DataType::Duration(_) => Dtype("timedelta64"),
        DataType::Dictionary(_, v) => pandas_view(v),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Object("str"),
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => Object("bytes"),
        DataType::Date32 | DataType::Date64 => Object("date"),
        DataType::Time32(_) | DataType::Time64(_) => Object("time"),
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => Object("Decimal"),
        DataType::Struct(_) => Object("dict"),
        DataType::Map(..) => Object("list"),
        DataType::Null => Object("NoneType"),
        _ => Object("ndarray"),
    }
}

const OBJECT_NAMES: [&str; 3] = ["object", "O", "object_"];

/// The numpy dtype class `np.dtype(name).type` names, if numpy knows `name`.
fn numpy_type(name: &str) -> Option<&'static str> {
    let base = name.split('[').next().unwrap_or(name);
    Some(match base {
        "int8" | "i1" | "byte" => "int8",
        "int16" | "i2" | "short" => "int16",
        "int32" | "i4" | "intc" => "int32",
        "int64" | "i8" | "int" | "long" | "longlong" | "intp" => "int64",
        "uint8" | "u1" | "ubyte" => "uint8",
        "uint16" | "u2" | "ushort" => "uint16",
        "uint32" | "u4" | "uintc" => "uint32",
        "uint64" | "u8" | "uint" | "ulong" | "ulonglong" | "uintp" => "uint64",
        "float16" | "f2" | "half" => "float16",
        "float32" | "f4" | "single" => "float32",
        "float64" | "f8" | "float" | "double" => "float64",
        "bool" | "bool_" | "b1" | "?" => "bool",
        "datetime64" | "M8" | "M" => "datetime64",
        "timedelta64" | "m8" | "m" => "timedelta64",
        "object" | "O" | "object_" => "object_",
        "str" | "str_" | "unicode" | "U" => "str_",
        "bytes" | "bytes_" | "S" => "bytes_",
        _ => return None,
    })
}

/// Python classes a name stands for in GX's per-value check of object
/// columns (`isinstance`), including subclasses that matter here.
fn python_classes(name: &str) -> &'static [&'static str] {
    match name.to_ascii_lowercase().as_str() {
        "none" => &["NoneType"],
        "bool" => &["bool"],
        "int" | "long" => &["int"],
        "float" => &["float"],
        "bytes" => &["bytes"],
        "str" | "string_types" => &["str"],
        "list" => &["list"],
        "dict" => &["dict"],
        _ => match name {
            "date" => &["date", "datetime", "Timestamp"],
            "datetime" => &["datetime", "Timestamp"],
            "Decimal" => &["Decimal"],
            "Timestamp" => &["Timestamp"],
            _ => &[],
        },
    }
}

fn arrow_type(name: &str) -> Option<DataType> {
    name.parse::<DataType>().ok()
}

/// The Arrow type's variant name (`Timestamp` for `Timestamp(ns, "UTC")`).
fn arrow_variant(dt: &DataType) -> String {
    let debug = format!("{dt:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

const ARROW_VARIANTS: [&str; 37] = [
    "Null",
    "Boolean",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Float16",
    "Float32",
    "Float64",
    "Timestamp",
    "Date32",
    "Date64",
    "Time32",
    "Time64",
    "Duration",
    "Interval",
    "Binary",
    "FixedSizeBinary",
    "LargeBinary",
    "BinaryView",
    "Utf8",
    "LargeUtf8",
    "Utf8View",
    "List",
    "FixedSizeList",
    "LargeList",
    "Struct",
    "Dictionary",
    "Decimal32",
    "Decimal64",
    "Decimal128",
    "Decimal256",
    "Map",
];

fn known(name: &str) -> bool {
    numpy_type(name).is_some()
        || !python_classes(name).is_empty()
        || ARROW_VARIANTS.contains(&name)
        || arrow_type(name).is_some()
}

/// Refuses names neither GX nor Arrow would recognise (GX itself fails the
/// expectation at run time; a suite error says more).
pub fn check_known(names: &[String]) -> Result<(), String> {
    if names.is_empty() {
        return Err("kwarg `type_list` must name at least one type".into());
    }
    match names.iter().find(|n| !known(n)) {
        Some(bad) => Err(format!(
            "type {bad:?} is not a numpy/pandas/Python type name nor an Arrow type; use e.g. int64, float64, str, object, bool, datetime64[ns], Timestamp, date, Decimal, or an Arrow name such as Utf8 or Int32"
        )),
        None => Ok(()),
    }
}

/// How a type check ends for a column.
pub enum TypeVerdict {
    /// Judged on the column's dtype: success and the dtype name GX reports.
    Dtype(bool, String),
    /// Judged value by value (object columns): whether every non-null value
    /// is of a listed class.
    Values(bool),
}

pub fn judge(names: &[String], dt: &DataType) -> TypeVerdict {
    // Arrow names are judged on the Arrow type itself.
    let arrow_hit = names
        .iter()
        .any(|n| arrow_type(n).is_some_and(|t| &t == dt) || *n == arrow_variant(dt));
    match pandas_view(dt) {
        PandasView::Dtype(d) => {
            let hit = arrow_hit
                || names
                    .iter()
                    .any(|n| numpy_type(n) == Some(d) || (d == "Timestamp" && n == "Timestamp"));
            TypeVerdict::Dtype(hit, d.to_string())
        }
        PandasView::Object(class) => {
            if names.iter().any(|n| OBJECT_NAMES.contains(&n.as_str())) {
                return TypeVerdict::Dtype(true, "object_".into());
            }
            let hit = arrow_hit || names.iter().any(|n| python_classes(n).contains(&class));
            TypeVerdict::Values(hit)
        }
    }
}
