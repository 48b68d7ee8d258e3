#!/usr/bin/env python3
"""Browser test of the admin billing console (issue 11) against a running gateway.

Headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium, axe-core from `axe-selenium-python`.
It creates its demo data through the public API (deploy/local/demo-data.py's catalog, then an account, a subscription,
usage and AI charges), then, in the browser: signs in by pasting the token (keyboard only), sees the plan card, cancels at
period end and reactivates, previews a plan change, activates a free add-on, buys a credit package by PIX and marks it paid
through the signed sandbox webhook, sees the balance and the consumption chart change, checks usage warnings, the invoices
(printable invoice and PIX of a pending one), filters the audit trail, switches to English and changes the plan; registers a
webhook endpoint pointing at a local receiver (secret shown once, Send test arrives signed, attempts listed, redeliver, edit,
rotate, delete); edits the account's notification preferences (e-mail language, contacts, opt-outs; the API's field errors
shown at the field); with the optional restricted tokens, the no-access screen and the API's 403 message.

Every screen is saved as a PNG in --artifacts and checked with axe; any `critical` violation fails the run (all violations
are printed). Exit status 0 only when every step passed and no critical violation was found.

Usage: console_test.py --gateway http://127.0.0.1:18080 --token <owner JWT> [--restricted-token <JWT without billing
permissions>] [--limited-token <JWT with SUBSCRIPTIONS_READ only>] [--webhook-secret whsec_…] [--provider sandbox]
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from decimal import Decimal

try:  # axe-core 4.x; axe-selenium-python (the older fork of the same library) bundles axe-core 3.1
    from selenium_axe_python import Axe
except ImportError:
    from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NBSP = "\u00a0"


# ------------------------------------------------------------------------------------------------ API (test set-up)

class API:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, attributes=None, type_=None, raw=None, headers=None, expect=(200, 201)):
        body = raw
        if attributes is not None:
            body = json.dumps({"data": {"type": type_, "attributes": attributes}}).encode()
        request = urllib.request.Request(self.base + path, method=method, data=body, headers={
            "Authorization": "Bearer " + self.token, "Content-Type": "application/vnd.api+json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        document = json.loads(text, parse_float=Decimal) if text else None
        if expect and status not in expect:
            raise AssertionError(f"{method} {path}: HTTP {status} {text[:500]}")
        return document

    def get(self, path):
        return self.call("GET", path)["data"]


def valid_cnpj():
    """A random CNPJ with correct check digits (the API validates them; one open account per tax id)."""
    digits = [random.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        remainder = sum(d * w for d, w in zip(digits, weights)) % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return "".join(map(str, digits))


def wait_api(description, check, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {description}")


def charge(api, account, model, user, feature, input_tokens, output_tokens, cost_center=None):
    attributes = {"billingAccountId": account, "model": model, "inputTokens": input_tokens, "outputTokens": output_tokens,
                  "userId": user, "featureId": feature, "idempotencyKey": str(uuid.uuid4())}
    if cost_center:
        attributes["costCenter"] = cost_center
    api.call("POST", "/api/v1/credit-charges", attributes, "credit-charges")


def create_demo_data(api, gateway, token):
    """The catalog of `make run`, one account subscribed to `pro`, usage near its limits and AI consumption."""
    subprocess.run([sys.executable, os.path.join(ROOT, "deploy/local/demo-data.py"), gateway, token], check=True)
    plans = api.get("/api/v1/subscription-plans?filter%5Bcode%5D=business")
    if not plans:
        api.call("POST", "/api/v1/subscription-plans", {
            "code": "business", "name": "Plano Business", "description": "Para equipes maiores", "billingInterval": "MONTHLY",
            "billingCycleType": "ANNIVERSARY", "basePrice": "599.90", "currency": "BRL", "trialDays": 0, "includedCredits": 1000,
            "features": ["ai.copilot", "reports.basic", "reports.advanced"]}, "subscription-plans")
    pro = api.get("/api/v1/subscription-plans?filter%5Bcode%5D=pro")[0]["id"]
    account = api.call("POST", "/api/v1/billing-accounts", {
        "name": "Empresa Console Ltda", "email": "financeiro@console.example", "currency": "BRL", "taxId": valid_cnpj(),
        "taxIdType": "CNPJ", "timezone": "America/Sao_Paulo"}, "billing-accounts")["data"]["id"]
    subscription = api.call("POST", "/api/v1/subscriptions", {"billingAccountId": account, "planId": pro, "quantity": 1, "trialDays": 0},
                            "subscriptions")["data"]["id"]
    wait_api("the plan's monthly credits", lambda: Decimal(api.get(f"/api/v1/credit-wallets/{account}")["attributes"]["monthlyRemaining"]) >= 300)
    api.call("PUT", f"/api/v1/billing-accounts/{account}/usage-limits", {"limits": [
        {"resource": "messages", "limit": 10000, "enforcement": "SOFT", "reset": "PERIOD"},
        {"resource": "users", "limit": 10, "enforcement": "HARD", "reset": "NEVER"},
        {"resource": "whatsapp_sessions", "limit": 2, "enforcement": "HARD", "reset": "NEVER"}]}, "usage-limits")
    for resource, quantity in (("users", 9), ("whatsapp_sessions", 1)):
        api.call("POST", "/api/v1/usage-limits/check", {"billingAccountId": account, "resource": resource, "quantity": quantity}, "usage-limit-checks")
    events = [{"type": "usage-events", "id": str(uuid.uuid4()), "attributes": {"billingAccountId": account, "meterCode": "messages", "value": 1}}
              for _ in range(3)]
    api.call("POST", "/api/v1/usage-events", raw=json.dumps({"data": events}).encode())
    charge(api, account, "claude-sonnet-4.5", "ana", "copilot", 30000, 50000)
    charge(api, account, "claude-haiku-4.5", "bruno", "resumos", 120000, 20000)
    return {"account": account, "subscription": subscription}


def sign_webhook(secret, body, timestamp):
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def deliver_payment(gateway, provider, secret, tenant, account, invoice_id, amount):
    """The sandbox provider's `payment.succeeded` notification, signed as WebhookSignature expects."""
    body = json.dumps({"id": "evt_" + uuid.uuid4().hex, "type": "payment.succeeded", "data": {
        "tenantId": tenant, "billingAccountId": account, "invoiceId": invoice_id, "amount": amount, "paymentMethod": "PIX",
        "externalRef": "E" + uuid.uuid4().hex}}).encode()
    request = urllib.request.Request(f"{gateway}/api/v1/webhooks/payments/{provider}", method="POST", data=body, headers={
        "Content-Type": "application/json", "Billing-Signature": sign_webhook(secret, body, int(time.time()))})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read().decode())
    outcome = answer["data"]["attributes"].get("outcome")
    if outcome != "PAYMENT_RECORDED":
        raise AssertionError(f"webhook outcome {outcome}: {answer}")


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class WebhookReceiver:
    """A local HTTP endpoint (development allows http:// and loopback webhook URLs) that answers 200 and records every POST."""

    def __init__(self):
        self.posts = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.posts.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                answer = b'{"received":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self, event_type=None, message_id=None):
        """The posts so far (of an event type, or of a message), oldest first."""
        with self.lock:
            posts = list(self.posts)
        result = []
        for post in posts:
            try:
                envelope = json.loads(post["body"])
            except ValueError:
                envelope = {}
            if event_type and envelope.get("type") != event_type:
                continue
            if message_id and post["headers"].get("webhook-id") != message_id:
                continue
            result.append(post)
        return result

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def webhook_signatures_valid(post, secrets):
    """Which of `secrets` (whsec_…) made one of the post's `v1,` signatures (Standard Webhooks: HMAC-SHA256 of id.timestamp.body)."""
    headers = post["headers"]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + post["body"]
    given = {part.split(",", 1)[1] for part in headers["webhook-signature"].split() if part.startswith("v1,")}
    valid = []
    for secret in secrets:
        key = base64.b64decode(secret.split("_", 1)[1])
        if base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode() in given:
            valid.append(secret)
    return valid


