"""Commands that write data (``fix``, ``convert``, ``split``), one module each.

Each module defines ``command`` (a click command).  ``dataprep.cli`` imports a module only
when its command is run, so ``dataprep lint`` (the pre-commit path) never pays for them.
"""

#: command name -> module defining ``command``
LAZY: dict[str, str] = {
    "fix": "dataprep.commands.fix",
    "convert": "dataprep.commands.convert",
    "split": "dataprep.commands.split",
}
