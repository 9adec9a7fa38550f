"""The plugin is tested the way users meet it: inner pytest runs through pytester.

``pytest_plugins = ["pytester"]`` is only allowed in the rootdir's conftest (pytest refuses
it here when the whole suite is collected), so the pytester plugin is loaded on demand;
pytest registers late plugins' options with their defaults.
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
