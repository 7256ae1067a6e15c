"""Task validity (DP7xx): can a model learn anything from this instruction record?

``view`` reads any instruction layout (Alpaca, chat, ShareGPT, completion) as requests:
instruction, material, earlier context and reply.  The request-side rules live here,
one module each: ``dangling`` (DP701, a reference to material that is not there),
``doable`` (DP702, a request a text model cannot fulfil) and ``merged`` (DP705, several
instruction blocks in one record); ``patterns`` loads their phrases from
``rules/packs/tasks.toml``.  The check that walks records for them is
``dataprep.checks.task_requests``.
"""
