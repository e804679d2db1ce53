"""Source and test folders are found for the layouts learners actually use."""

from __future__ import annotations

from pathlib import Path

import pytest

from practicegrade.discover import choose_python, discover, is_test_file
from tests.helpers.repos import SAMPLE_PROJECT, write_files


def test_src_layout_named_in_pyproject(tmp_path: Path) -> None:
    write_files(tmp_path, SAMPLE_PROJECT)
    project = discover(tmp_path)
    assert project.source_dirs == ("src/calc",)
    assert project.source_files == ("src/calc/__init__.py", "src/calc/ops.py")
    assert project.test_paths == ("tests",)
    assert project.packages == ("calc",)
    assert project.import_roots == ("src",)


def test_flat_package_with_test_folder(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/cart.py": "X = 1\n",
            "test/test_cart.py": "",
            "setup.py": "",
        },
    )
    project = discover(tmp_path)
    assert project.source_dirs == ("shop",)
    assert project.packages == ("shop",)
    assert project.test_paths == ("test",)
    assert project.import_roots == (".",)


def test_single_modules_with_tests_beside_them(tmp_path: Path) -> None:
    write_files(
        tmp_path, {"fizzbuzz.py": "", "test_fizzbuzz.py": "", "conftest.py": "", "setup.py": ""}
    )
    project = discover(tmp_path)
    assert project.source_files == ("fizzbuzz.py",)
    assert project.packages == ("fizzbuzz",)
    assert project.test_paths == ("test_fizzbuzz.py",)


def test_tool_folders_are_skipped(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"app/__init__.py": "", "app/.venv/lib/x.py": "", "app/build/y.py": "", "app/core.py": ""},
    )
    assert discover(tmp_path).source_files == ("app/__init__.py", "app/core.py")


def test_config_source_tests_and_exclude_win(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"lib/a.py": "", "lib/migrations/m1.py": "", "checks/test_a.py": "", "other/b.py": ""},
    )
    project = discover(tmp_path, source=["lib"], tests=["checks"], exclude=["**/migrations/**"])
    assert project.source_files == ("lib/a.py",)
    assert project.test_paths == ("checks",)


def test_no_python_at_all(tmp_path: Path) -> None:
    write_files(tmp_path, {"README.md": "hi"})
    project = discover(tmp_path)
    assert project.source_files == () and project.test_paths == ()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/helpers.py", True),
        ("pkg/test_x.py", True),
        ("pkg/x_test.py", True),
        ("pkg/testing.py", False),
        ("conftest.py", True),
    ],
)
def test_is_test_file(path: str, expected: bool) -> None:
    assert is_test_file(path) is expected


def test_choose_python_prefers_explicit_then_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    exe = venv / "bin" / "python"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    assert choose_python(tmp_path, "/usr/bin/python3") == "/usr/bin/python3"
    assert choose_python(tmp_path) == str(exe)


def test_src_layout_takes_every_package_not_only_the_named_one(tmp_path: Path) -> None:
    """attrs names ``attrs`` in pyproject, but its code lives in ``src/attr``."""
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "attrs"\n',
            "src/attr/__init__.py": "",
            "src/attr/_make.py": "X = 1\n",
            "src/attrs/__init__.py": "from attr import *\n",
        },
    )
    project = discover(tmp_path)
    assert project.source_dirs == ("src/attr", "src/attrs")
    assert project.packages == ("attr", "attrs")


def test_flat_package_named_in_pyproject_beats_other_folders(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "my-tool"\n',
            "my_tool/__init__.py": "",
            "scripts/__init__.py": "",
        },
    )
    assert discover(tmp_path).source_dirs == ("my_tool",)


@pytest.mark.parametrize("top", [".", "src"])
def test_a_package_inside_a_namespace_package_is_found_by_its_dotted_name(
    tmp_path: Path, top: str
) -> None:
    """``jaraco.functools`` lives in ``jaraco/functools`` (``jaraco`` has no __init__.py)."""
    folder = "jaraco/functools" if top == "." else "src/jaraco/functools"
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "jaraco.functools"\n',
            f"{folder}/__init__.py": "def f():\n    return 1\n",
            "test_functools.py": "def test_f():\n    pass\n",
        },
    )
    project = discover(tmp_path)
    assert project.source_dirs == (folder,)
    assert project.source_files == (f"{folder}/__init__.py",)
    assert project.packages == ("jaraco",)
    assert project.import_roots == (top,)


def test_top_level_test_py_is_a_test_not_source(tmp_path: Path) -> None:
    write_files(tmp_path, {"shapes.py": "X = 1\n", "tests.py": "import shapes\n"})
    project = discover(tmp_path)
    assert project.source_files == ("shapes.py",)
    assert project.test_paths == ("tests.py",)
    assert not project.tests_configured
    assert discover(tmp_path, tests=["tests.py"]).tests_configured


def test_generated_files_are_left_out_of_the_source_with_the_reason(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "src/pkg/__init__.py": "# ids generated by the server are strings\nX = 1\n",
            "src/pkg/_version.py": "# file generated by setuptools-scm\n"
            "# don't change, don't track in version control\n__version__ = '1.0'\n",
            "src/pkg/api_pb2.py": "# -*- coding: utf-8 -*-\n"
            "# Generated by the protocol buffer compiler.  DO NOT EDIT!\nA = 1\n",
            "src/pkg/tables.py": "T = {}\n",
            "src/pkg/core.py": "def f():\n    return 1\n",
            ".gitattributes": "# comment\n*.md text\nsrc/pkg/tables.py linguist-generated=true\n",
        },
    )
    project = discover(tmp_path)
    assert project.source_files == ("src/pkg/__init__.py", "src/pkg/core.py")
    assert dict(project.generated) == {
        "src/pkg/_version.py": "version file written by setuptools-scm",
        "src/pkg/api_pb2.py": "its header says it is generated "
        "(# Generated by the protocol buffer compiler.  DO NOT EDIT!)",
        "src/pkg/tables.py": "marked linguist-generated in .gitattributes (src/pkg/tables.py)",
    }
