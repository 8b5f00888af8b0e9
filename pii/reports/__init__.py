"""``pii report``: a province's PII profile and the national ranking as self-contained HTML files.

The pieces: :mod:`lookup` (province names on a framework year's boundary), :mod:`queries`,
:mod:`profile_data` and :mod:`national_data` (SQL on the published warehouse), :mod:`i18n` (Vietnamese and
English labels), :mod:`charts` (matplotlib SVG), :mod:`fonts` (DejaVu Sans subset, inlined), :mod:`templates`
and :mod:`html` (jinja2 pages) and :mod:`cli` (the subcommand).
"""
