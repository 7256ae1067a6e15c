"""What ``dataprep fix`` changes, decided from the linter's findings (no printing, no click).

A fix is keyed by the rule code that finds the problem, so ``--only``/``--skip`` and
``dataprep explain CODE`` speak the same language:

- ``DP301`` / ``DP302``: exact and near duplicates are dropped; of each cluster the first
  record that is *kept* stays (a first record that is rejected for an error does not
  take the whole cluster with it).  Clusters are the linter's own: a duplicate finding
  points at its cluster's first record (``Finding.related``); tool calls and tool
  definitions are part of a record's identity there (exact and near).  For
  classification a cluster is split by canonical label (which of two labels is right is
  DP401/DP402's question, not a copy to drop) and each part keeps its own first record.
- ``DP505``: leading and trailing whitespace of an assistant reply is removed, exactly
  the part the linter reports (a single trailing newline and the one leading space of
  legacy completions are conventions and stay).  Control, zero-width and mojibake
  characters are left alone: whether a zero-width joiner or a BOM inside code is dirt
  needs a person.
- ``DP403``: a label spelled as a variant of a more frequent label is rewritten to the
  canonical label.  Which labels are variants comes from the DP403 findings; the
  canonical label from ``checks.labels.find_variants`` over the same label counts the
  linter saw (a finding's message is never parsed).
- ``DP506``: an Alpaca-style ``input`` that only says "there is no input"
  (``<noinput>``, ``N/A``, ``No input.``: patterns ``template.noinput`` and
  ``template.na-input``) becomes "".  Outputs, instructions and user turns are never
  touched: an empty user turn is a worse record, and a placeholder reply needs a reply.
- ``errors``: a record with an error-severity finding goes to the rejects file with the
  reasons, unless it is dropped as a duplicate of a kept record.

Every edit goes into the record's own keys in its own layout: the place comes from the
layout's views (``Turn.pointer``, ``label_field``, ``label_pointer``) translated to the
file's own key names (``records.written_pointer``), and an edit is made only when the
value found there is the text the view read (a turn assembled from several fields is
never written back).

The linter is the oracle: fixing is repeated on the output (at most ``MAX_ROUNDS``
times) while its lint still reports something a fix handles, e.g. two records that only
became identical when a placeholder input was emptied.
"""

from dataprep.fixes.edits import FIX_CODES, FIX_TITLES, Item, parse_codes, trim_reply
from dataprep.fixes.rounds import fix_round
from dataprep.fixes.run import Report, run

__all__ = ["FIX_CODES", "FIX_TITLES", "Item", "Report", "fix_round", "parse_codes", "run",
           "trim_reply"]
