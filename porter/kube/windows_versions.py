"""Windows Server versions a node can run, with their build numbers and names.

Process isolation (the only mode Kubernetes uses) needs the container image's Windows build
to equal the node's. Builds: version-compatibility docs and the Kubernetes Windows user guide
(``node.kubernetes.io/windows-build``); AKS OS SKUs: AKS upgrade-windows-os docs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from porter.errors import ConfigError


@dataclass(frozen=True)
class WindowsVersion:
    name: str
    """The LTSC tag, e.g. ``ltsc2022``."""
    build: str
    """Major.Minor.Build, the value of the ``node.kubernetes.io/windows-build`` label."""
    year: int
    aks_sku: str


VERSIONS = (
    WindowsVersion("ltsc2016", "10.0.14393", 2016, ""),
    # Semi-Annual Channel releases: retired, no Kubernetes node runs them any more.
    WindowsVersion("1709", "10.0.16299", 2017, ""),
    WindowsVersion("1803", "10.0.17134", 2018, ""),
    WindowsVersion("1903", "10.0.18362", 2019, ""),
    WindowsVersion("1909", "10.0.18363", 2019, ""),
    WindowsVersion("2004", "10.0.19041", 2020, ""),
    WindowsVersion("20H2", "10.0.19042", 2020, ""),
    WindowsVersion("ltsc2019", "10.0.17763", 2019, "Windows2019"),
    WindowsVersion("ltsc2022", "10.0.20348", 2022, "Windows2022"),
    WindowsVersion("ltsc2025", "10.0.26100", 2025, "Windows2025"),
)
TARGETS = tuple(v for v in VERSIONS if v.name.startswith("ltsc") and v.year >= 2019)
DEFAULT_TARGET = "ltsc2022"

# Tags and names that reveal an image's Windows build. Bare release numbers (1809, 2004 ...)
# count only in references that otherwise look like Windows images.
_DECISIVE = (
    ("ltsc2016", "ltsc2016"), ("10.0.14393", "ltsc2016"),
    ("ltsc2019", "ltsc2019"), ("10.0.17763", "ltsc2019"),
    ("ltsc2022", "ltsc2022"), ("10.0.20348", "ltsc2022"),
    ("ltsc2025", "ltsc2025"), ("10.0.26100", "ltsc2025"),
    ("10.0.16299", "1709"),
    ("10.0.17134", "1803"),
    ("10.0.18362", "1903"),
    ("10.0.18363", "1909"),
    ("10.0.19041", "2004"),
    ("10.0.19042", "20H2"),
)
"""(text, version it names), in the order they decide: the first text found anywhere wins."""
# Only for references that look like Windows images: compiled (and cached) by ``re`` on first
# use rather than at import.
_RELEASE = r"(?<![\d.])(1607|1709|1803|1809|1903|1909|2004|20h2)(?![\d.])"
_RELEASES = {"1607": "ltsc2016", "1809": "ltsc2019", "20h2": "20H2"}
WINDOWS_HINTS = re.compile(r"nanoserver|servercore|windowsservercore|windows-?server|"
                           r"mcr\.microsoft\.com/windows/|[-_:./]windows|windows[-_.]")


def target(text: str) -> WindowsVersion:
    """The target version named by ``text`` (2022, ltsc2022, Windows2022, 10.0.20348 ...)."""
    wanted = str(text).strip().lower()
    for version in TARGETS:
        if wanted in (version.name, str(version.year), version.build, version.aks_sku.lower(),
                      f"ws{version.year}", f"windows{version.year}"):
            return version
    names = ", ".join(v.name for v in TARGETS)
    raise ConfigError(f"unknown Windows Server version {text!r} (known: {names})")


def image_version(image: str) -> WindowsVersion | None:
    """The Windows version an image reference names in its tag or path, if any."""
    reference = image.lower()
    name = next((name for text, name in _DECISIVE if text in reference), None)
    if name is None and WINDOWS_HINTS.search(reference):
        release = re.search(_RELEASE, reference)
        if release:
            name = _RELEASES.get(release.group(1), release.group(1))
    return next((v for v in VERSIONS if v.name == name), None)
