"""The Spark engine of file mode: the same per-partition function through PySpark ``mapInArrow``.

Partitions are made by customer (``repartition`` on ``customer_id``), each task loads the model,
strategy and policy once and runs ``pipeline.prepare`` on its Arrow batches; the prepared rows come
back to the driver, which allocates and writes as the local engine does. Runs on ``local[*]`` unless
``ARREARS_SPARK_MASTER`` (or spark-submit) says otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from arrears.batch.pipeline import PREPARED_SCHEMA, Day, prepare
from arrears.batch.portfolio import check_portfolio
from arrears.compliance.policy import Policy
from arrears.strategy.schema import Strategy

_SPARK_TYPES = {
    pl.String(): "string",
    pl.Int16(): "short",
    pl.Int32(): "int",
    pl.Int64(): "long",
    pl.Float64(): "double",
    pl.Boolean(): "boolean",
    pl.List(pl.String()): "array<string>",
    pl.Datetime("us", "UTC"): "timestamp",
}


def _plain(kind: pa.DataType) -> pa.DataType:
    """Spark reads plain strings and lists, not their large variants."""
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_large_list(kind):
        return pa.list_(_plain(kind.value_type))
    return kind


def _arrow_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(field.name, _plain(field.type)) for field in schema])


def spark_schema() -> str:
    return ", ".join(f"{name} {_SPARK_TYPES[dtype]}" for name, dtype in PREPARED_SCHEMA.items())


def _task(model_directory: str, strategy: Strategy, policy: Policy, as_of: date) -> Any:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from arrears.scoring.model import load_model

        day = Day(strategy, load_model(Path(model_directory)), policy, as_of)
        frames = [pl.from_arrow(batch) for batch in batches]
        if not frames:
            return
        accounts = check_portfolio(pl.concat([f for f in frames if isinstance(f, pl.DataFrame)]), "partition")
        prepared = prepare(accounts, day).with_columns(pl.col("scheduled_at").dt.replace_time_zone(None))
        table = prepared.to_arrow(compat_level=pl.CompatLevel.oldest())
        yield from table.cast(_arrow_schema(table.schema)).to_batches()

    return run


def session() -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter
    builder = SparkSession.builder.appName("arrears-batch").config("spark.sql.session.timeZone", "UTC")
    if "SPARK_HOME" not in os.environ or os.environ.get("ARREARS_SPARK_MASTER"):
        builder = builder.master(os.environ.get("ARREARS_SPARK_MASTER", "local[*]"))
    builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def prepare_with_spark(
    accounts_path: str | Path, model_directory: Path, strategy: Strategy, policy: Policy, as_of: date
) -> pl.DataFrame:
    spark = session()
    frame = spark.read.parquet(str(accounts_path))
    partitions = max(2, spark.sparkContext.defaultParallelism)
    task = _task(str(model_directory.resolve()), strategy, policy, as_of)
    result = frame.repartition(partitions, "customer_id").mapInArrow(task, spark_schema())
    table = result.toArrow()
    prepared = pl.from_arrow(table)
    assert isinstance(prepared, pl.DataFrame)
    return prepared.with_columns(pl.col("scheduled_at").dt.replace_time_zone("UTC")).select(
        pl.col(name).cast(dtype) for name, dtype in PREPARED_SCHEMA.items()
    )
