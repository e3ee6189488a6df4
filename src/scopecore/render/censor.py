"""Hiding command arguments and environment variables from summaries (Scope's ?hideCommandLineArguments=true
and ?hideEnvironmentVariables=true, render/detailed/censor.go)."""

from collections.abc import Mapping
from typing import NamedTuple

from .summary import Summary

_COMMANDS = frozenset(("cmdline", "docker_container_command"))
ENV_TABLE = "docker_env_"


class Censor(NamedTuple):
    """What to hide."""

    command_arguments: bool = False
    environment: bool = False

    @staticmethod
    def of(options: Mapping[str, str]) -> "Censor":
        """From a request's query parameters."""
        return Censor(options.get("hideCommandLineArguments") == "true",
                      options.get("hideEnvironmentVariables") == "true")

    def __bool__(self) -> bool:
        return self.command_arguments or self.environment

    def apply(self, s: Summary) -> Summary:
        """A copy of the summary with commands cut to their first word and environment tables dropped."""
        s = dict(s)
        if self.command_arguments and s.get("metadata"):
            s["metadata"] = [{**row, "value": row["value"].split(" ")[0]} if row["id"] in _COMMANDS else row
                             for row in s["metadata"]]
        if self.environment and s.get("tables"):
            tables = [t for t in s["tables"] if t["id"] != ENV_TABLE]
            if tables:
                s["tables"] = tables
            else:
                del s["tables"]
        return s


NO_CENSOR = Censor()
