#!/usr/bin/env python3
"""Cross-checks the deployment artifacts against each other and against the code (deploy/validate.sh).

Schemas say a manifest is well formed; this says it fits the platform: the ports are the executables'
defaults, ENDPOINTS name Services that exist, the shutdown timings add up, every service has its
Deployment, Service, PodDisruptionBudget and migration, and the dashboard asks for metrics the code
exports. Needs PyYAML (the validation venv has it through yamllint). Prints one line per problem.
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONTEXTS = ["gateway", "accounts", "catalog", "subscriptions", "ledger", "invoicing"]
HPA_CONTEXTS = {"gateway", "ledger"}

problems = []


def problem(message):
    problems.append(message)


def load_all(path):
    with open(path) as handle:
        return [document for document in yaml.safe_load_all(handle) if document]


def code_ports():
    """{context: (rpc, admin)} from the ServicePorts defaults in Services/*/*Server/main.swift."""
    ports = {}
    pattern = re.compile(r'ServiceHost\.main\(name: "(\w+)", defaults: ServicePorts\(rpc: (\d+), admin: (\d+)\)')
    for main in ROOT.glob("Services/*/*Server/main.swift"):
        for name, rpc, admin in pattern.findall(main.read_text()):
            ports[name] = (int(rpc), int(admin))
    if sorted(ports) != sorted(CONTEXTS):
        problem(f"Services/*/*Server/main.swift: expected ServicePorts for {CONTEXTS}, found {sorted(ports)}")
    gateway_configuration = (ROOT / "Services/Gateway/Gateway/GatewayConfiguration.swift").read_text()
    match = re.search(r'"BILLING_GATEWAY_HTTP_PORT", default: (\d+)', gateway_configuration)
    http = int(match.group(1)) if match else None
    if http is None:
        problem("GatewayConfiguration.swift: BILLING_GATEWAY_HTTP_PORT default not found")
    return ports, http


def env_of(container):
    return {item["name"]: item for item in container.get("env", [])}


