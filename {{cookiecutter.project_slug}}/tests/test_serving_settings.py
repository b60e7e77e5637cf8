"""The server's settings from the environment: the body size limit follows the batch size unless it is set."""

import pytest

from {{ cookiecutter.package_name }}.core.errors import ProjectError
from {{ cookiecutter.package_name }}.serving.app import ServingSettings
from {{ cookiecutter.package_name }}.serving.instances import INSTANCE_BYTES


def test_the_body_limit_follows_the_batch_size() -> None:
    default = ServingSettings.from_environment({})
    assert default.max_body_bytes == default.max_batch_size * INSTANCE_BYTES
    assert ServingSettings.from_environment({"MAX_BATCH_SIZE": "10"}).max_body_bytes == 10 * INSTANCE_BYTES


def test_the_body_limit_is_a_setting_of_its_own() -> None:
    settings = ServingSettings.from_environment({"MAX_BATCH_SIZE": "10", "MAX_BODY_BYTES": "2048"})
    assert (settings.max_batch_size, settings.max_body_bytes) == (10, 2048)


@pytest.mark.parametrize("text", ["lots", "0", "-5", "1.5", ""])
def test_a_body_limit_that_is_not_a_whole_number_is_one_line(text: str) -> None:
    with pytest.raises(ProjectError) as raised:
        ServingSettings.from_environment({"MAX_BODY_BYTES": text})
    assert str(raised.value) == f"MAX_BODY_BYTES={text!r} must be a whole number of at least 1, such as 1048576"
