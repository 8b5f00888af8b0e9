"""COMMENT ON every published table, view and column from reference/data_dictionary.yaml, at the end of
the build (before publish), and a critical check that every relation is described."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets.analyst.views import GROUP, analyst_views
from assets.core import defs as core_defs
from assets.pii import defs as pii_defs
from assets.raw import defs as raw_defs
from assets.reference import defs as reference_defs
from assets.staging import defs as staging_defs
from pii.dictionary import MIN_COLUMN_SHARE, apply_comments, comment_gaps, load_dictionary

COMMENTS = "analyst.comments"
COMPLETE = "comments_complete"
COMPLETE_TEXT = (f"every published table and view has a comment and at least {MIN_COLUMN_SHARE:.0%} of its "
                 "columns commented (reference/data_dictionary.yaml)")
# Everything the build writes: comments must come after the last table is (re)created.
DEPS = sorted({k for d in (reference_defs, raw_defs, staging_defs, core_defs, pii_defs) for a in d.assets
               if isinstance(a, dg.AssetsDefinition) for k in a.keys} | set(analyst_views.keys),
              key=lambda k: k.to_user_string())


@dg.asset(
    key=COMMENTS.split("."), group_name=GROUP, kinds={"duckdb"}, deps=DEPS,
    description="Writes the data dictionary (reference/data_dictionary.yaml) into the warehouse with COMMENT ON.",
    check_specs=[spec(COMMENTS, COMPLETE, "critical", COMPLETE_TEXT)],
)
def comments(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    dictionary = load_dictionary()
    with duckdb.get_connection() as conn:
        written = apply_comments(conn, dictionary)
        gaps = comment_gaps(conn)
        yield dg.MaterializeResult(metadata={"comments_written": dg.MetadataValue.int(written)})
        for gap in gaps:
            context.log.warning(f"not described: {gap.text()}")
        examples = [{"relation": g.relation, "has_comment": g.has_comment, "column_share": round(g.share, 3),
                     "uncommented": g.uncommented} for g in gaps]
        yield check_result(conn, context.run_id, COMMENTS, COMPLETE, "critical", not gaps, COMPLETE_TEXT,
                           len(gaps), examples)
