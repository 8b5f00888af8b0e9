"""Reading the engine's inputs from the build and writing the ``pii`` schema, shared by the index assets."""

from dataclasses import dataclass

import duckdb
import polars as pl

from assets._warehouse import write_frame
from pii.scoring.inputs import framework_idata, framework_imeta
from pii.scoring.structure import Structure

GROUP = "pii"
SCHEMA = "pii"
INPUT_DEPS = [["core", "pii_input"], ["meta", "framework_indicators"], ["meta", "framework_nodes"],
              ["meta", "provinces"]]


@dataclass(frozen=True)
class YearInput:
    """One framework year as the engine reads it."""

    year: int
    boundary: str
    idata: pl.DataFrame
    imeta: pl.DataFrame
    structure: Structure
    provinces: list[str]  # every province of the year's boundary (what must be scored)


def load_years(conn: duckdb.DuckDBPyConnection) -> list[YearInput]:
    """iData/iMeta per framework year, from core.pii_input and the meta framework tables."""
    indicators = conn.sql("SELECT * FROM meta.framework_indicators").pl()
    nodes = conn.sql("SELECT * FROM meta.framework_nodes").pl()
    provinces = conn.sql("SELECT boundary, province_code FROM meta.provinces").pl()
    out = []
    for year in sorted(indicators["framework_year"].unique().to_list()):
        ind = indicators.filter(pl.col("framework_year") == year)
        boundaries = ind["boundary"].unique().to_list()
        if len(boundaries) != 1:
            raise ValueError(f"framework {year}: indicators name several boundaries {boundaries}")
        pii_input = conn.sql("SELECT * FROM core.pii_input WHERE framework_year = ?", params=[year]).pl()
        if pii_input.is_empty():
            raise ValueError(f"core.pii_input has no rows for framework year {year}")
        imeta = framework_imeta(ind, nodes.filter(pl.col("framework_year") == year))
        expected = sorted(provinces.filter(pl.col("boundary") == boundaries[0])["province_code"].to_list())
        out.append(YearInput(int(year), boundaries[0], framework_idata(pii_input, ind), imeta,
                             Structure.from_imeta(imeta), expected))
    return out


def write_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, order_by: list[str]) -> None:
    """write_frame into the pii schema (created here: it is not one of the ingestion layers)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    write_frame(conn, table, frame, order_by)
