#!/usr/bin/env python3
"""Browser test of the admin billing console (issue 11) against a running gateway.

Headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium, axe-core from `axe-selenium-python`.
It creates its demo data through the public API (deploy/local/demo-data.py's catalog, then an account, a subscription,
usage and AI charges), then, in the browser: signs in by pasting the token (keyboard only), sees the plan card, cancels at
period end and reactivates, previews a plan change, activates a free add-on, buys a credit package by PIX and marks it paid
through the signed sandbox webhook, sees the balance and the consumption chart change, checks usage warnings, the invoices
(printable invoice and PIX of a pending one), filters the audit trail, switches to English and changes the plan; with the
optional restricted tokens, the no-access screen and the API's 403 message.

Every screen is saved as a PNG in --artifacts and checked with axe; any `critical` violation fails the run (all violations
are printed). Exit status 0 only when every step passed and no critical violation was found.

Usage: console_test.py --gateway http://127.0.0.1:18080 --token <owner JWT> [--restricted-token <JWT without billing
permissions>] [--limited-token <JWT with SUBSCRIPTIONS_READ only>] [--webhook-secret whsec_…] [--provider sandbox]
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
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
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


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
        assert any(link.endswith("#/credits") for link in links), links
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
