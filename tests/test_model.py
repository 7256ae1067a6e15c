"""Locations in messages read as a person counts: lines, or 1-based record numbers."""

from dataprep.model import places


def test_places_names_lines_in_line_based_files() -> None:
    assert places([(3, 2), (9, 8)]) == "lines 3, 9"
    assert places([(1, 0)]) == "line 1"


def test_places_are_one_based_records_without_lines() -> None:
    # Parquet and HF folders have no lines: index 0 is the first record, "record 1"
    assert places([(None, 0), (None, 3)]) == "records 1, 4"
    assert places([(None, 0)]) == "record 1"
