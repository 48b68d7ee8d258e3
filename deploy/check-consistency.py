#!/usr/bin/env python3
"""Cross-checks the deployment artifacts against each other and against the code (deploy/validate.sh).

Schemas say a manifest is well formed; this says it fits the platform: the ports are the executables'
defaults, ENDPOINTS name Services that exist, the shutdown timings add up, every service has its
Deployment, Service, PodDisruptionBudget and migration, and the dashboard asks for metrics the code
exports. Trust (deploy/SECURITY.md): compose and Kubernetes run in production with each service's own
certificate and Redis user, and the NetworkPolicies let each port be reached by exactly whom CALLERS says.
Needs PyYAML (the validation venv has it through yamllint). Prints one line per problem.
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONTEXTS = ["gateway", "accounts", "catalog", "subscriptions", "ledger", "invoicing", "notifications"]
HPA_CONTEXTS = {"gateway", "ledger"}
# Who calls each service's RPC port (deploy/SECURITY.md); the NetworkPolicies must admit exactly these.
CALLERS = {
    "gateway": set(),
    "accounts": {"gateway", "subscriptions", "ledger", "invoicing", "notifications"},
    "catalog": {"gateway", "subscriptions", "ledger", "invoicing"},
    "subscriptions": {"gateway", "invoicing"},
    "ledger": {"gateway", "invoicing"},
    "invoicing": {"gateway", "notifications"},
    "notifications": {"gateway"},
}
# The streams each service's consumer group reads (deploy/redis/billing-acl.sh); the gateway publishes nothing.
READS = {
    "gateway": ("gateway-audit", ["accounts", "catalog", "subscriptions", "ledger", "invoicing", "notifications"]),
    "accounts": ("accounts", ["invoicing"]),
    "catalog": ("", []),
    "subscriptions": ("subscriptions", ["invoicing", "accounts"]),
    "ledger": ("ledger", ["accounts", "invoicing", "subscriptions"]),
    "invoicing": ("invoicing", ["subscriptions", "ledger", "accounts"]),
    "notifications": ("notifications", ["accounts", "catalog", "subscriptions", "ledger", "invoicing", "notifications"]),
}
# Contexts with no stream of their own: the gateway.
PUBLISHES_NOTHING = {"gateway"}
TLS_VARIABLES = ("BILLING_RPC_TLS_CA_FILE", "BILLING_RPC_TLS_CERT_FILE", "BILLING_RPC_TLS_KEY_FILE")
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}
POSTGRES_PORT, REDIS_PORT = 5432, 6379

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
    if config.get("BILLING_ENVIRONMENT") != "production":
        problem("configmap.yaml: BILLING_ENVIRONMENT must be production")
    if "BILLING_RPC_INSECURE" in config:
        problem("configmap.yaml: BILLING_RPC_INSECURE is for development only")
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
        check_pod_trust(context, pod, container, environment, secret)
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

    pods = {"migrate": load_all(k8s / "migrate/migrate-job.yaml")[0]["spec"]["template"]["metadata"]["labels"]}
    for context in CONTEXTS:
        path = k8s / f"{context}.yaml"
        for document in load_all(path) if path.exists() else []:
            if document["kind"] == "Deployment":
                pods[context] = document["spec"]["template"]["metadata"]["labels"]
    check_network_policies(k8s, ports, http, pods)

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
        if "BILLING_RPC_INSECURE" in environment:
            problem(f"migrate-job.yaml: {container['name']} sets BILLING_RPC_INSECURE (development only)")
    if migrations != CONTEXTS:
        problem(f"migrate-job.yaml: migrates {migrations}, expected {CONTEXTS}")


def check_pod_trust(context, pod, container, environment, secret):
    """Its own certificate from the Secret billing-rpc-tls-<context>, its own Redis password, no h2c."""
    upper = context.upper()
    volumes = {volume["name"]: volume for volume in pod["spec"].get("volumes", [])}
    mounts = [mount for mount in container.get("volumeMounts", [])
              if volumes.get(mount["name"], {}).get("secret", {}).get("secretName") == f"billing-rpc-tls-{context}"]
    if len(mounts) != 1 or not mounts[0].get("readOnly"):
        problem(f"{context}.yaml: mount the Secret billing-rpc-tls-{context} once, readOnly")
    else:
        directory = mounts[0]["mountPath"].rstrip("/")
        for variable, key in zip(TLS_VARIABLES, ("ca.crt", "tls.crt", "tls.key")):
            if environment.get(variable, {}).get("value") != f"{directory}/{key}":
                problem(f"{context}.yaml: {variable} should be {directory}/{key}")
    if "BILLING_RPC_INSECURE" in environment:
        problem(f"{context}.yaml: BILLING_RPC_INSECURE is for development only")
    reference = environment.get("BILLING_REDIS_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef", {})
    if reference.get("name") != "billing-secrets" or reference.get("key") != f"BILLING_REDIS_PASSWORD_{upper}":
        problem(f"{context}.yaml: BILLING_REDIS_PASSWORD should come from billing-secrets, key BILLING_REDIS_PASSWORD_{upper}")
    if f"BILLING_REDIS_PASSWORD_{upper}" not in secret:
        problem(f"secret.yaml: BILLING_REDIS_PASSWORD_{upper} is missing")
    annotations = pod["metadata"].get("annotations", {})
    if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/path") != "/metrics":
        problem(f"{context}.yaml: the pod should carry prometheus.io/scrape \"true\" and prometheus.io/path /metrics")


def selects(selector, labels):
    """Whether a label selector (matchLabels, matchExpressions) matches the labels; {} matches everything."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if (operator == "In" and labels.get(key) not in values) or (operator == "NotIn" and labels.get(key) in values) \
                or (operator == "Exists" and key not in labels) or (operator == "DoesNotExist" and key in labels):
            return False
    return True


