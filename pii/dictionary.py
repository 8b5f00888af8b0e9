"""The warehouse's data dictionary: comments applied from reference/data_dictionary.yaml, and the
Markdown dictionary (docs/data_dictionary.md) generated back from those comments.

One source of truth: the YAML describes every table, view and column (shared column names once, tables
that exist for some sources only by a pattern such as ``raw.*``); the build writes it into the warehouse
with COMMENT ON, and ``pii dictionary`` reads the comments back, so the document describes what was built.
"""

from __future__ import annotations

import argparse
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pii import yaml_io
from pii.errors import UsageError
from pii.paths import REFERENCE_DIR, REPO_ROOT, warehouse_path

DICTIONARY_PATH = REFERENCE_DIR / "data_dictionary.yaml"
DOC_PATH = REPO_ROOT / "docs" / "data_dictionary.md"
PUBLISHED_SCHEMAS = ("analyst", "pii", "core", "staging", "quarantine", "meta", "raw")
MIN_COLUMN_SHARE = 0.9
GRAIN = " Grain: "


@dataclass(frozen=True)
class TableDoc:
    description: str
    grain: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def comment(self) -> str:
        return f"{self.description}{GRAIN}{self.grain}" if self.grain else self.description


@dataclass(frozen=True)
class Dictionary:
    preamble: str
    schemas: dict[str, str]
    columns: dict[str, str]
    tables: dict[str, TableDoc]
    patterns: dict[str, TableDoc]
    appendix: str = ""

    def table(self, name: str) -> TableDoc | None:
        if name in self.tables:
            return self.tables[name]
        return next((doc for p, doc in sorted(self.patterns.items()) if fnmatch.fnmatchcase(name, p)), None)

    def column(self, table: str, column: str) -> str | None:
        doc = self.table(table)
        own = doc.columns if doc else {}
        if column in own:
            return own[column]
        # Column patterns (``ind_*``) of the table, then the names shared by every table.
        hit = next((d for p, d in sorted(own.items()) if "*" in p and fnmatch.fnmatchcase(column, p)), None)
        return hit if hit is not None else self.columns.get(column)


def _table_doc(where: str, entry: Any) -> TableDoc:
    if not isinstance(entry, dict) or not isinstance(entry.get("description"), str):
        raise ValueError(f"{DICTIONARY_PATH.name}: {where} needs a 'description' text")
    columns = entry.get("columns") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
        raise ValueError(f"{DICTIONARY_PATH.name}: {where}.columns must map column names to texts")
    return TableDoc(" ".join(entry["description"].split()), " ".join(str(entry.get("grain", "")).split()),
                    {k: " ".join(v.split()) for k, v in columns.items()})


def load_dictionary(path: Path = DICTIONARY_PATH) -> Dictionary:
    """Read and validate the dictionary; a malformed entry raises ValueError naming it."""
    doc = yaml_io.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise ValueError(f"{path.name}: expected a mapping with 'tables'")
    return Dictionary(
        preamble=str(doc.get("preamble", "")).strip(),
        schemas={k: " ".join(str(v).split()) for k, v in (doc.get("schemas") or {}).items()},
        columns={k: " ".join(str(v).split()) for k, v in (doc.get("columns") or {}).items()},
        tables={k: _table_doc(k, v) for k, v in doc["tables"].items()},
        patterns={k: _table_doc(k, v) for k, v in (doc.get("patterns") or {}).items()},
        appendix=str(doc.get("appendix", "")).strip(),
    )


