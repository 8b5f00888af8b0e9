"""Framework structure from a COINr-style iMeta table, and its validation."""

import polars as pl
import pytest

from pii.scoring.structure import Structure, StructureError


def imeta(**changes: dict) -> pl.DataFrame:
    cols = ("iCode", "Level", "Parent", "Weight", "Direction", "Type", "Denominator")
    table = [
        ("i1", 1, "P1", 1.0, 1, "Indicator", None),
        ("i2", 1, "P1", 2.0, -1, "Indicator", None),
        ("i3", 1, "P2", 1.0, 1, "Indicator", "Pop"),
        ("P1", 2, "IDX", 1.0, 1, "Aggregate", None),
        ("P2", 2, "IDX", 3.0, 1, "Aggregate", None),
        ("IDX", 3, None, None, None, "Aggregate", None),
        ("Pop", None, None, None, None, "Denominator", None),
        ("Group_R", None, None, None, None, "Group", None),
    ]
    rows = [dict(zip(cols, row, strict=True)) for row in table]
    for code, change in changes.items():
        for row in rows:
            if row["iCode"] == code:
                row.update(change)
    return pl.DataFrame(
        rows,
        schema={
            "iCode": pl.String,
            "Level": pl.Int64,
            "Parent": pl.String,
            "Weight": pl.Float64,
            "Direction": pl.Int64,
            "Type": pl.String,
            "Denominator": pl.String,
        },
    )


def test_reads_imeta():
    st = Structure.from_imeta(imeta())
    assert st.n_levels == 3 and st.top == "IDX"
    assert st.indicators == ("i1", "i2", "i3")
    assert st.codes_at(2) == ("P1", "P2")
    assert st.children("P1") == ("i1", "i2") and st.children("IDX") == ("P1", "P2")
    assert st.weight("i2") == 2.0 and st.direction("i2") == -1
    assert st.nodes["i3"].denominator == "Pop"
    assert st.denominators == ("Pop",) and st.groups == ("Group_R",)
    assert st.ancestors("i3") == ["P2", "IDX"]


def test_round_trip_and_with_weights():
    st = Structure.from_imeta(imeta())
    again = Structure.from_imeta(st.to_imeta())
    assert again.indicators == st.indicators and again.weight("P2") == 3.0
    assert again.denominators == ("Pop",)
    changed = st.with_weights({"i1": 5.0})
    assert changed.weight("i1") == 5.0 and st.weight("i1") == 1.0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (imeta().drop("Weight"), "missing required column.*Weight"),
        (imeta(i1={"Type": "Indictor"}), "iCode 'i1'.*'Type'"),
        (imeta(i1={"Parent": "PX"}), "iCode 'i1'.*'Parent' = 'PX'"),
        (imeta(i1={"Parent": "IDX"}), "iCode 'i1'.*Level 3, expected Level 2"),
        (imeta(i2={"Level": 2, "Type": "Indicator"}), "iCode 'i2'.*Level 1"),
        (imeta(i2={"Direction": 0}), "iCode 'i2'.*'Direction'"),
        (imeta(i2={"Direction": None}), "iCode 'i2'.*'Direction' is empty"),
        (imeta(i2={"Weight": -1.0}), "iCode 'i2'.*'Weight'"),
        (imeta(i2={"Weight": None}), "iCode 'i2'.*'Weight' is empty"),
        (imeta(i2={"iCode": "i1"}), "'i1' appears more than once"),
        (imeta(i3={"Denominator": "GDP"}), "iCode 'i3'.*'Denominator' = 'GDP'"),
        (imeta(P2={"Parent": None}), "iCode 'P2'.*'Parent' is empty"),
        (imeta(i1={"Weight": 0.0}, i2={"Weight": 0.0}), "iCode 'P1'.*sum to zero"),
    ],
)
def test_validation_errors_name_code_and_field(table, message):
    with pytest.raises(StructureError, match=message):
        Structure.from_imeta(table)


def test_two_tops_and_childless_aggregate_rejected():
    extra = pl.DataFrame(
        {
            "iCode": ["IDX2"],
            "Level": [3],
            "Parent": [None],
            "Weight": [1.0],
            "Direction": [1],
            "Type": ["Aggregate"],
            "Denominator": [None],
        }
    )
    with pytest.raises(StructureError, match="exactly one code at the top"):
        Structure.from_imeta(pl.concat([imeta(), extra], how="diagonal_relaxed"))
    lonely = pl.DataFrame(
        {
            "iCode": ["P3"],
            "Level": [2],
            "Parent": ["IDX"],
            "Weight": [1.0],
            "Direction": [1],
            "Type": ["Aggregate"],
            "Denominator": [None],
        }
    )
    with pytest.raises(StructureError, match=r"iCode 'P3'.*no children"):
        Structure.from_imeta(pl.concat([imeta(), lonely], how="diagonal_relaxed"))