def check_network_policies(k8s, ports, http, pods):
    """Evaluates the NetworkPolicies: who reaches each port of each billing pod, and what each pod reaches."""
    path = k8s / "networkpolicies.yaml"
    if not path.exists():
        problem("deploy/k8s/networkpolicies.yaml is missing")
        return
    policies = [document for document in load_all(path) if document.get("kind") == "NetworkPolicy"]

    def applying(labels, direction):
        return [policy for policy in policies if selects(policy["spec"].get("podSelector", {}), labels)
                and direction in policy["spec"].get("policyTypes", ["Ingress"])]

    def peers(labels, direction, port, protocol="TCP"):
        """The peers of the rules letting traffic through `port`: billing pod names (gateway, ..., migrate),
        postgres and redis (their pods), "anywhere", "ipBlock" and other namespaces ("namespace:<selector>")."""
        found = set()
        key, peer_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for policy in applying(labels, direction):
            for rule in policy["spec"].get(key) or []:
                rule_ports = rule.get("ports") or [{}]
                if not any(item.get("port") in (None, port) and item.get("protocol", "TCP") == protocol for item in rule_ports):
                    continue
                if not rule.get(peer_key):
                    found.add("anywhere")
                for peer in rule.get(peer_key) or []:
                    if "namespaceSelector" in peer:
                        found.add("namespace:" + json.dumps(peer["namespaceSelector"], sort_keys=True))
                    elif "ipBlock" in peer:
                        found.add("ipBlock")
                    else:
                        found.update(name for name, pod in pods.items() if selects(peer.get("podSelector", {}), pod))
                        found.update(backend for backend in ("postgres", "redis")
                                     if selects(peer.get("podSelector", {}), {"app.kubernetes.io/name": f"billing-{backend}"}))
        return found

    monitoring = "namespace:" + json.dumps({"matchLabels": MONITORING}, sort_keys=True)
    for name, labels in pods.items():
        deny = [policy for policy in applying(labels, "Ingress") if policy["metadata"]["name"] == "billing-default-deny"]
        if not deny or "Egress" not in deny[0]["spec"].get("policyTypes", []) or deny[0]["spec"].get("ingress") or deny[0]["spec"].get("egress"):
            problem(f"networkpolicies.yaml: billing-default-deny must deny ingress and egress of billing-{name}")
        if not {"UDP", "TCP"} <= {protocol for protocol in ("UDP", "TCP") if peers(labels, "Egress", 53, protocol)}:
            problem(f"networkpolicies.yaml: billing-{name} cannot reach DNS (port 53, UDP and TCP)")
        if "postgres" not in peers(labels, "Egress", POSTGRES_PORT):
            problem(f"networkpolicies.yaml: billing-{name} cannot reach PostgreSQL (billing-postgres:{POSTGRES_PORT})")
    for context in CONTEXTS:
        labels = pods.get(context)
        rpc, admin = ports.get(context, (None, None))
        if labels is None or rpc is None:
            continue
        callers = peers(labels, "Ingress", rpc)
        if callers != CALLERS[context]:
            problem(f"networkpolicies.yaml: the RPC port {rpc} of billing-{context} admits {sorted(callers) or 'nobody'}, "
                    f"expected {sorted(CALLERS[context]) or 'nobody'}")
        if peers(labels, "Ingress", admin) != {monitoring}:
            problem(f"networkpolicies.yaml: the admin port {admin} of billing-{context} should admit the monitoring namespace only")
        if context == "gateway" and peers(labels, "Ingress", http) != {"anywhere"}:
            problem(f"networkpolicies.yaml: the gateway's public port {http} should be open to anywhere")
        callees = {other for other in CONTEXTS if context in CALLERS[other]}
        reached = {other for other in CONTEXTS if other in peers(labels, "Egress", ports.get(other, (None,))[0])}
        if reached != callees:
            problem(f"networkpolicies.yaml: billing-{context} reaches the RPC ports of {sorted(reached)}, expected {sorted(callees)}")
        if "redis" not in peers(labels, "Egress", REDIS_PORT):
            problem(f"networkpolicies.yaml: billing-{context} cannot reach Redis (billing-redis:{REDIS_PORT})")
    for backend, port, allowed in (("postgres", POSTGRES_PORT, set(CONTEXTS) | {"migrate"}), ("redis", REDIS_PORT, set(CONTEXTS))):
        admitted = peers({"app.kubernetes.io/name": f"billing-{backend}"}, "Ingress", port)
        if admitted != allowed:
            problem(f"networkpolicies.yaml: billing-{backend} admits {sorted(admitted)}, expected {sorted(allowed)}")

    # What the code does must get through: the clients it makes (runtime.client(for: "<service>") in
    # Services/<Caller>/) and the callers its methods admit (`callers:` in Services/<Service>/*Contract/).
    for source in ROOT.glob("Services/*/*/*.swift"):
        caller = source.parts[-3].lower()
        for callee in re.findall(r'runtime\.client\(for: "(\w+)"', source.read_text()):
            if callee in CALLERS and caller not in CALLERS[callee]:
                problem(f"{source.relative_to(ROOT)}: {caller} calls {callee}, which CALLERS (and the NetworkPolicies) do not allow")
    for source in ROOT.glob("Services/*/*Contract/*.swift"):
        service, admitted = source.parts[-3].lower(), set()
        for gateway_and, only in re.findall(r'callers:\s*\.(?:gateway\(and:([^)]*)\)|only\(\[([^\]]*)\]\)|gateway\b)', source.read_text()):
            admitted |= set(re.findall(r'"(\w+)"', gateway_and + only)) | ({"gateway"} if not only else set())
        for caller in sorted(admitted - {service} - CALLERS.get(service, admitted)):
            problem(f"{source.relative_to(ROOT)}: a method of {service} admits {caller}, which CALLERS (and the NetworkPolicies) do not allow")