def relations(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    """(schema, name, 'table'|'view', comment) of every published relation of the current database."""
    schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
    return [tuple(r) for r in conn.execute(f"""
        SELECT schema_name, table_name, 'table', comment FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name IN ({schemas}) AND NOT internal
        UNION ALL
        SELECT schema_name, view_name, 'view', comment FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name IN ({schemas}) AND NOT internal
        ORDER BY 1, 2
    """).fetchall()]


def columns_of(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, str | None]]]:
    """schema.table -> [(column, type, comment)] in column order, for every published relation."""
    schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for schema, table, column, dtype, comment in conn.execute(f"""
        SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name IN ({schemas}) AND NOT internal
        ORDER BY schema_name, table_name, column_index
    """).fetchall():
        out.setdefault(f"{schema}.{table}", []).append((column, dtype, comment))
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _indicator_names(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """pii_input column -> '1.1.1 name (unit)', from the latest framework year that has the indicator."""
    try:
        rows = conn.execute("""
            SELECT column_name, arg_max(indicator_code || ' ' || name_en || ' (' || unit || ')', framework_year)
            FROM meta.framework_indicators GROUP BY column_name
        """).fetchall()
    except duckdb.CatalogException:
        return {}
    return {c: d for c, d in rows}


def apply_comments(conn: duckdb.DuckDBPyConnection, dictionary: Dictionary) -> int:
    """COMMENT ON every published relation and column the dictionary describes whose comment differs (a
    relation an earlier run built and this one did not replace keeps its comments: no catalog write); returns
    the comments written. One transaction: a commit per COMMENT statement cost three times as much."""
    statements = _comment_statements(conn, dictionary)
    if statements:
        conn.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(statements)


def _comment_statements(conn: duckdb.DuckDBPyConnection, dictionary: Dictionary) -> list[str]:
    """The COMMENT statements that make the warehouse's comments the dictionary's (read-only)."""
    indicators = _indicator_names(conn)
    kinds = {f"{s}.{t}": (k, c) for s, t, k, c in relations(conn)}
    statements: list[str] = []
    for name, cols in columns_of(conn).items():
        doc = dictionary.table(name)
        if doc is None:
            continue
        quoted = ".".join(f'"{p}"' for p in name.split("."))
        kind, current = kinds[name]
        if current != doc.comment():
            statements.append(f"COMMENT ON {kind.upper()} {quoted} IS {_literal(doc.comment())}")
        for column, _, comment in cols:
            text = dictionary.column(name, column)
            if text is None:
                continue
            text = text.replace("{indicator}", indicators.get(column, column))
            if comment != text:
                statements.append(f'COMMENT ON COLUMN {quoted}."{column}" IS {_literal(text)}')
    return statements


@dataclass(frozen=True)
class Gap:
    relation: str
    has_comment: bool
    share: float
    uncommented: list[str]

    def text(self) -> str:
        head = f"{self.relation}: " + ("" if self.has_comment else "no comment; ")
        return head + f"{self.share:.0%} of columns commented, missing: {', '.join(self.uncommented) or '-'}"


def comment_gaps(conn: duckdb.DuckDBPyConnection, min_share: float = MIN_COLUMN_SHARE) -> list[Gap]:
    """Published relations without a comment or with fewer than ``min_share`` of their columns commented."""
    comments = {f"{s}.{t}": c for s, t, _, c in relations(conn)}
    gaps = []
    for name, cols in columns_of(conn).items():
        missing = [c for c, _, comment in cols if not comment]
        share = 1 - len(missing) / len(cols) if cols else 1.0
        if not comments.get(name) or share < min_share:
            gaps.append(Gap(name, bool(comments.get(name)), share, missing))
    return gaps


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(conn: duckdb.DuckDBPyConnection, dictionary: Dictionary) -> str:
    """docs/data_dictionary.md from the warehouse's comments, sorted; relations of one pattern with the same
    columns (raw.<source_id> of one kind) are listed once."""
    cols = columns_of(conn)
    groups: dict[tuple[str, str, str | None, tuple], list[str]] = {}
    for schema, table, kind, comment in relations(conn):
        name = f"{schema}.{table}"
        key_name = name
        if name not in dictionary.tables and dictionary.table(name) is not None:
            key_name = next(p for p in sorted(dictionary.patterns) if fnmatch.fnmatchcase(name, p))
        groups.setdefault((key_name, kind, comment, tuple(cols.get(name, []))), []).append(name)
    lines = ["# Data dictionary", "",
             "<!-- Generated by `pii dictionary` from the warehouse's comments (source: "
             "reference/data_dictionary.yaml). Do not edit by hand. -->", "", dictionary.preamble, ""]
    order = {s: i for i, s in enumerate(PUBLISHED_SCHEMAS)}
    by_schema: dict[str, list] = {}
    for key, names in groups.items():
        by_schema.setdefault(names[0].split(".")[0], []).append((key, sorted(names)))
    for schema in sorted(by_schema, key=lambda s: order[s]):
        lines += [f"## Schema `{schema}`", "", dictionary.schemas.get(schema, ""), ""]
        for (key_name, kind, comment, columns), names in sorted(by_schema[schema], key=lambda e: (e[0][0], e[1])):
            description, _, grain = (comment or "(no comment)").partition(GRAIN)
            title = f"`{key_name}`" if key_name == names[0] else f"`{key_name}`: " + ", ".join(
                f"`{n}`" for n in names)
            lines += [f"### {title} ({kind})", "", description, ""]
            if grain:
                lines += [f"Grain: {grain}", ""]
            lines += ["| column | type | description |", "|---|---|---|"]
            lines += [f"| `{c}` | {_cell(t)} | {_cell(d)} |" for c, t, d in columns]
            lines.append("")
    if dictionary.appendix:
        lines += [dictionary.appendix, ""]
    return "\n".join(lines).rstrip() + "\n"


def _dictionary(args: argparse.Namespace) -> int:
    from pii.warehouse import open_warehouse

    path = Path(args.warehouse) if args.warehouse else warehouse_path()
    conn = open_warehouse(path)
    try:
        text = dictionary_markdown(conn, load_dictionary())
    finally:
        conn.close()
    out: Path = args.out
    if args.check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is stale: run `pii dictionary`")
            return 1
        print(f"{out} is up to date")
        return 0
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give the Markdown file to write")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"data dictionary -> {out}")
    return 0


def add_dictionary_command(sub: Any) -> None:
    """Register ``pii dictionary [--out FILE] [--check] [--warehouse FILE]``."""
    cmd = sub.add_parser("dictionary", help="write docs/data_dictionary.md from the published warehouse's comments")
    cmd.add_argument("--out", type=Path, default=DOC_PATH, help="Markdown file (default: docs/data_dictionary.md)")
    cmd.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 when the file differs from what the warehouse gives")
    cmd.add_argument("--warehouse", help="warehouse file (default: PII_DUCKDB_PATH, the published warehouse)")
    cmd.set_defaults(func=_dictionary)
