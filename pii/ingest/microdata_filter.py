"""The filter language of microdata measures (reference/sources.yaml, kind ``microdata``): parsed, never pasted.

A filter selects unit records, e.g. ``co_viec_lam = 1 AND tuoi >= 15`` or
``tinh_trang = 1 AND prefix(nganh_vsic, 2) BETWEEN '69' AND '75'``. It is parsed here into a tree and
rendered to DuckDB SQL with every column as a quoted identifier and every literal re-written by the
renderer, so nothing of the text reaches a query as it was written. The grammar, and nothing else::

    expr       := or_expr
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := not_expr ("AND" not_expr)*
    not_expr   := "NOT" not_expr | "(" expr ")" | comparison
    comparison := operand op operand                         op: = <> != < <= > >=
                | operand ["NOT"] "IN" "(" literal ("," literal)* ")"
                | operand ["NOT"] "BETWEEN" operand "AND" operand
    operand    := column | number | 'text' | prefix(column, n)   (left(column, n) is the same function)

Keywords are case-insensitive; a column is a variable the source declares in ``columns`` (an unknown name is
an error naming it, with the declared ones); text literals use single quotes (``''`` for a quote). Types are
checked: a ``number`` column compares with numbers, a ``text`` column (and ``prefix``) with text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

KEYWORDS = {"AND", "OR", "NOT", "IN", "BETWEEN"}
FUNCTIONS = {"prefix", "left"}
OPERATORS = ("<=", ">=", "<>", "!=", "=", "<", ">")
TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>-?\d+(?:\.\d+)?)
    | (?P<text>'(?:[^']|'')*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=|>=|<>|!=|=|<|>)
    | (?P<punct>[(),])
    )""", re.VERBOSE)


class FilterError(ValueError):
    """A filter that is not in the grammar, names an unknown column or mixes types."""


@dataclass(frozen=True)
class Token:
    kind: str  # number, text, name, keyword, op, punct, end
    value: str
    pos: int


