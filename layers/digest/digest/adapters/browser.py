"""Headless Chromium: screenshots of rendered pages (the email and the web edition) for checks and previews.

Chromium runs offline in a throwaway profile: every background service that would reach the
network (updates, sync, QUIC probes) is switched off, so a screenshot needs nothing but the file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from digest.errors import DigestError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    """Path of the first of ``CANDIDATES`` on PATH, or ``None`` when there is no Chromium."""
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def screenshot(
    html_path: Path,
    png_path: Path,
    width: int = 800,
    height: int = 2400,
    timeout: float = 60,
    extra_flags: tuple[str, ...] = (),
) -> Path:
    """Render ``html_path`` in headless Chromium at ``width`` x ``height`` CSS pixels into ``png_path``.

    ``extra_flags`` go on Chromium's command line too (e.g. ``--force-dark-mode``). Returns
    ``png_path``; raises :class:`~digest.errors.DigestError` when Chromium is missing, fails,
    times out or writes no PNG.
    """
    chromium = find_chromium()
    if chromium is None:
        raise DigestError(
            f"cannot screenshot {html_path.name}: Chromium is not installed (scripts/system-deps.sh installs it)"
        )
    png_path = png_path.resolve()
    png_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="digest-chromium-") as profile:
        command = [
            chromium,
            *FLAGS,
            *extra_flags,
            f"--user-data-dir={profile}",
            f"--screenshot={png_path}",
            f"--window-size={width},{height}",
            html_path.resolve().as_uri(),
        ]
        try:  # own session, so a timeout kills Chromium's helper processes too
            proc = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
            )
        except OSError as exc:
            raise DigestError(f"could not start Chromium ({chromium}): {exc}") from exc
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise DigestError(f"Chromium took over {timeout:g}s to screenshot {html_path.name}") from exc
    if proc.returncode != 0:
        error = subprocess.CalledProcessError(proc.returncode, command, stderr=stderr)
        raise DigestError(
            f"Chromium failed (exit {proc.returncode}) on {html_path.name}: {stderr.strip()[-500:]}"
        ) from error
    if not png_path.is_file() or png_path.stat().st_size == 0:
        raise DigestError(f"Chromium wrote no screenshot of {html_path.name} to {png_path}")
    return png_path
