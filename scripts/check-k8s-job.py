"""Checks the Kubernetes recipes of docs/recipes (no Kubernetes schema ships
with check-jsonschema): each is a batch/v1 Indexed Job whose pods each audit
one shard, `--shard "$((JOB_COMPLETION_INDEX + 1))/N"`, N being its
completions. Run by .ci/run with the CI venv's Python (ruamel.yaml comes
with check-jsonschema)."""

import sys

from ruamel.yaml import YAML


def check(path):
    with open(path) as f:
        job = YAML(typ="safe").load(f)
    spec = job["spec"]
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job", path
    assert spec["completionMode"] == "Indexed", path
    n = spec["completions"]
    assert spec["parallelism"] <= n, path
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure"), path
    script = " ".join(pod["containers"][0]["command"] + pod["containers"][0]["args"])
    assert f'--shard "$((JOB_COMPLETION_INDEX + 1))/{n}"' in script, path
    mounts = {m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])}
    assert mounts <= {v["name"] for v in pod.get("volumes", [])}, path
    print(f"ok -- {path}: Indexed Job of {n} shards")


for path in sys.argv[1:]:
    check(path)