def check_redis_acl():
    """billing-acl.sh gives each service the consumer group and streams of READS."""
    script = (DEPLOY / "redis/billing-acl.sh").read_text()
    users = {match[0]: (match[1], match[2], match[3].split()) for match in
             re.findall(r'service_user (\w+) (yes|no) "?([\w-]*)"?((?: \w+)*)\)', script)}
    for context in CONTEXTS:
        group, streams = READS[context]
        expected = ("no" if context in PUBLISHES_NOTHING else "yes", group, streams)
        if users.get(context) != expected:
            problem(f"redis/billing-acl.sh: service_user {context} should be {expected}, found {users.get(context)}")


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
        if environment.get("BILLING_ENVIRONMENT") != "production" or "BILLING_RPC_INSECURE" in environment:
            problem(f"compose.yaml: {name} must run with BILLING_ENVIRONMENT=production and without BILLING_RPC_INSECURE")
        mounted = {item.get("target"): item.get("source") for item in service.get("secrets", []) if isinstance(item, dict)}
        for variable, source, file in zip(TLS_VARIABLES, ("billing-rpc-ca", f"billing-rpc-{context}-cert", f"billing-rpc-{context}-key"),
                                          ("./tls/ca-bundle.crt", f"./tls/{context}.crt", f"./tls/{context}.key")):
            target = str(environment.get(variable, "")).removeprefix("/run/secrets/")
            if mounted.get(target) != source or compose.get("secrets", {}).get(source, {}).get("file") != file:
                problem(f"compose.yaml: {name} needs {variable}=/run/secrets/<target> of the secret {source} ({file})")
        if not str(environment.get("BILLING_REDIS_PASSWORD", "")).startswith(f"${{BILLING_REDIS_PASSWORD_{upper}:?"):
            problem(f"compose.yaml: {name} needs BILLING_REDIS_PASSWORD: ${{BILLING_REDIS_PASSWORD_{upper}:?...}}")
        if f"BILLING_REDIS_PASSWORD_{upper}" not in services["redis"].get("environment", {}):
            problem(f"compose.yaml: redis lacks BILLING_REDIS_PASSWORD_{upper} for billing-acl.sh")
        if f"\nBILLING_REDIS_PASSWORD_{upper}=" not in (DEPLOY / "docker/env.example").read_text():
            problem(f"env.example: BILLING_REDIS_PASSWORD_{upper} is missing")
    scraped = yaml.safe_load((DEPLOY / "docker/observability/prometheus.yml").read_text())
    targets = {f"{name}:{sd['port']}" for job in scraped["scrape_configs"] for sd in job["dns_sd_configs"] for name in sd["names"]}
    expected = {f"billing-{context}:{ports[context][1]}" for context in CONTEXTS if context in ports}
    if targets != expected:
        problem(f"observability/prometheus.yml: targets {sorted(targets)} should be every admin port {sorted(expected)}")
    if "--aclfile" not in " ".join(services["redis"].get("command", [])):
        problem("compose.yaml: redis must start with --aclfile (deploy/redis/billing-acl.sh)")
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
    check_redis_acl()
    check_dockerfile()
    check_dashboard()
    for message in problems:
        print(message)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