@dataclass(frozen=True)
class Filter:
    """A parsed filter: its SQL (quoted identifiers) and the columns it reads."""

    text: str
    sql: str
    columns: tuple[str, ...]


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            start = len(text) - len(text[pos:].lstrip())
            raise FilterError(f"unexpected character {text[start]!r} at position {start + 1}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "name" and value.upper() in KEYWORDS:
            kind, value = "keyword", value.upper()
        tokens.append(Token(kind, value, start))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _Parser:
    def __init__(self, text: str, columns: Mapping[str, str]) -> None:
        self.text = text
        self.columns = columns  # name -> 'number' | 'text'
        self.tokens = tokenize(text)
        self.i = 0
        self.used: list[str] = []

    # -- helpers
    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, value: str | None = None) -> Token:
        tok = self.peek()
        if tok.kind != kind or (value is not None and tok.value != value):
            want = value or kind
            got = tok.value or "the end"
            raise FilterError(f"expected {want!r} at position {tok.pos + 1}, found {got!r}")
        return self.take()

    def keyword(self, word: str) -> bool:
        if self.peek().kind == "keyword" and self.peek().value == word:
            self.i += 1
            return True
        return False

    # -- grammar
    def parse(self) -> str:
        sql = self.or_expr()
        if self.peek().kind != "end":
            tok = self.peek()
            raise FilterError(f"unexpected {tok.value!r} at position {tok.pos + 1}")
        return sql

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.keyword("OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_expr(self) -> str:
        parts = [self.not_expr()]
        while self.keyword("AND"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_expr(self) -> str:
        if self.keyword("NOT"):
            return f"(NOT {self.not_expr()})"
        if self.peek().kind == "punct" and self.peek().value == "(":
            self.take()
            inner = self.or_expr()
            self.expect("punct", ")")
            return f"({inner})"
        return self.comparison()

    def comparison(self) -> str:
        left, ltype = self.operand()
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            self.expect("punct", "(")
            items = [self.literal(ltype)]
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.take()
                items.append(self.literal(ltype))
            self.expect("punct", ")")
            return f"({left} {'NOT IN' if negate else 'IN'} ({', '.join(items)}))"
        if self.keyword("BETWEEN"):
            low, lowtype = self.operand()
            if not self.keyword("AND"):
                tok = self.peek()
                raise FilterError(f"expected 'AND' of BETWEEN at position {tok.pos + 1}")
            high, hightype = self.operand()
            self._same(ltype, lowtype, "BETWEEN")
            self._same(ltype, hightype, "BETWEEN")
            return f"({left} {'NOT BETWEEN' if negate else 'BETWEEN'} {low} AND {high})"
        if negate:
            tok = self.peek()
            raise FilterError(f"expected IN or BETWEEN after NOT at position {tok.pos + 1}")
        tok = self.peek()
        if tok.kind != "op":
            raise FilterError(f"expected a comparison (= <> < <= > >= IN BETWEEN) at position {tok.pos + 1}, "
                              f"found {tok.value or 'the end'!r}")
        op = "<>" if self.take().value == "!=" else tok.value
        right, rtype = self.operand()
        self._same(ltype, rtype, op)
        return f"({left} {op} {right})"

    def operand(self) -> tuple[str, str]:
        tok = self.peek()
        if tok.kind == "name" and self.peek(1).kind == "punct" and self.peek(1).value == "(":
            if tok.value.lower() not in FUNCTIONS:
                raise FilterError(f"unknown function {tok.value!r} at position {tok.pos + 1} "
                                  f"(allowed: {', '.join(sorted(FUNCTIONS))})")
            self.take()
            self.take()
            column, ctype = self.column()
            if ctype != "text":
                raise FilterError(f"{tok.value}() takes a text column; '{column.strip(chr(34))}' is {ctype}")
            self.expect("punct", ",")
            n = self.expect("number")
            if not n.value.isdigit() or int(n.value) < 1:
                raise FilterError(f"{tok.value}() length must be a whole number ≥ 1, got {n.value}")
            self.expect("punct", ")")
            return f"left({column}, {int(n.value)})", "text"
        if tok.kind == "name":
            return self.column()
        if tok.kind in ("number", "text"):
            return self.literal(None), "number" if tok.kind == "number" else "text"
        raise FilterError(f"expected a column, a number or a 'text' at position {tok.pos + 1}, "
                          f"found {tok.value or 'the end'!r}")

    def column(self) -> tuple[str, str]:
        tok = self.expect("name")
        if tok.value not in self.columns:
            known = ", ".join(sorted(self.columns)) or "none"
            raise FilterError(f"unknown column '{tok.value}' (declared columns: {known})")
        if tok.value not in self.used:
            self.used.append(tok.value)
        return quote_identifier(tok.value), self.columns[tok.value]

    def literal(self, expected: str | None) -> str:
        tok = self.take()
        if tok.kind == "number":
            kind, sql = "number", repr(float(tok.value)) if "." in tok.value else str(int(tok.value))
        elif tok.kind == "text":
            kind, sql = "text", quote_text(tok.value[1:-1].replace("''", "'"))
        else:
            found = tok.value or "the end"
            raise FilterError(f"expected a number or a 'text' at position {tok.pos + 1}, found {found!r}")
        if expected is not None:
            self._same(expected, kind, "IN")
        return sql

    @staticmethod
    def _same(a: str, b: str, op: str) -> None:
        if a != b:
            raise FilterError(f"{op} compares a {a} with a {b}: quote text values ('69'), not numbers")


def parse_filter(text: str, columns: Mapping[str, str]) -> Filter:
    """Parse ``text`` against the declared ``columns`` (name -> 'number' or 'text'); raises FilterError."""
    if not isinstance(text, str) or not text.strip():
        raise FilterError("a filter must be a non-empty text")
    parser = _Parser(text, columns)
    sql = parser.parse()
    return Filter(text, sql, tuple(parser.used))
