"""docker-compose.yml: the services a Docker user gets, and one image shared by web, worker and beat."""
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_defines_the_app_and_its_backing_services(services):
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(services)


def test_web_worker_and_beat_share_one_image_built_from_the_dockerfile(services):
    images = {services[name]["image"] for name in ("web", "worker", "beat")}
    builds = {services[name].get("build") for name in ("web", "worker", "beat")}

    assert len(images) == 1
    assert builds == {"."}
    assert (ROOT / "Dockerfile").is_file()


def test_web_waits_for_postgres_and_redis(services):
    depends_on = services["web"]["depends_on"]

    assert {"postgres", "redis"} <= set(depends_on)


def test_app_services_use_production_settings_and_the_compose_backends(services):
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]

        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["EMAIL_HOST"] == "mailpit"


def test_worker_and_beat_run_celery(services):
    worker = " ".join(services["worker"]["command"])
    beat = " ".join(services["beat"]["command"])

    assert "celery -A config worker" in worker
    assert "celery -A config beat" in beat
