//! One column of a record batch in a form the checks can read: strings as
//! strings, integers as i64/u64, floats as f64 (NaN is missing, as in GX),
//! and every other type as its text.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float64Type, Int32Type, Int64Type, TimestampNanosecondType, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, StringArray,
    UInt64Array,
};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, TimeUnit};
use serde_json::Value;

use crate::util::{date_text, py_float_repr, py_timestamp_text};

pub enum Col {
    Str(StringArray),
    /// Strings as keys into their distinct values (a parquet dictionary).
    Dict(Int32Array, StringArray),
    Int(Int64Array),
    UInt(UInt64Array),
    Float(Float64Array),
    Bool(BooleanArray),
    /// Timestamps as nanoseconds since the epoch (UTC when zoned).
    Time(Int64Array),
    /// Dates as days since the epoch.
    Date(Date32Array),
    /// Any other type (times of day, binary, nested values), as display text.
    Text(StringArray),
}

/// One value. `Text` is a non-string value shown as text: it never equals a
/// string member of a value set (GX compares without coercion).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    /// Nanoseconds since the epoch.
    Time(i64),
    /// Days since the epoch.
    Date(i32),
    Text(&'a str),
}

impl Cell<'_> {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Cell::Int(i) => Some(i as f64),
            Cell::UInt(u) => Some(u as f64),
            Cell::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The text GX's pandas engine checks regexes and lengths against:
    /// `str(value)` in Python.
    pub fn text(&self) -> Cow<'_, str> {
        match *self {
            Cell::Null => Cow::Borrowed("None"),
            Cell::Str(s) | Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(i) => Cow::Owned(i.to_string()),
            Cell::UInt(u) => Cow::Owned(u.to_string()),
            Cell::Float(f) => Cow::Owned(py_float_repr(f)),
            Cell::Bool(b) => Cow::Borrowed(if b { "True" } else { "False" }),
            Cell::Time(t) => Cow::Owned(py_timestamp_text(t)),
            Cell::Date(d) => Cow::Owned(date_text(d)),
        }
    }

    pub fn to_json(&self) -> Value {
        match *self {
            Cell::Null => Value::Null,
            Cell::Str(s) | Cell::Text(s) => Value::String(s.to_string()),
            Cell::Int(i) => Value::from(i),
            Cell::UInt(u) => Value::from(u),
            Cell::Float(f) => serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(py_float_repr(f))),
            Cell::Bool(b) => Value::Bool(b),
            // GX shows timestamps in ISO form.
            Cell::Time(t) => Value::String(py_timestamp_text(t).replacen(' ', "T", 1)),
            Cell::Date(d) => Value::String(date_text(d)),
        }
    }
}

impl Col {
    pub fn from_array(array: &ArrayRef) -> Result<Col, String> {
        let cast = |to: &DataType| {
            arrow_cast::cast(array, to)
                .map_err(|e| format!("cannot read {} values: {e}", array.data_type()))
        };
        Ok(match array.data_type() {
            DataType::Utf8 => Col::Str(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 | DataType::Utf8View => {
                Col::Str(cast(&DataType::Utf8)?.as_string::<i32>().clone())
            }
            DataType::Dictionary(_, v)
                if matches!(
                    **v,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let to = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                let dict = cast(&to)?;
                let dict = dict.as_dictionary::<Int32Type>();
                Col::Dict(
                    dict.keys().clone(),
                    dict.values().as_string::<i32>().clone(),
                )
            }
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                Col::Int(cast(&DataType::Int64)?.as_primitive::<Int64Type>().clone())
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => Col::UInt(
                cast(&DataType::UInt64)?
                    .as_primitive::<UInt64Type>()
                    .clone(),
            ),
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Col::Float(
                cast(&DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            // Decimals are compared as numbers (GX sees Python Decimals).
            DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => Col::Float(
                cast(&DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            DataType::Boolean => Col::Bool(array.as_boolean().clone()),
            DataType::Timestamp(_, tz) => {
                // Out of the nanosecond range (before 1677 or after 2262): shown as text.
                match arrow_cast::cast(
                    array,
                    &DataType::Timestamp(TimeUnit::Nanosecond, tz.clone()),
                ) {
                    Ok(a) => Col::Time(
                        a.as_primitive::<TimestampNanosecondType>()
                            .reinterpret_cast::<Int64Type>(),
                    ),
                    Err(_) => Col::Text(display_text(array)?),
                }
            }
            DataType::Date32 | DataType::Date64 => Col::Date(
                cast(&DataType::Date32)?
                    .as_primitive::<Date32Type>()
                    .clone(),
            ),
            _ => Col::Text(display_text(array)?),
        })
    }

    pub fn len(&self) -> usize {
        match self {
            Col::Str(a) | Col::Text(a) => a.len(),
            Col::Dict(k, _) => k.len(),
            Col::Int(a) => a.len(),
            Col::UInt(a) => a.len(),
            Col::Float(a) => a.len(),
            Col::Bool(a) => a.len(),
            Col::Time(a) => a.len(),
            Col::Date(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn cell(&self, i: usize) -> Cell<'_> {
        match self {
            Col::Str(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Str(a.value(i))
                }
            }
            Col::Dict(k, v) => {
                if k.is_null(i) {
                    return Cell::Null;
                }
                let at = k.value(i) as usize;
                if at >= v.len() || v.is_null(at) {
                    Cell::Null
                } else {
                    Cell::Str(v.value(at))
                }
            }
            Col::Text(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Text(a.value(i))
                }
            }
            Col::Int(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Int(a.value(i))
                }
            }
            Col::UInt(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::UInt(a.value(i))
                }
            }
            Col::Float(a) => {
                // A NaN is missing, as pandas treats it.
                if a.is_null(i) || a.value(i).is_nan() {
                    Cell::Null
                } else {
                    Cell::Float(a.value(i))
                }
            }
            Col::Bool(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Bool(a.value(i))
                }
            }
            Col::Time(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Time(a.value(i))
                }
            }
            Col::Date(a) => {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Date(a.value(i))
                }
            }
        }
    }
}

fn display_text(array: &ArrayRef) -> Result<StringArray, String> {
    let options = FormatOptions::default();
    let formatter = ArrayFormatter::try_new(array.as_ref(), &options)
        .map_err(|e| format!("cannot show {} values as text: {e}", array.data_type()))?;
    let values: Vec<Option<String>> = (0..array.len())
        .map(|i| {
            if array.is_null(i) {
                None
            } else {
                Some(formatter.value(i).to_string())
            }
        })
        .collect();
    Ok(StringArray::from(values))
}
