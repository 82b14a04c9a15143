"""docker-compose.yml: the services a Docker user gets, and one image shared by web, worker and beat."""
import re
import stat
import subprocess
import sys
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


# --- the secret key ------------------------------------------------------------------------------
SECRET_REF = re.compile(r"\$\{DJANGO_SECRET_KEY(?P<op>:?[-?])?(?P<default>[^}]*)\}")


def test_no_service_carries_a_default_secret_key():
    text = (ROOT / "docker-compose.yml").read_text()
    refs = list(SECRET_REF.finditer(text))

    assert refs, "the app services read DJANGO_SECRET_KEY from the environment"
    for ref in refs:
        assert ref.group("op") in (":-", ":?", None)
        if ref.group("op") == ":-":
            assert ref.group("default") == "", f"published default secret: {ref.group(0)}"
    assert "compose-dev-secret-change-me" not in text


def test_without_a_key_of_yours_the_app_reads_the_key_generated_into_a_volume(services):
    init = services["secret-key"]
    key_file = "/app/secrets/django_secret_key"

    assert "scripts/ensure_secret_key.py" in " ".join(init["command"]) and key_file in init["command"]
    assert any(volume.startswith("secrets:/app/secrets") for volume in init["volumes"])
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DJANGO_SECRET_KEY_FILE"] == key_file
        assert "secrets:/app/secrets:ro" in services[name]["volumes"]
        assert services[name]["depends_on"]["secret-key"]["condition"] == "service_completed_successfully"


def test_the_key_script_writes_a_strong_private_key_once_and_keeps_it(tmp_path):
    from config.settings.secret_key import secret_key_problem

    path = tmp_path / "secrets" / "django_secret_key"
    run = [sys.executable, str(ROOT / "scripts" / "ensure_secret_key.py"), str(path)]
    subprocess.run(run, check=True, capture_output=True)
    first = path.read_text().strip()

    subprocess.run(run, check=True, capture_output=True)

    assert path.read_text().strip() == first
    assert secret_key_problem(first) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_image_build_bakes_in_no_fixed_secret_key():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "build-only" not in dockerfile
    assert "secrets.token_urlsafe" in dockerfile


def test_the_compose_app_is_told_it_runs_without_tls_in_front(services):
    """Plain http on localhost: the HTTPS redirect and secure cookies are switched off explicitly, so
    the production defaults (on) stay on everywhere else."""
    env = services["web"]["environment"]

    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "false"
    assert env["SESSION_COOKIE_SECURE"] == "false"


def _required_by_production():
    """The variables production.py reads with no default (it refuses to start without them)."""
    return set(re.findall(r'(?:env\.str|_required)\("([A-Z_]+)"\)',
                          (ROOT / "config" / "settings" / "production.py").read_text()))


def test_the_compose_app_and_the_image_build_set_every_variable_production_requires(services):
    required = _required_by_production()
    build = (ROOT / "Dockerfile").read_text()

    assert {"CELERY_BROKER_URL", "SITE_URL", "DEFAULT_FROM_EMAIL", "MAILIN_DOMAIN"} <= required
    for name in ("web", "worker", "beat"):
        assert required <= set(services[name]["environment"]), name
    assert all(f"{variable}=" in build for variable in required)
