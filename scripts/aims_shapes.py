#!/usr/bin/env python3
"""Rewrites the AIMS bronze table shapes (table/column facts: names, null
shares, uniqueness, length ranges, value sets, type hints) into the compact
tab-separated form the sample-data generator embeds (src/sample/aims_shapes.tsv).

Usage: scripts/aims_shapes.py path/to/aims_tables.json > src/sample/aims_shapes.tsv
"""
import json
import sys

tables = json.load(open(sys.argv[1]))
print("# table\trows\tcolumn\thint\tnot_null\tnull_pct\tunique\tmin_len\tmax_len\tvalues")
for t in tables:
    for c in t["columns"]:
        length = c["length"] or ["", ""]
        null_pct = "" if c["observed_null_pct"] is None else repr(c["observed_null_pct"])
        values = "" if c["value_set"] is None else json.dumps(c["value_set"], ensure_ascii=False)
        row = [t["table"], str(t["profiled_rows"]), c["name"], c["type_hint"],
               "1" if c["not_null"] else "0", null_pct, "1" if c["unique"] else "0",
               str(length[0]), str(length[1]), values]
        print("\t".join(row))
