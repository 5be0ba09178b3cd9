"""Finding a contact point by its value's keyed hash alone (a cardholder's SMS reply, an inbound caller's
number) on PostgreSQL, without and with ``ix_contact_point_value_hash`` (migration 0022).

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/contact_lookup_bench.py --points 3000000

Builds the migrated schema in a schema of its own on ``--postgres-url`` (else ``ARREARS_TEST_DATABASE_URL``;
dropped afterwards), fills ``--points`` contact points (two per customer, a mobile and an address) in
SQL, then times the reply's lookup (``messaging.inbound_repository.points_by_hash``) for ``--lookups``
random hashes, first with the index dropped, then with it; prints the median and p95 per lookup.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from sqlalchemy import Engine, text

from arrears import migrate
from arrears.db import make_engine
from arrears.messaging.inbound_repository import points_by_hash

FILL = """
INSERT INTO customer (id, customer_no, name, national_id_enc, national_id_hash, national_id_masked,
                      created_at, updated_at)
SELECT g, 'C' || g, 'n' || g, '\\x00'::bytea, md5('id' || g) || md5('di' || g), '1***', now(), now()
FROM generate_series(1, :customers) g;
INSERT INTO contact_point (customer_id, kind, value_enc, value_hash, value_masked, is_primary, created_at)
SELECT (g + 1) / 2, CASE WHEN g % 2 = 0 THEN 'mobile' ELSE 'home_address' END, '\\x00'::bytea,
       md5('p' || g) || md5('q' || g), '1**', true, now()
FROM generate_series(1, :points) g;
ANALYZE customer; ANALYZE contact_point;
"""


def timed(engine: Engine, hashes: list[str]) -> list[float]:
    took = []
    with engine.connect() as connection:
        for one in hashes:
            started = time.perf_counter()
            points_by_hash(connection, hashes=[one], kinds=["mobile", "home_phone", "work_phone"])
            took.append(time.perf_counter() - started)
    return took


def report(label: str, took: list[float]) -> None:
    ordered = sorted(took)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label:<28} median {statistics.median(took) * 1000:8.2f} ms   p95 {p95 * 1000:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=3_000_000)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--postgres-url", default=os.environ.get("ARREARS_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.postgres_url:
        raise SystemExit("needs PostgreSQL: --postgres-url or ARREARS_TEST_DATABASE_URL")
    schema = f"lookup_bench_{os.getpid()}"
    admin = make_engine(args.postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(args.postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate.upgrade(engine)
        started = time.perf_counter()
        with engine.begin() as connection:
            for statement in filter(str.strip, FILL.split(";")):
                connection.execute(
                    text(statement), {"customers": (args.points + 1) // 2, "points": args.points}
                )
        print(f"{args.points:,} contact points filled in {time.perf_counter() - started:.1f} s")
        picked = random.Random(7).sample(range(1, args.points + 1), args.lookups)
        with engine.connect() as connection:
            hash_of = text("SELECT md5('p' || :g) || md5('q' || :g)")
            hashes = [str(connection.execute(hash_of, {"g": g}).scalar()) for g in picked]
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_contact_point_value_hash"))
        report("without the index", timed(engine, hashes))
        with engine.begin() as connection:
            connection.execute(text("CREATE INDEX ix_contact_point_value_hash ON contact_point (value_hash)"))
            connection.execute(text("ANALYZE contact_point"))
        report("with ix_contact_point_value_hash", timed(engine, hashes))
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
