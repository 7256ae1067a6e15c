"""Compatibility names: record layouts now live in :mod:`dataprep.records`."""

from __future__ import annotations

from dataprep.records import FORMATS, MAPPABLE, METADATA_KEYS, UNKNOWN, apply_mapping, detect

__all__ = ["FORMATS", "MAPPABLE", "METADATA_KEYS", "UNKNOWN", "apply_mapping", "detect"]