def check_kubernetes(ports, http):
    k8s = DEPLOY / "k8s"
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    listed = kustomization.get("resources", [])
    for resource in listed:
        if not (k8s / resource).exists():
            problem(f"deploy/k8s/kustomization.yaml lists {resource}, which does not exist")
    for path in sorted(k8s.glob("*.yaml")):
        if path.name not in ("kustomization.yaml", "secret.yaml") and path.name not in listed:
            problem(f"deploy/k8s/{path.name} is not listed in deploy/k8s/kustomization.yaml")
    migrate_kustomization = yaml.safe_load((k8s / "migrate/kustomization.yaml").read_text())
    if migrate_kustomization.get("images") != kustomization.get("images"):
        problem("deploy/k8s/migrate/kustomization.yaml and deploy/k8s/kustomization.yaml name different images")

    config = load_all(k8s / "configmap.yaml")[0]["data"]
    secret = load_all(k8s / "secret.yaml")[0]["stringData"]
    delay_seconds = int(config["BILLING_SHUTDOWN_DELAY_MS"]) / 1000
    drain_seconds = int(config["BILLING_DRAIN_TIMEOUT_SECONDS"])
    if config.get("BILLING_GATEWAY_HTTP_PORT") != str(http):
        problem(f"configmap.yaml: BILLING_GATEWAY_HTTP_PORT should be {http}")

    for context in CONTEXTS:
        upper = context.upper()
        rpc, admin = ports.get(context, (None, None))
        name = f"billing-{context}"
        if config.get(f"BILLING_{upper}_RPC_PORT") != str(rpc) or config.get(f"BILLING_{upper}_ADMIN_PORT") != str(admin):
            problem(f"configmap.yaml: {context} ports should be rpc {rpc}, admin {admin} (main.swift)")
        if config.get(f"BILLING_{upper}_ENDPOINTS") != f"{name}:{rpc}":
            problem(f"configmap.yaml: BILLING_{upper}_ENDPOINTS should be {name}:{rpc} (the headless Service)")
        if f"BILLING_{upper}_DATABASE_URL" not in secret:
            problem(f"secret.yaml: BILLING_{upper}_DATABASE_URL is missing")
        elif not secret[f"BILLING_{upper}_DATABASE_URL"].startswith(f"postgres://billing_{context}:"):
            problem(f"secret.yaml: BILLING_{upper}_DATABASE_URL must use the role billing_{context}")

        path = k8s / f"{context}.yaml"
        if not path.exists():
            problem(f"deploy/k8s/{context}.yaml is missing")
            continue
        documents = {(document["kind"], document["metadata"]["name"]): document for document in load_all(path)}
        deployment = documents.get(("Deployment", name))
        headless = documents.get(("Service", name))
        if deployment is None or headless is None or ("Service", f"{name}-vip") not in documents:
            problem(f"{context}.yaml: needs Deployment {name}, Service {name} (headless) and Service {name}-vip")
            continue
        if ("PodDisruptionBudget", name) not in documents:
            problem(f"{context}.yaml: no PodDisruptionBudget {name}")
        hpa = documents.get(("HorizontalPodAutoscaler", name))
        if (hpa is not None) != (context in HPA_CONTEXTS):
            problem(f"{context}.yaml: a HorizontalPodAutoscaler is expected for {sorted(HPA_CONTEXTS)} only")
        if hpa is not None:
            if hpa["spec"]["scaleTargetRef"]["name"] != name:
                problem(f"{context}.yaml: the HorizontalPodAutoscaler scales {hpa['spec']['scaleTargetRef']['name']}")
            if "replicas" in deployment["spec"]:
                problem(f"{context}.yaml: a Deployment scaled by an HPA must not set replicas")

        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        for kind, document in documents.items():
            selector = document["spec"].get("selector")
            if isinstance(selector, dict) and "matchLabels" in selector:
                selector = selector["matchLabels"]
            if selector and any(labels.get(key) != value for key, value in selector.items()):
                problem(f"{context}.yaml: the selector of {kind[0]} {kind[1]} does not match the pod labels")
        if headless["spec"].get("clusterIP") != "None":
            problem(f"{context}.yaml: Service {name} must be headless (clusterIP: None)")
        container = pod["spec"]["containers"][0]
        expected_ports = {"rpc": rpc, "admin": admin}
        if context == "gateway":
            expected_ports["http"] = http
        container_ports = {port.get("name"): port.get("containerPort") for port in container.get("ports", [])}
        if container_ports != expected_ports:
            problem(f"{context}.yaml: container ports {container_ports}, expected {expected_ports}")
        service_ports = {port.get("name"): port.get("port") for port in headless["spec"]["ports"]}
        if service_ports != {"rpc": rpc, "admin": admin}:
            problem(f"{context}.yaml: Service {name} ports {service_ports}, expected rpc {rpc} and admin {admin}")
        if pod["metadata"].get("annotations", {}).get("prometheus.io/port") != str(admin):
            problem(f"{context}.yaml: prometheus.io/port should be the admin port {admin}")
        environment = env_of(container)
        if environment.get("BILLING_SERVICE", {}).get("value") != context:
            problem(f"{context}.yaml: BILLING_SERVICE should be {context}")
        if f"BILLING_{upper}_DATABASE_URL" not in environment:
            problem(f"{context}.yaml: BILLING_{upper}_DATABASE_URL is not set")
        readiness = container.get("readinessProbe", {})
        if readiness.get("httpGet", {}).get("path") != "/readyz" or container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
            problem(f"{context}.yaml: readiness must GET /readyz and liveness /healthz")
        if delay_seconds <= readiness.get("periodSeconds", 10):
            problem(f"configmap.yaml: BILLING_SHUTDOWN_DELAY_MS must exceed the readiness period of {context}")
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        if grace <= delay_seconds + drain_seconds + 15:
            problem(f"{context}.yaml: terminationGracePeriodSeconds {grace} must exceed delay {delay_seconds:g} + drain {drain_seconds} + 15")
        if not pod["spec"].get("securityContext", {}).get("runAsNonRoot"):
            problem(f"{context}.yaml: runAsNonRoot is not set")
        for kind in ("requests", "limits"):
            if kind not in container.get("resources", {}):
                problem(f"{context}.yaml: resources.{kind} missing")
        rolling = deployment["spec"].get("strategy", {}).get("rollingUpdate", {})
        if rolling.get("maxUnavailable") != 0 or rolling.get("maxSurge") != 1:
            problem(f"{context}.yaml: rolling updates should use maxUnavailable 0, maxSurge 1")

    job = load_all(k8s / "migrate/migrate-job.yaml")[0]
    migrations = []
    for container in job["spec"]["template"]["spec"].get("initContainers", []):
        environment = env_of(container)
        service = environment.get("BILLING_SERVICE", {}).get("value")
        migrations.append(service)
        if container.get("args") != ["migrate"]:
            problem(f"migrate-job.yaml: {container['name']} should run with args [migrate]")
        if service and f"BILLING_{service.upper()}_DATABASE_URL" not in environment:
            problem(f"migrate-job.yaml: {container['name']} lacks BILLING_{service.upper()}_DATABASE_URL")
    if migrations != CONTEXTS:
        problem(f"migrate-job.yaml: migrates {migrations}, expected {CONTEXTS}")


