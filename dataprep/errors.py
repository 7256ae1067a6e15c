"""Errors that end a run with exit code 2 and one line on stderr."""


class DataprepError(Exception):
    """Base of every error the CLI turns into exit code 2 with one clear line."""


class UsageError(DataprepError):
    """Bad command line or configuration; the message names what is wrong."""


class InputError(UsageError):
    """An input path does not exist, cannot be opened, or needs a missing extra."""


class ConfigError(UsageError):
    """The configuration is invalid; the message names the key (and rule)."""
