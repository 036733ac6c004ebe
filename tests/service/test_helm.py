"""deploy/helm/tunescribe, checked without a cluster: rendered by Helm's own engine (its Go SDK,
through the PyPI package helm-python-sdk), every object valid against the Kubernetes schemas
(kubernetes-validate, strict: no unknown fields), the rules operators rely on, and the same
commands as compose's, which are the ones the service tests run as processes (test_compose.py)."""

from __future__ import annotations

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from benchmarks import stack
from services.common.settings import Settings

CHART = stack.ROOT / "deploy" / "helm" / "tunescribe"
KUBERNETES = "1.30.0"  # the oldest version still supported by the big cloud providers
REQUIRED = {"existingSecret": "tunescribe", "storage": {"url": "s3://tunescribe/prod"}}
COMPONENTS = {"api": "api", "worker": "worker", "beat": "beat", "trainer": "trainer", "migrate": "migrate"}


def render(values: dict) -> list[dict]:
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values, name="ts", namespace="music")
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"].removeprefix("ts-"): o for o in objects if o["kind"] == kind}


def pod(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def env_of(workload: dict) -> dict[str, str]:
    (container,) = pod(workload)["containers"]
    return {e["name"]: e["value"] for e in container["env"]}


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return render({**REQUIRED, "trainer": {"enabled": True}})


@pytest.fixture(scope="module")
def workloads(objects) -> dict[str, dict]:
    return {**by_kind(objects, "Deployment"), **by_kind(objects, "Job")}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((stack.ROOT / "docker-compose.yml").read_text())["services"]


def test_the_chart_passes_helm_lint():
    findings = helm.lint(str(CHART), values=REQUIRED, strict=True)
    assert findings["errors"] == [] and findings["total_charts_linted"] == 1
    assert [m["error"] for m in findings["messages"]] == ["icon is recommended"]  # the one remark: no icon


@pytest.mark.parametrize("values", [
    {**REQUIRED, "trainer": {"enabled": True}},
    {**REQUIRED, "worker": {"autoscaling": {"mode": "none"}}, "storage": {"url": "s3://b", "endpointUrl": "http://s3:8333"},
     "models": {"existingClaim": "tunescribe-models"}, "env": {"TUNESCRIBE_UPLOAD_LIMIT": "20"}},
], ids=["hpa-and-trainer", "fixed-workers-and-a-models-claim"])
def test_every_object_is_valid_against_the_kubernetes_schema(values):
    for o in render(values):
        kubernetes_validate.validate(o, KUBERNETES, strict=True)


def test_the_schema_check_catches_mistakes(objects):
    broken = {**by_kind(objects, "Deployment")["api"]}
    broken["spec"] = {**broken["spec"], "replica": 2}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_all_the_components_are_there(workloads):
    assert set(workloads) == set(COMPONENTS)
    assert set(by_kind(render(REQUIRED), "Deployment")) == {"api", "worker", "beat"}  # the trainer is opt-in


@pytest.mark.parametrize("missing, says", [("existingSecret", "existingSecret"), ("storage", "storage.url")])
def test_a_missing_required_value_is_refused_with_its_name(missing, says):
    with pytest.raises(helm.HelmError, match=says):
        render({k: v for k, v in REQUIRED.items() if k != missing})


def test_commands_are_compose_commands_which_are_the_ones_the_tests_run(workloads, compose):
    for name, service in COMPONENTS.items():
        (container,) = pod(workloads[name])["containers"]
        assert container["command"] == compose[service]["command"], name


def test_the_migration_runs_before_every_install_and_upgrade(workloads):
    job = workloads["migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert pod(job)["restartPolicy"] == "Never"


def test_pods_share_no_folder_only_the_bucket(workloads):
    for name, w in workloads.items():
        env = env_of(w)
        assert env["TUNESCRIBE_STORAGE_URL"] == "s3://tunescribe/prod" and env["TUNESCRIBE_ENVIRONMENT"] == "production"
        assert "TUNESCRIBE_STORAGE_DIR" not in env
        assert [v for v in pod(w)["volumes"] if "emptyDir" not in v] == [], name
        (container,) = pod(w)["containers"]
        assert container["envFrom"] == [{"secretRef": {"name": "tunescribe"}}]


def test_trained_models_come_from_one_claim_on_trainer_and_workers():
    workloads = by_kind(render({**REQUIRED, "trainer": {"enabled": True},
                                "models": {"existingClaim": "tunescribe-models"}}), "Deployment")
    for name in ("worker", "trainer"):
        (claim,) = [v for v in pod(workloads[name])["volumes"] if "persistentVolumeClaim" in v]
        assert claim["persistentVolumeClaim"]["claimName"] == "tunescribe-models"
        (container,) = pod(workloads[name])["containers"]
        assert {"name": claim["name"], "mountPath": "/data/var/models"} in container["volumeMounts"]
    assert not [v for v in pod(workloads["api"])["volumes"] if "persistentVolumeClaim" in v]


def test_workers_finish_their_job_on_stop_and_are_checked_by_celery_ping(workloads, compose):
    worker = workloads["worker"]
    assert pod(worker)["terminationGracePeriodSeconds"] > Settings.model_fields["job_hard_limit_s"].default
    (container,) = pod(worker)["containers"]
    probe = container["livenessProbe"]["exec"]["command"]
    assert probe[:2] == ["sh", "-c"] and probe[2] == compose["worker"]["healthcheck"]["test"][1].replace("$$", "$")


def test_beat_runs_once_even_during_a_rollout(workloads):
    beat = workloads["beat"]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}


def test_workers_scale_on_the_queue_gauge(objects):
    (hpa,) = by_kind(objects, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ts-worker"}
    (metric,) = hpa["spec"]["metrics"]
    assert metric["external"]["metric"]["name"] == "tunescribe_queue_depth"
    assert "replicas" not in by_kind(objects, "Deployment")["worker"]["spec"]  # the HPA owns the count


def test_keda_scales_workers_on_the_celery_queue_in_redis():
    objects = render({**REQUIRED, "worker": {"autoscaling": {"mode": "keda", "keda": {
        "redisAddress": "redis:6379", "passwordSecretKey": "REDIS_PASSWORD"}}}})
    assert not by_kind(objects, "HorizontalPodAutoscaler")
    (scaled,) = by_kind(objects, "ScaledObject").values()
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == "celery"  # Celery's default queue
    assert scaled["spec"]["scaleTargetRef"]["name"] == "ts-worker"
    (auth,) = by_kind(objects, "TriggerAuthentication").values()
    assert auth["spec"]["secretTargetRef"][0] == {"parameter": "password", "name": "tunescribe", "key": "REDIS_PASSWORD"}


def test_an_unknown_autoscaling_mode_is_refused():
    with pytest.raises(helm.HelmError, match="hpa, keda or none"):
        render({**REQUIRED, "worker": {"autoscaling": {"mode": "sometimes"}}})