def check_compose(ports):
    compose = yaml.safe_load((DEPLOY / "docker/compose.yaml").read_text())
    services = compose["services"]
    for context in CONTEXTS:
        upper = context.upper()
        rpc, _ = ports.get(context, (None, None))
        name = f"billing-{context}"
        service = services.get(name)
        if service is None:
            problem(f"compose.yaml: no service {name}")
            continue
        environment = service.get("environment", {})
        if environment.get("BILLING_SERVICE") != context:
            problem(f"compose.yaml: {name} should set BILLING_SERVICE={context}")
        if environment.get(f"BILLING_{upper}_ENDPOINTS") != f"{name}:{rpc}":
            problem(f"compose.yaml: BILLING_{upper}_ENDPOINTS should be {name}:{rpc}")
        url = environment.get(f"BILLING_{upper}_DATABASE_URL", "")
        if not url.startswith(f"postgres://billing_{context}:") or url != services["migrate"]["environment"].get(f"BILLING_{upper}_DATABASE_URL"):
            problem(f"compose.yaml: {name} and migrate need the same BILLING_{upper}_DATABASE_URL with the role billing_{context}")
        if service.get("depends_on", {}).get("migrate", {}).get("condition") != "service_completed_successfully":
            problem(f"compose.yaml: {name} must wait for migrate (service_completed_successfully)")
    command = " ".join(services["migrate"].get("command", []))
    if f"for service in {' '.join(CONTEXTS)};" not in command:
        problem("compose.yaml: migrate must migrate every service")
    init = (DEPLOY / "docker/postgres-init/01-billing.sql").read_text()
    for context in CONTEXTS:
        if f"\\set service {context}\n" not in init:
            problem(f"postgres-init/01-billing.sql: no role and schema for {context}")
        if f"BILLING_{context.upper()}_DB_PASSWORD" not in str(services["postgres"].get("environment", {})):
            problem(f"compose.yaml: postgres lacks BILLING_{context.upper()}_DB_PASSWORD for the init script")


def check_dockerfile():
    dockerfile = (DEPLOY / "docker/Dockerfile").read_text()
    loops = re.findall(r"for service in ([a-z ]+); do", dockerfile)
    if not loops or any(loop.split() != CONTEXTS for loop in loops):
        problem(f"Dockerfile: must build and copy every product ({CONTEXTS})")
    if "*.resources" not in dockerfile:
        problem("Dockerfile: the SwiftPM resource bundles (migrations) must be copied next to the executables")
    entrypoint = (DEPLOY / "docker/billing-entrypoint").read_text()
    if "|".join(CONTEXTS) not in entrypoint:
        problem("billing-entrypoint: must accept every service")


def check_dashboard():
    path = DEPLOY / "grafana/billing-dashboard.json"
    try:
        dashboard = json.loads(path.read_text())
    except ValueError as error:
        problem(f"billing-dashboard.json: not JSON: {error}")
        return
    sources = "\n".join(p.read_text() for p in list(ROOT.glob("Shared/**/*.swift")) + list(ROOT.glob("Services/**/*.swift")))
    exported = set(re.findall(r'"(billing_[a-z0-9_]+)"', sources))
    ids = []
    panels = list(dashboard.get("panels", []))
    for panel in list(panels):
        panels.extend(panel.get("panels", []))
    for panel in panels:
        ids.append(panel.get("id"))
        for target in panel.get("targets", []):
            for metric in re.findall(r"\b(billing_[a-z0-9_]+)", target.get("expr", "")):
                base = re.sub(r"_(bucket|sum|count)$", "", metric)
                if metric not in exported and base not in exported:
                    problem(f"billing-dashboard.json: panel '{panel.get('title')}' uses {metric}, which the code does not export")
    if len(ids) != len(set(ids)) or None in ids:
        problem("billing-dashboard.json: every panel needs a unique id")
    if not any(panel.get("targets") for panel in panels):
        problem("billing-dashboard.json: no panel queries anything")


def main():
    ports, http = code_ports()
    check_kubernetes(ports, http)
    check_compose(ports)
    check_dockerfile()
    check_dashboard()
    for message in problems:
        print(message)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
