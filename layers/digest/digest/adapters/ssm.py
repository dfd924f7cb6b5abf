"""The sending switch as an SSM parameter: "on" (or missing), or "paused: <reason>".

No CloudFormation resource manages the parameter (the stack only names it), so a deploy can
never resume a paused send: it exists from the first pause on, and only ``resume`` (or an
operator's ``put-parameter ... --value on``) turns sending back on.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import StorageError

ON = "on"
PAUSED = "paused: "


class SsmSwitch:
    """Reads are cached for ``ttl`` seconds: one SSM call per warm sender a minute, not per email.

    Not Powertools' ``SSMProvider(max_age=...)``, which caches the same way: it reports a missing
    parameter as ``GetParameterError`` carrying only the message text, and "missing" must be told
    apart from "unreadable" by its error code (missing means sending; unreadable must not send).
    """

    def __init__(self, ssm: Any, name: str, ttl: float = 60.0) -> None:
        self.ssm, self.name, self.ttl = ssm, name, ttl
        self._cached: tuple[float, str | None] | None = None

    def paused(self) -> str | None:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > self.ttl:
            try:
                value = self.ssm.get_parameter(Name=self.name)["Parameter"]["Value"]
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ParameterNotFound":
                    raise StorageError(f"cannot read the sending switch {self.name}") from exc
                value = ON  # never paused on this stack
            except BotoCoreError as exc:
                raise StorageError(f"cannot read the sending switch {self.name}") from exc
            self._cached = (now, value[len(PAUSED) :] if value.startswith(PAUSED) else None)
        return self._cached[1]

    def pause(self, reason: str) -> None:
        self._put(PAUSED + (reason.strip() or "no reason given")[:1000])

    def resume(self) -> None:
        self._put(ON)

    def _put(self, value: str) -> None:
        try:
            self.ssm.put_parameter(Name=self.name, Value=value, Type="String", Overwrite=True)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot set the sending switch {self.name}") from exc
        self._cached = None
