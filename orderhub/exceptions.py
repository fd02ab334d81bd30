"""The one exception hierarchy of orderhub, grouped by what the caller should do.

- :class:`ConfigurationError`: fatal; a person must fix a file, a setting or a secret.
- :class:`SourceError` and :class:`RetryableSourceError`: the source failed; retry the
  latter later, report the former.
- :class:`RecordError`: one record is bad; it goes to dead_letters and the sync goes on.
"""

from __future__ import annotations


class OrderhubError(Exception):
    """Base of every error orderhub raises on purpose."""


class ConfigurationError(OrderhubError):
    """A setting, spec file or secret is wrong; nothing will work until a person fixes it."""


class MappingSpecError(ConfigurationError):
    """A mapping spec or code table is invalid; the message names the file, line and field."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")


class SourceError(OrderhubError):
    """The source system answered with an error that retrying will not fix."""


class RetryableSourceError(SourceError):
    """The source is temporarily unavailable or rate-limited; retry later."""


class SyncError(OrderhubError):
    """A sync run failed; the message says which process and what to do next."""


class RecordError(OrderhubError):
    """One record broke a rule. It is dead-lettered with this reason; the sync goes on.

    ``field`` names the unified (or source) field and ``rule`` the rule that was broken,
    so a person can act on the dead letter without reading code.
    """

    def __init__(self, message: str, *, field: str | None = None, rule: str = "invalid") -> None:
        self.field = field
        self.rule = rule
        super().__init__(message)

    def reason(self) -> str:
        """A one-line reason for dead_letters: ``rule: field: message``."""
        where = f"{self.field}: " if self.field else ""
        return f"{self.rule}: {where}{self}"


class PipelineLockedError(SyncError):
    """Another live sync holds the pipeline's lock; the message names it and what to do."""


class SyncCancelled(SyncError):
    """A sync was stopped by a signal at a committed point; rerunning it resumes."""

    def __init__(self, message: str, *, signum: int) -> None:
        self.signum = signum
        super().__init__(message)

    @property
    def reason(self) -> str:
        """The stop itself ("stopped by SIGINT"), without the advice that follows it."""
        return str(self).split(";", 1)[0]

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (130 SIGINT, 143 SIGTERM)."""
        return 128 + self.signum
