#!/usr/bin/env python3
"""Record export's read side (issue 14): a PostgreSQL table as JSON Lines, side by side.

    python3 bench/records_bench.py --reader build/bench/cloudsync_bench_records
    python3 bench/records_bench.py --reader ... --rows 100000 --scenarios copy,source --results out.md

Starts the postgres peer (tests/peers/start-postgres.sh), loads ROWS rows
(id bigint, updated_at timestamptz, text, integer, float, numeric, boolean and
jsonb columns: about 190 bytes of JSON each) with one INSERT ... SELECT
generate_series, indexes (updated_at, id), and times each scenario once:

  copy    psql  \\copy (select row_to_json(t) from T t) to FILE   (the baseline)
  source  bench/cloudsync_bench_records: the table read through
          PostgresRecordSource (keyset pages of PAGE records) into a null visitor
  export  `cloudsync export-records run` of the whole table to the null S3
          server (bench/nulls3, --endpoint): keyset pages, JSON Lines files of
          100,000 rows spooled, hashed (SHA-256) and PUT, the run's manifest,
          the catalog's watermark

For each: wall seconds, rows/s, the client process's CPU seconds (user+sys)
and peak RSS (the server's work is the same query for both and is not counted).
Prints a Markdown table (and appends it to --results when given). The issue
aims at >= 200,000 rows/s on one core and < 64 MiB RSS for the full export.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "peers"))
from peers import Peer  # noqa: E402

TABLE = "bench_records"

LOAD_SQL = f"""
CREATE TABLE {TABLE} (
  id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, name text,
  quantity integer, price double precision, total numeric(12, 2), active boolean, attributes jsonb);
INSERT INTO {TABLE}
SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '7 milliseconds',
       'customer ' || g, g % 100, (g % 1000) / 7.0,
       (g % 100000) / 100.0, g % 3 <> 0, jsonb_build_object('tier', 'gold', 'tags', jsonb_build_array('a', g % 10))
FROM generate_series(1, {{rows}}) g;
CREATE INDEX {TABLE}_keyset ON {TABLE} (updated_at, id);
"""


def timed(argv, env, stdout=subprocess.DEVNULL):
    """Runs argv; returns (wall seconds, CPU seconds user+sys, peak RSS MiB, its stdout)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", required=True, help="the cloudsync_bench_records binary")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the table (1,000,000)")
    parser.add_argument("--page", type=int, default=10_000, help="records per keyset page (10,000)")
    parser.add_argument("--scenarios", default="copy,source", help="comma-separated: copy, source, export")
    parser.add_argument("--cli", help="the cloudsync binary (export)")
    parser.add_argument("--endpoint", help="the null S3 server's URL, e.g. http://127.0.0.1:19002 (export)")
    parser.add_argument("--results", help="append the table to this file")
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")

    tmp = tempfile.mkdtemp(prefix="cloudsync-records-bench-")
    os.chmod(tmp, 0o755)  # the server runs as nobody when we are root; psql writes the copy here as us
    pg = None
    try:
        pg = Peer.postgres(os.path.join(tmp, "postgres"))
        load_started = time.monotonic()
        pg.psql(LOAD_SQL.format(rows=args.rows))
        pg.psql(f"VACUUM ANALYZE {TABLE}")  # not in the load's transaction
        load_s = time.monotonic() - load_started
        json_bytes = int(pg.psql(f"SELECT sum(octet_length(row_to_json(t)::text) + 1) FROM {TABLE} t").strip())
        e = pg.env
        env = dict(os.environ, PGHOST=e["PGHOST"], PGPORT=e["PGPORT"], PGUSER=e["PGUSER"],
                   PGPASSWORD=e["PGPASSWORD"], PGDATABASE=e["PGDATABASE"],
                   POSTGRES_CONNINFO=f"host={e['PGHOST']} port={e['PGPORT']} user={e['PGUSER']} "
                                     f"dbname={e['PGDATABASE']}")

        rows = []
        if "copy" in scenarios:
            out = os.path.join(tmp, "copy.jsonl")
            wall, cpu, rss = timed(["psql", "-qX", "-c",
                                    f"\\copy (select row_to_json(t) from {TABLE} t) to '{out}'"], env)
            rows.append(("psql \\copy row_to_json (baseline)", wall, cpu, rss))
            os.remove(out)
        if "source" in scenarios:
            report = os.path.join(tmp, "source.json")
            with open(report, "wb") as f:
                wall, cpu, rss = timed([args.reader, TABLE, str(args.page)], env, stdout=f)
            with open(report) as f:
                got = json.loads(f.read())
            if got["rows"] != args.rows:
                raise RuntimeError(f"the source read {got['rows']} rows of {args.rows}")
            rows.append((f"PostgresRecordSource, pages of {args.page}, null visitor", wall, cpu, rss))
        if "export" in scenarios:
            if not args.cli or not args.endpoint:
                raise RuntimeError("the export scenario needs --cli and --endpoint")
            catalog = os.path.join(tmp, "catalog")
            export_env = dict(env, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret")
            wall, cpu, rss = timed([args.cli, "export-records", "run", "bench", "--postgres", env["POSTGRES_CONNINFO"],
                                    "--table", TABLE, "--to", "s3://bench/records", "-o", f"endpoint={args.endpoint}",
                                    "-o", "region=us-east-1", "--catalog", catalog, "--lag", "0", "--json"],
                                   export_env)
            rows.append(("cloudsync export-records run to the null S3 server (JSON Lines, SHA-256, manifest)",
                         wall, cpu, rss))

        table = [
            f"records: {args.rows:,} rows ({json_bytes / args.rows:.0f} bytes of JSON each, "
            f"{json_bytes / 2**20:.0f} MiB) from PostgreSQL (peer, loaded in {load_s:.1f} s); "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            "",
            "| reader | wall s | rows/s | client CPU s (user+sys) | rows/s per client CPU s | peak RSS MiB |",
            "|---|---|---|---|---|---|",
        ]
        for name, wall, cpu, rss in rows:
            per_cpu = f"{args.rows / cpu:,.0f}" if cpu > 0 else "-"
            table.append(f"| {name} | {wall:.2f} | {args.rows / wall:,.0f} | {cpu:.2f} | {per_cpu} | {rss:.1f} |")
        text = "\n".join(table) + "\n"
        print(text)
        if args.results:
            with open(args.results, "a") as f:
                f.write("\n" + text)
        return 0
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