# ------------------------------------------------------------------------------------------------ browser

class Browser:
    def __init__(self, gateway, artifacts):
        self.gateway = gateway
        self.artifacts = artifacts
        self.violations = {}
        options = Options()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
                         "--lang=pt-BR", "--disable-features=Translate"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(60)
        self.axe = Axe(self.driver)

    def open(self, path):
        self.driver.get(self.gateway + path)

    def find(self, css, timeout=30, visible=True):
        def found(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if not visible or element.is_displayed():
                    return element
            return False
        try:
            return WebDriverWait(self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(found)
        except TimeoutException:
            raise AssertionError(f"nothing visible matches {css!r} after {timeout} s; errors shown: {self.text('#errors')!r}")

    def text(self, css):
        # A screen that re-renders (or a window that leaves about:blank) replaces the elements between finding and reading.
        for _ in range(10):
            try:
                elements = self.driver.find_elements(By.CSS_SELECTOR, css)
                return " ".join(element.text for element in elements).replace(NBSP, " ")
            except StaleElementReferenceException:
                time.sleep(0.1)
        raise AssertionError(f"{css!r} keeps being replaced while read")

    def wait_text(self, css, expected, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if expected in self.text(css):
                return
            time.sleep(0.25)
        raise AssertionError(f"{css!r} does not show {expected!r} after {timeout} s: {self.text(css)!r}; errors: {self.text('#errors')!r}")

    def wait_text_refreshing(self, css, expected, screen, timeout=90):
        """For what arrives through events (the audit trail): the screen's Refresh button until `css` shows `expected`."""
        deadline = time.time() + timeout
        while True:
            self.screen_ready(screen)
            if expected in self.text(css):
                return
            if time.time() > deadline:
                raise AssertionError(f"{css!r} does not show {expected!r} after {timeout} s: {self.text(css)!r}")
            time.sleep(2)
            self.click("#refresh")

    def wait_until(self, description, check, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = check()
            except (StaleElementReferenceException, NoSuchElementException):
                value = None  # the page was replaced while being read: look again
            if value:
                return value
            time.sleep(0.5)
        raise AssertionError(f"timed out: {description}; errors shown: {self.text('#errors')!r}")

    def click(self, css, timeout=30):
        element = self.find(css, timeout)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return element

    def screen_ready(self, screen):
        self.find(f'#view[data-screen="{screen}"]:not([aria-busy])', visible=False)

    def navigate(self, screen):
        self.click(f"#nav-{screen}")
        self.screen_ready(screen)

    def screenshot(self, name):
        height = self.driver.execute_script("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        self.driver.set_window_size(1280, min(max(1000, height + 20), 6000))
        path = os.path.join(self.artifacts, name + ".png")
        self.driver.save_screenshot(path)
        self.driver.set_window_size(1280, 1000)
        print(f"  screenshot {os.path.relpath(path, ROOT)}")

    def check_accessibility(self, name):
        self.axe.inject()
        results = self.axe.run(options='{"resultTypes": ["violations"]}')
        violations = results["violations"]
        self.violations[name] = violations
        summary = ", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in violations) or "none"
        print(f"  axe {name}: {summary}")

    def console_errors(self):
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def quit(self):
        self.driver.quit()


# ------------------------------------------------------------------------------------------------ the scenario

def number(text):
    """`1.234,56` → Decimal('1234.56') (pt-BR digits as the console prints them; credits and money stay exact)."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch in ",.-")
    return Decimal(digits.replace(".", "").replace(",", "."))


def run(args):
    gateway = args.gateway.rstrip("/")
    api = API(gateway, args.token)
    tenant = claims(args.token)["organizationId"]
    os.makedirs(args.artifacts, exist_ok=True)
    for old in os.listdir(args.artifacts):
        if old.endswith(".png"):
            os.remove(os.path.join(args.artifacts, old))

    print(f"console test: gateway {gateway}, tenant {tenant}")
    data = create_demo_data(api, gateway, args.token)
    account, subscription = data["account"], data["subscription"]
    print(f"  demo data: account {account}, subscription {subscription}")

    browser = Browser(gateway, args.artifacts)
    steps = []

    def step(name):
        def decorate(function):
            steps.append((name, function))
            return function
        return decorate

    @step("serving: content types, strict CSP, no-cache; unknown files are 404")
    def serving():
        for path, content_type in (("/console", "text/html"), ("/console/", "text/html"), ("/console/console.js", "text/javascript"),
                                   ("/console/i18n.js", "text/javascript"), ("/console/console.css", "text/css")):
            with urllib.request.urlopen(gateway + path, timeout=10) as response:
                headers = response.headers
                assert response.status == 200 and headers["Content-Type"].startswith(content_type), (path, headers["Content-Type"])
                assert headers["Cache-Control"] == "no-cache", (path, headers["Cache-Control"])
                policy = headers["Content-Security-Policy"]
                assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy, policy
        try:
            urllib.request.urlopen(gateway + "/console/secrets.txt", timeout=10)
            raise AssertionError("an unknown console file was served")
        except urllib.error.HTTPError as error:
            assert error.code == 404, error.code

    @step("sign in by pasting the token, keyboard only")
    def sign_in():
        browser.open("/console/")
        field = browser.find("#signin-form textarea")
        browser.screenshot("00-sign-in")
        browser.check_accessibility("sign-in")
        field.send_keys(args.token)
        field.send_keys(Keys.TAB)
        browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
        browser.screen_ready("billing")

    @step("plan card: plan, price, status, period, renewal, included credits")
    def plan_card():
        browser.wait_text("#plan-card h2", "Plano Pro")
        assert "R$ 299,90 por mês" in browser.text("#plan-price"), browser.text("#plan-price")
        assert browser.text("#plan-status") == "Ativa", browser.text("#plan-status")
        assert "renova em" in browser.text("#plan-renewal")
        assert "300 créditos por mês" in browser.text("#plan-credits")
        assert " a " in browser.text("#plan-period")
        # The upcoming invoice (GET /subscriptions/{id}/upcoming-invoice): its amount and the date it is drafted.
        assert re.search(r"R\$\s?[\d.]+,\d\d em \d", browser.text("#plan-next-invoice")), browser.text("#plan-next-invoice")
        browser.screenshot("01-billing")
        browser.check_accessibility("billing")

    @step("cancel at period end with a reason (Escape closes the dialog first)")
    def cancel_at_period_end():
        browser.click('[data-action="cancel-subscription"]')
        browser.find("dialog[open]")
        browser.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        browser.wait_until("the dialog closed by Escape", lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), 10)
        browser.click('[data-action="cancel-subscription"]')
        browser.find("dialog[open] textarea").send_keys("Teste do console: cancelamento agendado")
        browser.screenshot("02-cancel-dialog")
        browser.check_accessibility("cancel-dialog")
        browser.click('[data-action="confirm-cancel"]')
        browser.wait_text("#status", "Cancelamento registrado")
        browser.wait_text("#plan-renewal", "termina em")
        browser.find('[data-action="reactivate-subscription"]')
        attributes = api.get(f"/api/v1/subscriptions/{subscription}")["attributes"]
        assert attributes["cancelAtPeriodEnd"] is True and attributes["status"] == "ACTIVE", attributes
        browser.screenshot("03-billing-cancel-scheduled")

    @step("reactivate")
    def reactivate():
        browser.click('[data-action="reactivate-subscription"]')
        browser.wait_text("#status", "Assinatura reativada")
        browser.wait_text("#plan-renewal", "renova em")
        assert api.get(f"/api/v1/subscriptions/{subscription}")["attributes"]["cancelAtPeriodEnd"] is False

    @step("change plan: proration preview")
    def change_plan_preview():
        select = Select(browser.find("#change-plan-select"))
        select.select_by_index([option.text for option in select.options].index(next(o.text for o in select.options if "Plano Business" in o.text)))
        assert "R$ 599,90 por mês" in select.first_selected_option.text.replace(NBSP, " "), select.first_selected_option.text
        browser.click('[data-action="preview-plan"]')
        browser.wait_text("#change-effective", "Vale agora")
        assert browser.find("#proration-lines"), "proration lines"
        assert "R$" in browser.text("#proration-total")
        browser.screenshot("04-change-plan-preview")
        browser.check_accessibility("change-plan-preview")
        assert api.get(f"/api/v1/subscriptions/{subscription}")["attributes"]["plan"]["name"] == "Plano Pro", "a preview changes nothing"

    @step("activate a free add-on")
    def activate_free_addon():
        browser.navigate("addons")
        row = 'tr[data-addon-code="relatorios"]'
        browser.wait_text(row, "Grátis")
        browser.click(row + ' [data-action="activate-addon"]')
        browser.wait_text("#status", "ativado")
        browser.wait_text(row, "Ativo")
        browser.find(row + ' [data-action="cancel-addon"]')
        features = api.get(f"/api/v1/subscriptions/{subscription}/entitlements")["attributes"]["features"]
        assert "reports.advanced" in features, features
        browser.screenshot("05-addons")
        browser.check_accessibility("addons")

    @step("activate a paid add-on: checkout by card, then cancel it at period end")
    def paid_addon():
        row = 'tr[data-addon-code="whatsapp"]'
        browser.wait_text(row, "R$ 49,90 por mês")
        browser.click(row + ' [data-action="activate-addon"]')
        browser.find("dialog[open] form")
        browser.click('dialog[open] input[name="paymentMethod"][value="CARD"]')
        browser.find('dialog[open] input[name="cardToken"]').send_keys("tok_visa")
        browser.click('dialog[open] [data-action="pay"]')
        browser.wait_text("#checkout-result", "aprovado")
        browser.click('dialog[open] [data-action="close-dialog"]')
        browser.wait_text(row, "Ativo", timeout=110)
        browser.click(row + ' [data-action="cancel-addon"]')
        browser.click('dialog[open] [data-action="confirm-cancel-addon"]')
        browser.wait_text(row, "Ativo até o fim do período")
        assert "whatsapp" in api.get(f"/api/v1/subscriptions/{subscription}/entitlements")["attributes"]["features"]

    state = {}

    @step("credits: balance split, thresholds, packages and consumption charts")
    def credits_screen():
        browser.navigate("credits")
        state["available"] = number(browser.text("#credits-available"))
        state["purchased"] = Decimal(browser.find("#wallet dl", visible=False).get_attribute("data-purchased"))
        state["consumed"] = Decimal(browser.find("#consumption-total", visible=False).get_attribute("data-credits"))
        assert state["consumed"] > 0, "the set-up's AI charges show in the consumption"
        assert browser.find("#chart-credits-per-day svg[role=img]") and browser.find("#chart-tokens-per-day svg[role=img]")
        browser.wait_text("#breakdown-user-table", "bruno")
        browser.wait_text("#breakdown-model-table", "claude-haiku-4.5")
        browser.wait_text("#breakdown-feature-table", "resumos")
        # History and projection: lifetime totals, this week's pace; every execution; purchases (none yet).
        assert number(browser.text("#lifetime-consumed").split()[0]) == state["consumed"], browser.text("#lifetime-consumed")
        assert Decimal(browser.find("#projection-burn", visible=False).get_attribute("data-burn")) > 0
        assert "acabam em" in browser.text("#projection-run-out"), browser.text("#projection-run-out")
        browser.wait_text("#executions-table", "bruno")
        browser.wait_text("#topups", "Nenhuma compra")
        browser.wait_text("#threshold-status", "Consumo normal")
        browser.wait_text('tr[data-package-code="start"]', "R$ 39,70")
        browser.screenshot("06-credits")
        browser.check_accessibility("credits")

    @step("buy a credit package by PIX: QR code and copy-and-paste code")
    def buy_by_pix():
        browser.click('tr[data-package-code="start"] [data-action="buy-package"]')
        browser.find("dialog[open] form")
        browser.check_accessibility("checkout-dialog")
        browser.click('dialog[open] [data-action="pay"]')
        panel = browser.find("#pix-panel")
        image = browser.find("#pix-qr")
        assert browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image), "the QR code image loads"
        code = browser.find("#pix-panel textarea").get_attribute("value")
        assert code.startswith("000201") and "br.gov.bcb.pix" in code, code
        state["invoice"] = panel.get_attribute("data-invoice-id")
        state["amount"] = panel.get_attribute("data-amount")
        browser.click('[data-action="copy-pix"]')
        browser.wait_until("the copy button answered", lambda: browser.text("#pix-copy-status"), 10)
        browser.screenshot("07-pix-checkout")
        browser.check_accessibility("pix-checkout")

    @step("the sandbox webhook pays it; the balance changes")
    def pay_by_webhook():
        deliver_payment(gateway, args.provider, args.webhook_secret, tenant, account, state["invoice"], state["amount"])
        browser.wait_text("#pix-status", "Pagamento confirmado", timeout=30)
        browser.wait_until("the purchased credits in the balance",
                           lambda: Decimal(browser.find("#wallet dl", visible=False).get_attribute("data-purchased")) == state["purchased"] + 100, 90)
        browser.click('dialog[open] [data-action="close-dialog"]')
        browser.screen_ready("credits")
        available = number(browser.text("#credits-available"))
        assert available == state["available"] + 100, (available, state["available"])
        assert number(browser.text("#credits-purchased")) == state["purchased"] + 100
        browser.wait_text('#topups-table tr[data-status="COMPLETED"]', "Concluída")
        assert "start" in browser.text("#topups-table"), browser.text("#topups-table")

    @step("new AI consumption changes the chart")
    def chart_changes():
        today = "#chart-credits-per-day rect.bar-credits:last-of-type title"
        before = browser.find(today, visible=False).get_attribute("textContent")
        charge(api, account, "claude-sonnet-4.5", "carla", "copilot", 400000, 200000, cost_center="marketing")
        browser.click("#refresh")
        browser.wait_until("the consumption total grew", lambda: Decimal(
            browser.find('#view[data-screen="credits"] #consumption-total', visible=False).get_attribute("data-credits")) > state["consumed"], 30)
        after = browser.find(today, visible=False).get_attribute("textContent")
        assert before != after, f"today's bar changed: {before!r} → {after!r}"
        print(f"  today's bar: {before} → {after}")
        browser.wait_text("#breakdown-user-table", "carla")
        browser.wait_text("#breakdown-cost_center-table", "marketing")
        # The executions list filtered by user: Carla's only.
        browser.find("#execution-userId").send_keys("carla")
        browser.click('[data-action="filter-executions"]')
        browser.wait_until("only Carla's executions", lambda: (rows := browser.driver.find_elements(By.CSS_SELECTOR, "#executions-table tbody tr"))
                           and all(row.get_attribute("data-user-id") == "carla" for row in rows), 30)
        browser.screenshot("08-credits-after-purchase-and-consumption")
        browser.check_accessibility("credits-after")

    @step("usage: bars per resource with the 80/90 % warnings")
    def usage():
        browser.navigate("usage")
        users = browser.find('li[data-resource="users"]')
        assert users.get_attribute("data-level") == "90", users.get_attribute("data-level")
        browser.wait_text('li[data-resource="users"]', "9 de 10 (90 %)")
        browser.wait_text('li[data-resource="users"]', "Alerta")
        browser.wait_text('li[data-resource="whatsapp_sessions"]', "1 de 2 (50 %)")
        browser.wait_text("#meters-table", "Mensagens")
        browser.screenshot("09-usage")
        browser.check_accessibility("usage")

    @step("invoices: status, amount, method, dates; printable invoice; PIX for a pending one")
    def invoices():
        pending = api.call("POST", "/api/v1/checkouts", {"billingAccountId": account, "paymentMethod": "PIX",
                                                          "items": [{"type": "CREDIT_PACKAGE", "packageCode": "growth"}]}, "checkouts")
        state["pending"] = pending["data"]["attributes"]["invoice"]["id"]
        browser.navigate("invoices")
        paid_row = f'tr[data-invoice-id="{state["invoice"]}"]'
        browser.wait_text(paid_row, "Paga")
        browser.wait_text(paid_row, "PIX")  # the invoice's own paymentMethod
        assert "R$ 39,70" in browser.text(paid_row), browser.text(paid_row)
        pending_row = f'tr[data-invoice-id="{state["pending"]}"]'
        browser.wait_text(pending_row, "Pendente")
        assert "R$ 99,70" in browser.text(pending_row)
        browser.screenshot("10-invoices")
        browser.check_accessibility("invoices")

        main_window = browser.driver.current_window_handle
        browser.click(paid_row + ' [data-action="open-invoice"]')
        browser.wait_until("the printable invoice window", lambda: len(browser.driver.window_handles) > 1, 15)
        browser.driver.switch_to.window([h for h in browser.driver.window_handles if h != main_window][0])
        browser.wait_until("the printable invoice", lambda: "Fatura" in browser.text("body"), 20)
        collapse = browser.driver.execute_script("return getComputedStyle(document.querySelector('table')).borderCollapse")
        assert collapse == "collapse", "the invoice's own stylesheet applies"
        assert "R$ 39,70" in browser.text("body")
        browser.screenshot("11-printable-invoice")
        browser.driver.close()
        browser.driver.switch_to.window(main_window)

        browser.click(pending_row + ' [data-action="pay-invoice"]')
        browser.find("#pix-qr")
        browser.wait_text("#pix-panel", "R$ 99,70")
        browser.screenshot("12-invoice-pix")
        browser.check_accessibility("invoice-pix")
        browser.click('dialog[open] [data-action="close-dialog"]')

    @step("events: the audit trail filtered by type")
    def events():
        browser.navigate("events")
        Select(browser.find("#event-type")).select_by_value("billing.subscription.reactivated")
        browser.click('[data-action="filter-events"]')
        browser.wait_text_refreshing("#events-table", "Assinatura reativada", "events")
        types = {row.get_attribute("data-event-type") for row in browser.driver.find_elements(By.CSS_SELECTOR, "#events-table tbody tr")}
        assert types == {"billing.subscription.reactivated"}, types
        browser.wait_text("#events-table", "Assinatura reativada")
        browser.screenshot("13-events")
        browser.check_accessibility("events")

    @step("English: texts switch, BRL stays R$ 1.234,56; change the plan")
    def english():
        Select(browser.find("#language-select")).select_by_value("en")
        browser.wait_text("#sections", "AI credits")
        browser.navigate("billing")
        browser.wait_text("#plan-card h2", "Current plan")
        assert "R$ 299,90 per month" in browser.text("#plan-price"), browser.text("#plan-price")
        assert browser.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        browser.click('[data-action="preview-plan"]')
        browser.wait_text("#change-effective", "Takes effect now")
        browser.click('[data-action="confirm-plan-change"]')
        browser.wait_text("#status", "Plan changed to Plano Business")
        browser.wait_text("#plan-card h2", "Plano Business")
        browser.screenshot("14-billing-english")
        browser.check_accessibility("billing-english")
        Select(browser.find("#language-select")).select_by_value("pt-BR")
        browser.wait_text("#sections", "Créditos de IA")
        browser.screen_ready("billing")

    @step("pause and resume")
    def pause_and_resume():
        browser.click('[data-action="pause-subscription"]')
        browser.wait_text("#plan-status", "Pausada")
        browser.wait_text("#subscription-notices", "Pausada desde")
        browser.click('[data-action="resume-subscription"]')
        browser.wait_text("#plan-status", "Ativa")
        assert api.get(f"/api/v1/subscriptions/{subscription}")["attributes"]["status"] == "ACTIVE"

    receiver = WebhookReceiver()

    def checked_values(css):
        return sorted(box.get_attribute("value") for box in browser.driver.find_elements(By.CSS_SELECTOR, css) if box.is_selected())

    @step("webhooks: register a local receiver through the form; the signing secret is shown once")
    def webhook_create():
        browser.navigate("webhooks")
        browser.wait_text("#webhook-endpoints", "Nenhum endpoint")
        assert not browser.find("#account-picker", visible=False).is_displayed(), "webhooks are the tenant's: no account picker"
        form = "#new-webhook-form"
        browser.find(form + " #new-webhook-url").send_keys(receiver.url)
        browser.find(form + " #new-webhook-description").send_keys("Console e2e")
        browser.click(form + ' input[name="typesMode"][value="chosen"]')
        # "Only the chosen types" with none chosen: said at the type list, nothing sent.
        browser.click('[data-action="create-webhook"]')
        browser.wait_text("#webhook-create-errors", "Escolha ao menos um tipo")
        browser.wait_text("#new-webhook-types .field-error", "Escolha ao menos um tipo")
        assert api.call("GET", "/api/v1/webhook-endpoints")["data"] == [], "nothing was registered"
        for event_type in ("billing.invoice.paid", "billing.payment.completed"):
            browser.click(f'{form} input[name="eventType"][value="{event_type}"]')
        browser.screenshot("20-webhook-new")
        browser.check_accessibility("webhook-new")
        browser.click('[data-action="create-webhook"]')
        secret_box = browser.find("dialog[open] #webhook-secret")
        secret = secret_box.get_attribute("value")
        assert secret.startswith("whsec_") and len(secret) > 20, secret
        browser.wait_text("dialog[open] #webhook-secret-warning", "não será mostrado de novo")
        browser.click('dialog[open] [data-action="copy-webhook-secret"]')
        browser.wait_until("the copy button answered", lambda: browser.text("#webhook-secret-status"), 10)
        browser.screenshot("21-webhook-secret")
        browser.check_accessibility("webhook-secret")
        browser.click('dialog[open] [data-action="close-dialog"]')
        browser.wait_until("the secret dialog closed", lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), 10)
        assert not browser.driver.find_elements(By.CSS_SELECTOR, "#webhook-secret"), "the secret is gone from the page"
        row = browser.find("#webhooks-table tbody tr[data-endpoint-id]")
        endpoint = row.get_attribute("data-endpoint-id")
        browser.wait_text("#webhooks-table", receiver.url)
        browser.wait_text("#webhooks-table", "Fatura paga, Pagamento confirmado")
        browser.wait_text("#webhook-detail-state", "Ativo")
        attributes = api.get(f"/api/v1/webhook-endpoints/{endpoint}")["attributes"]
        assert sorted(attributes["eventTypes"]) == ["billing.invoice.paid", "billing.payment.completed"], attributes
        assert attributes["url"] == receiver.url and attributes["description"] == "Console e2e" and attributes["enabled"] is True, attributes
        assert not attributes.get("secret"), "the secret is never read back"
        state["webhook"], state["secret"] = endpoint, secret

    @step("webhooks: Send test reaches the receiver signed (webhook-id, -timestamp, -signature); the attempt is listed; redeliver")
    def webhook_test_send():
        browser.click('[data-action="test-webhook"]')
        browser.wait_text("#status", "Mensagem de teste")
        post = wait_api("the test message at the receiver", lambda: receiver.received("billing.webhook.test"), 60)[0]
        headers = post["headers"]
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            assert headers.get(name), (name, headers)
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300, headers["webhook-timestamp"]
        assert webhook_signatures_valid(post, [state["secret"]]) == [state["secret"]], f"signed with the secret shown: {headers['webhook-signature']}"
        message = headers["webhook-id"]
        assert json.loads(post["body"])["id"] == message
        row = f'#webhook-attempts-table tr[data-message-id="{message}"]'
        browser.wait_until("the test attempt in the attempts table", lambda: browser.driver.find_elements(By.CSS_SELECTOR, row), 60)
        browser.wait_text(row, "Entregue")
        assert browser.find(row).get_attribute("data-status") == "200", browser.find(row).get_attribute("data-status")
        assert browser.find(row).get_attribute("data-outcome") == "SUCCEEDED"
        browser.wait_text(row, "Mensagem de teste do webhook")
        browser.screenshot("22-webhook-attempts")
        browser.check_accessibility("webhook-attempts")
        browser.click(row + ' [data-action="redeliver-webhook"]')
        browser.wait_text("#status", "reenviada")
        wait_api("the redelivered message at the receiver", lambda: len(receiver.received(message_id=message)) >= 2, 60)
        browser.wait_until("the second attempt listed", lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, row)) >= 2, 60)
        attempts = api.call("GET", f"/api/v1/webhook-endpoints/{state['webhook']}/attempts")["data"]
        assert sum(1 for item in attempts if item["attributes"]["messageId"] == message) >= 2, attempts

    @step("webhooks: edit (every type, description, disabled), enable, rotate the secret (both sign for 24 h), delete with confirmation")
    def webhook_manage():
        endpoint = state["webhook"]
        browser.click('[data-action="edit-webhook"]')
        form = "dialog[open] #edit-webhook-form"
        description = browser.find(form + " #edit-webhook-description")
        description.clear()
        description.send_keys("Console e2e: todos os eventos")
        browser.click(form + ' input[name="typesMode"][value="all"]')
        browser.click(form + " #edit-webhook-enabled")
        browser.check_accessibility("webhook-edit")
        browser.click('dialog[open] [data-action="save-webhook"]')
        browser.wait_until("the edit dialog closed", lambda: not browser.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), 15)
        browser.wait_text(f'#webhooks-table tr[data-endpoint-id="{endpoint}"]', "Desativado")
        browser.wait_text(f'#webhooks-table tr[data-endpoint-id="{endpoint}"]', "Todos os eventos")
        attributes = api.get(f"/api/v1/webhook-endpoints/{endpoint}")["attributes"]
        assert attributes["enabled"] is False and attributes["eventTypes"] == [], attributes
        assert attributes["description"] == "Console e2e: todos os eventos", attributes
        browser.click('[data-action="enable-webhook"]')
        browser.wait_text(f'#webhooks-table tr[data-endpoint-id="{endpoint}"]', "Ativo")
        assert api.get(f"/api/v1/webhook-endpoints/{endpoint}")["attributes"]["enabled"] is True

        browser.click('[data-action="rotate-webhook-secret"]')
        browser.wait_text("dialog[open]", "24 horas")
        browser.click('dialog[open] [data-action="confirm-rotate"]')
        new_secret = browser.wait_until("the new secret", lambda: (value := browser.find("dialog[open] #webhook-secret").get_attribute("value")) and value, 15)
        assert new_secret.startswith("whsec_") and new_secret != state["secret"], new_secret
        browser.wait_text("dialog[open] #webhook-secret-warning", "não será mostrado de novo")
        browser.screenshot("23-webhook-rotated-secret")
        browser.click('dialog[open] [data-action="close-dialog"]')
        before = len(receiver.received("billing.webhook.test"))
        browser.click('[data-action="test-webhook"]')
        post = wait_api("a test message after the rotation", lambda: receiver.received("billing.webhook.test")[before:], 60)[0]
        assert sorted(webhook_signatures_valid(post, [state["secret"], new_secret])) == sorted([state["secret"], new_secret]), \
            f"the new and the previous secret both sign: {post['headers']['webhook-signature']}"

        browser.click('[data-action="delete-webhook"]')
        browser.wait_text("dialog[open]", receiver.url)
        browser.check_accessibility("webhook-delete")
        browser.click('dialog[open] [data-action="confirm-delete-webhook"]')
        browser.wait_text("#status", "excluído")
        browser.wait_text("#webhook-endpoints", "Nenhum endpoint")
        api.call("GET", f"/api/v1/webhook-endpoints/{endpoint}", expect=(404,))

    @step("account: notification preferences (e-mail language, a contact with two types, an opt-out) saved, reloaded, read back")
    def notifications():
        attributes = api.get(f"/api/v1/billing-accounts/{account}")["attributes"]
        assert "contacts" in attributes and "notificationOptOuts" in attributes and "locale" in attributes, \
            f"the accounts API has no notification preferences yet (locale, contacts, notificationOptOuts): {sorted(attributes)}"
        browser.navigate("account")
        browser.wait_text("#account-details", "financeiro@console.example")
        browser.wait_text("#contacts-default", "financeiro@console.example")
        Select(browser.find("#notification-locale")).select_by_value("en")
        browser.click('[data-action="add-contact"]')
        contact = "#contacts-list > li:last-child"
        browser.find(contact + ' input[name="email"]').send_keys("cobranca@console.example")
        browser.find(contact + ' input[name="name"]').send_keys("Cobrança")
        browser.click(contact + ' input[data-mode="chosen"]')
        for kind in ("INVOICE_ISSUED", "PAYMENT_FAILED"):
            browser.click(f'{contact} input[data-type="{kind}"]')
        browser.click("#opt-out-CREDITS_EXPIRING")
        assert not browser.find("#contacts-default", visible=False).is_displayed(), "with a contact, the account's own e-mail is no default"
        browser.screenshot("24-account-notifications")
        browser.check_accessibility("account-notifications")
        browser.click('[data-action="save-notifications"]')
        browser.wait_text("#status", "Preferências de notificação salvas")
        saved = api.get(f"/api/v1/billing-accounts/{account}")["attributes"]
        assert saved["locale"] == "en", saved["locale"]
        assert len(saved["contacts"]) == 1, saved["contacts"]
        assert saved["contacts"][0]["email"] == "cobranca@console.example" and saved["contacts"][0].get("name") == "Cobrança", saved["contacts"]
        assert sorted(saved["contacts"][0]["notifications"]) == ["INVOICE_ISSUED", "PAYMENT_FAILED"], saved["contacts"]
        assert saved["notificationOptOuts"] == ["CREDITS_EXPIRING"], saved["notificationOptOuts"]

        browser.driver.refresh()
        browser.screen_ready("account")
        assert Select(browser.find("#notification-locale")).first_selected_option.get_attribute("value") == "en"
        rows = browser.driver.find_elements(By.CSS_SELECTOR, "#contacts-list > li")
        assert len(rows) == 1, len(rows)
        assert browser.find(contact + ' input[name="email"]').get_attribute("value") == "cobranca@console.example"
        assert browser.find(contact + ' input[name="name"]').get_attribute("value") == "Cobrança"
        assert browser.find(contact + ' input[data-mode="chosen"]').is_selected()
        assert checked_values(contact + " input[data-type]") == ["INVOICE_ISSUED", "PAYMENT_FAILED"], checked_values(contact + " input[data-type]")
        assert checked_values('input[name="optOut"]') == ["CREDITS_EXPIRING"], checked_values('input[name="optOut"]')
        assert not browser.find("#contacts-default", visible=False).is_displayed()

    @step("account: an invalid e-mail is refused by the API and shown at its field")
    def notifications_invalid_email():
        contact = "#contacts-list > li:last-child"
        email = browser.find(contact + ' input[name="email"]')
        email.clear()
        email.send_keys("not-an-e-mail")
        browser.click('[data-action="save-notifications"]')
        browser.wait_until("the error box next to the form", lambda: browser.text("#notifications-errors"), 30)
        email = browser.find(contact + ' input[name="email"]')
        browser.wait_until("the e-mail field marked invalid", lambda: email.get_attribute("aria-invalid") == "true", 10)
        message = browser.find(contact + " .field-error")
        assert message.text.strip(), "the API's message is at the field"
        assert message.get_attribute("id") in (email.get_attribute("aria-describedby") or "").split(), "the message describes the field"
        assert "Contato 1" in browser.text("#notifications-errors"), browser.text("#notifications-errors")
        assert browser.driver.switch_to.active_element == email, "the invalid field has the focus"
        print(f"  the API said: {message.text.strip()}")
        logged = browser.console_errors()
        assert any("status of 422" in entry["message"] for entry in logged), "the browser logged the API's 422"
        severe.extend(entry for entry in logged if "status of 422" not in entry["message"])
        browser.screenshot("25-account-notifications-error")
        browser.check_accessibility("account-notifications-error")
        assert api.get(f"/api/v1/billing-accounts/{account}")["attributes"]["contacts"][0]["email"] == "cobranca@console.example", "nothing saved"
        # Removing the contact: the account's own e-mail is the default again (the change is not saved).
        browser.click(contact + ' [data-action="remove-contact"]')
        browser.wait_until("the default recipient shown", lambda: browser.find("#contacts-default", visible=False).is_displayed(), 10)

    @step("reports (operators): MRR and its movements per month, a line and a column chart per currency with the data table")
    def reports():
        browser.navigate("reports")
        browser.wait_until("the revenue charts or their empty state",
                           lambda: browser.driver.find_elements(By.CSS_SELECTOR, "figure[id^='chart-mrr-'], #no-reports"))
        for figure in browser.driver.find_elements(By.CSS_SELECTOR, "figure[id^='chart-movements-']"):
            assert figure.get_attribute("data-points") == "12", "twelve months charted"
        browser.screenshot("18-reports")
        browser.check_accessibility("reports")

    if args.restricted_token:
        @step("a token without billing permissions sees the restriction (seed 000)")
        def restricted():
            browser.driver.execute_script("sessionStorage.clear()")
            browser.open("/console/#token=" + args.restricted_token)
            browser.wait_text("#access-denied", "owner ou admin")
            assert not browser.find("#sections", visible=False).is_displayed()
            browser.screenshot("15-no-access")
            browser.check_accessibility("no-access")

    if args.limited_token:
        @step("a token with SUBSCRIPTIONS_READ only: one section, and the API's 403 shown")
        def limited():
            browser.driver.execute_script("sessionStorage.clear()")
            browser.open("/console/#token=" + args.limited_token)
            browser.wait_text("#errors", "BILLING_ACCOUNTS_READ")
            browser.wait_text("#errors", "PERMISSION_DENIED")
            links = [link.text for link in browser.driver.find_elements(By.CSS_SELECTOR, "#section-links a")]
            assert links == ["Assinatura"], links
            logged = browser.console_errors()
            assert any("status of 403" in entry["message"] for entry in logged), "the browser logged the API's 403"
            severe.extend(entry for entry in logged if "status of 403" not in entry["message"])
            browser.screenshot("16-permission-denied")
            browser.check_accessibility("permission-denied")

    @step("a customer owner token (billingAccountId): its own account, no account picker, no audit trail, no 403 on the way")
    def customer():
        token = subprocess.run([sys.executable, os.path.join(ROOT, "deploy", "local", "dev-token.py")], capture_output=True, text=True, check=True,
                               env={**os.environ, "TENANT": tenant, "ROLES": "owner", "BILLING_ACCOUNT_ID": account}).stdout.strip()
        browser.driver.execute_script("sessionStorage.clear()")
        browser.open("/console/#token=" + token)
        browser.screen_ready("billing")
        browser.wait_text("#plan-card h2", "Plano Business")   # the plan the English step changed to
        assert not browser.find("#account-picker", visible=False).is_displayed(), "a customer has one account: no picker"
        links = [link.get_attribute("href") for link in browser.driver.find_elements(By.CSS_SELECTOR, "#section-links a")]
        assert not any(link.endswith("#/events") for link in links), links
        assert not any(link.endswith("#/webhooks") for link in links), "webhook endpoints are the operators'"
        assert not any(link.endswith("#/reports") for link in links), "revenue reports are the operators'"
        assert any(link.endswith("#/credits") for link in links), links
        # Its own account's details; the notification preferences read-only (changing an account is the operators').
        browser.navigate("account")
        browser.wait_text("#account-details", "financeiro@console.example")
        browser.find("#notifications-read-only")
        assert not browser.driver.find_elements(By.CSS_SELECTOR, '[data-action="save-notifications"]'), "no save button for a customer"
        browser.navigate("invoices")
        browser.screenshot("17-customer")
        browser.check_accessibility("customer")
        # Every call the console made was one a customer may make: a 403 would be in the browser's log.
        severe.extend(browser.console_errors())

    @step("sign out clears the token")
    def sign_out():
        browser.driver.execute_script("sessionStorage.clear()")
        browser.open("/console/#token=" + args.token)
        browser.screen_ready("billing")
        browser.click("#sign-out")
        browser.find("#signin-form")
        assert browser.driver.execute_script("return sessionStorage.getItem('billing-console.token')") is None

    passed = failed = executed = 0
    severe = []
    try:
        for name, function in steps:
            print(f"- {name}")
            executed += 1
            try:
                function()
                passed += 1
            except Exception:
                failed += 1
                traceback.print_exc()
                try:
                    browser.screenshot("failure")
                except Exception:
                    pass
                break
        severe.extend(browser.console_errors())
        for entry in severe:
            print(f"  browser console: {entry['message']}")
    finally:
        browser.quit()
        receiver.close()

    critical = 0
    print("\naccessibility (axe-core):")
    for screen, violations in browser.violations.items():
        for violation in violations:
            if violation["impact"] == "critical":
                critical += 1
            print(f"  {screen}: [{violation['impact']}] {violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)")
            for node in violation["nodes"][:5]:
                print(f"      {node['target']}: {node.get('failureSummary', '').splitlines()[-1] if node.get('failureSummary') else ''}")
    if not any(browser.violations.values()):
        print("  no violations")
    if critical:
        print(f"  {critical} critical violation(s)")
        failed += 1
    if severe:
        print(f"  {len(severe)} error(s) in the browser console")
        failed += 1
    skipped = len(steps) - executed
    print(f"\nconsole: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", required=True, help="the gateway's base URL, e.g. http://127.0.0.1:18080")
    parser.add_argument("--token", required=True, help="a tenant token with the owner role")
    parser.add_argument("--restricted-token", help="a token of the same tenant without billing permissions")
    parser.add_argument("--limited-token", help="a token of the same tenant with SUBSCRIPTIONS_READ only")
    parser.add_argument("--webhook-secret", default="whsec_sandbox_development_only_0123456789")
    parser.add_argument("--provider", default="sandbox")
    parser.add_argument("--artifacts", default=os.path.join(ROOT, "artifacts", "console"))
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
