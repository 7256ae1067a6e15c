"""Near-duplicate machinery, engine-neutral: views → shingles → signatures → band keys →
candidate pairs → verified pairs → clusters.

Each step is a plain function or a small class over numpy arrays, so the local engine
and a distributed one can run the same steps.  Texts are never kept: a record is
remembered by its location (file, index, byte offset) and its band keys, and candidate
pairs are verified by re-reading the two records.
"""
