"""Packaging: every package directory is installed, the kernels folder installs under a name of its own."""

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_directory_is_listed():
    """A package directory missing from [tool.setuptools].packages would be absent from a non-editable install."""
    cfg = _setuptools()
    found = {".".join(f.parent.relative_to(ROOT).parts) for f in (ROOT / "jaxgen").rglob("__init__.py")}
    found.add("jaxgen_kernels")
    assert set(cfg["packages"]) == found, (
        f"pyproject.toml [tool.setuptools].packages should be {sorted(found)}, is {sorted(cfg['packages'])}"
    )


def test_kernels_folder_installs_as_jaxgen_kernels():
    """The folder kernels/ is the import package jaxgen_kernels (the PyPI name "kernels" is another project)."""
    assert _setuptools()["package-dir"] == {"jaxgen_kernels": "kernels"}
    import jaxgen_kernels

    assert pathlib.Path(jaxgen_kernels.__file__).resolve().parent == ROOT / "kernels"
