// The admin billing console (issue 11; seed 000 "Admin → Billing", seed 003 dashboards, seed 004 PlanCard/UsageMetrics).
//
// A single page without a framework: it signs in with a tenant token (pasted, or `#token=…` in the URL), keeps it in
// sessionStorage, and speaks only the public JSON:API under /api/v1 with `Authorization: Bearer`. Sections:
//   text and formatting · DOM helpers · token and permissions · API (the one place requests are made) · messages and
//   errors (the one place they are shown) · dialogs · SVG charts · PIX and checkout · screens · navigation · start-up.
'use strict';

(function () {
  const I18N = window.ConsoleI18n;
  const API_BASE = '/api/v1';
  const STORAGE = { token: 'billing-console.token', account: 'billing-console.account', language: 'billing-console.language' };
  const PRIVILEGED_ROLES = ['owner', 'admin'];
  const LIVE_STATUSES = ['TRIAL', 'ACTIVE', 'PAST_DUE', 'PAUSED'];
  const PAYABLE_INVOICES = ['PENDING', 'OVERDUE'];
  const POLL_INTERVAL_MS = 3000;
  const POLL_TIMEOUT_MS = 10 * 60 * 1000;
  /** Every integration event type (proto-docs/events.md): the audit trail's filter and what webhook endpoints subscribe to. */
  const EVENT_TYPES = [
    'billing.account.closed', 'billing.account.created', 'billing.account.reactivated', 'billing.account.suspended',
    'billing.account.updated', 'billing.account_credit.changed', 'billing.addon.activated', 'billing.addon.canceled',
    'billing.catalog_item.archived', 'billing.catalog_item.published', 'billing.credit_note.issued', 'billing.credits.cap_threshold_reached',
    'billing.credits.exhausted', 'billing.credits.expiring', 'billing.credits.granted', 'billing.credits.recharge_requested',
    'billing.credits.threshold_reached', 'billing.invoice.created', 'billing.invoice.finalized', 'billing.invoice.overdue',
    'billing.invoice.paid', 'billing.invoice.usage_unpriced', 'billing.payment.completed', 'billing.payment.failed',
    'billing.payment.refund_failed', 'billing.payment.refunded', 'billing.subscription.activated', 'billing.subscription.canceled',
    'billing.subscription.created', 'billing.subscription.expired', 'billing.subscription.past_due', 'billing.subscription.paused',
    'billing.subscription.plan_changed', 'billing.subscription.quantity_changed', 'billing.subscription.reactivated',
    'billing.subscription.renewed', 'billing.subscription.resumed', 'billing.subscription.trial_ended',
    'billing.subscription.trial_will_end', 'billing.usage.limit_reached', 'billing.usage.threshold_reached',
    'billing.webhook_endpoint.disabled',
  ];
  /** The e-mails the platform sends an account's contacts (AccountsContract `NotificationType`), each of which it may opt out of. */
  const NOTIFICATION_TYPES = [
    'INVOICE_ISSUED', 'PAYMENT_RECEIVED', 'PAYMENT_FAILED', 'CREDITS_THRESHOLD', 'CREDITS_EXHAUSTED', 'CREDITS_EXPIRING',
    'USAGE_LIMIT', 'SUBSCRIPTION_PAST_DUE', 'SUBSCRIPTION_CANCELED', 'TRIAL_ENDING',
  ];
  const EMAIL_LOCALES = ['pt-BR', 'en'];
  const MAX_CONTACTS = 10;

  const state = {
    language: I18N.defaultLanguage,
    token: null,
    claims: null,
    accounts: null,
    account: null,
    subscriptionId: null,
    creditsRange: 'month',
    invoiceFilter: '',
    executionFilters: { userId: '', featureId: '', model: '', costCenter: '', status: '' },
    eventFilters: { type: '', subject: '', since: '', until: '' },
    webhookId: null,
    ticket: 0,
    pollers: new Set(),
  };

  // ---------------------------------------------------------------- text and formatting

  function t(key, params) {
    const own = I18N.messages[state.language] || {};
    let text = own[key];
    if (text === undefined) text = I18N.messages[I18N.defaultLanguage][key];
    if (text === undefined) {
      console.warn('console: no text for', key);
      text = key;
    }
    return text.replace(/\{(\w+)\}/g, (match, name) => (params && name in params ? String(params[name]) : match));
  }

  function hasText(key) {
    return key in (I18N.messages[state.language] || {});
  }

  function locale() {
    return I18N.locales[state.language] || I18N.locales[I18N.defaultLanguage];
  }

  /** The account's time zone for dates (UTC when it has none or the browser does not know it). */
  function timeZone() {
    const zone = state.account && state.account.attributes.timezone;
    try {
      if (zone) new Intl.DateTimeFormat('en', { timeZone: zone });
      return zone || 'UTC';
    } catch (error) {
      return 'UTC';
    }
  }

  /** Money as the API sends it (exact decimal text or number); BRL always as R$ 1.234,56. */
  function money(amount, currency, maximumFractionDigits) {
    if (amount === null || amount === undefined || !currency) return t('app.none');
    const options = { style: 'currency', currency };
    if (maximumFractionDigits) options.maximumFractionDigits = maximumFractionDigits;
    return new Intl.NumberFormat(currency === 'BRL' ? 'pt-BR' : locale(), options).format(amount);
  }

  function number(value, maximumFractionDigits) {
    if (value === null || value === undefined) return t('app.none');
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: maximumFractionDigits === undefined ? 2 : maximumFractionDigits }).format(value);
  }

  function credits(value) {
    return number(value, 4);
  }

  function date(iso) {
    if (!iso) return t('app.none');
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: timeZone() }).format(new Date(iso));
  }

  function dateTime(iso) {
    if (!iso) return t('app.none');
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium', timeZone: timeZone() }).format(new Date(iso));
  }

  /** `2026-11-21` (a day key of the consumption report) as a short label. */
  function dayLabel(key) {
    return new Intl.DateTimeFormat(locale(), { day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(new Date(key + 'T00:00:00Z'));
  }

  /** Today's `YYYY-MM` in the account's time zone (`filter[month]` of usage summaries). */
  function currentMonthKey() {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', timeZone: timeZone() }).format(new Date()).slice(0, 7);
  }

  function resourceName(resource) {
    return hasText('resource.' + resource) ? t('resource.' + resource) : resource;
  }

  function eventName(type) {
    return hasText('event.' + type) ? t('event.' + type) : type;
  }

  // ---------------------------------------------------------------- DOM helpers

  const SVG_NS = 'http://www.w3.org/2000/svg';
  let idCounter = 0;

  function uid(prefix) {
    idCounter += 1;
    return prefix + '-' + idCounter;
  }

  function $(selector) {
    return document.querySelector(selector);
  }

  function setAttributes(element, attributes) {
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
      else if (name === 'dataset') Object.assign(element.dataset, value);
      else element.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function appendChildren(element, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
  }

  /** An HTML element: `h('button', {type: 'button', onclick}, 'Text')`. Text is always text, never markup. */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    setAttributes(element, attributes);
    appendChildren(element, children);
    return element;
  }

  function s(tag, attributes, ...children) {
    const element = document.createElementNS(SVG_NS, tag);
    setAttributes(element, attributes);
    appendChildren(element, children);
    return element;
  }

  /** A button whose visible text is `key` without `{name}`, and whose accessible name includes it (table rows). */
  function namedButton(key, name, attributes) {
    const [before, after] = t(key, { name: '\u0000' }).split('\u0000');
    return h('button', Object.assign({ type: 'button', class: 'button' }, attributes),
      before.trim(), h('span', { class: 'visually-hidden' }, ' ' + name + ' '), (after || '').trim());
  }

  function pageHeader(title, onRefresh) {
    return h('div', { class: 'page-header' },
      h('h1', { id: 'page-title', tabindex: '-1' }, title),
      onRefresh ? h('button', { type: 'button', class: 'button secondary', id: 'refresh', onclick: onRefresh }, t('app.refresh')) : null);
  }

  function section(id, title, ...children) {
    const headingId = id + '-title';
    return h('section', { class: 'card', id, 'aria-labelledby': headingId }, h('h2', { id: headingId }, title), children);
  }

  function descriptionList(rows) {
    return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([term, value, id]) =>
      h('div', { class: 'fact' }, h('dt', {}, term), h('dd', { id }, value))));
  }

  function badge(text, tone, id) {
    return h('span', { class: 'badge badge-' + tone, id }, text);
  }

  /**
   * A horizontal gauge (decorative: the same numbers are in the text next to it) with marks at the warning levels.
   * Widths are set through the CSSOM, which the console's Content-Security-Policy allows (style attributes it does not).
   */
  function gauge(percent, marks, level) {
    const fill = h('div', { class: 'gauge-fill' });
    fill.style.width = Math.max(0, Math.min(percent, 100)) + '%';
    const element = h('div', { class: 'gauge level-' + level, 'aria-hidden': 'true', dataset: { percent: String(percent) } }, fill);
    for (const mark of marks) {
      const tick = h('span', { class: 'gauge-mark' });
      tick.style.left = mark + '%';
      element.append(tick);
    }
    return element;
  }

  /** A data table; `caption` names it (visually hidden with `hideCaption` when a heading right above says the same). */
  function table({ caption, hideCaption, columns, rows, id, empty }) {
    if (!rows.length) return h('p', { class: 'empty', id }, empty);
    return h('div', { class: 'table-wrap' },
      h('table', { id },
        caption ? h('caption', { class: hideCaption ? 'visually-hidden' : null }, caption) : null,
        h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col', class: column.numeric ? 'numeric' : null }, column.label)))),
        h('tbody', {}, rows.map((row) => h('tr', row.attributes || {}, row.cells.map((cell, index) => {
          const column = columns[index];
          const attributes = { class: column.numeric ? 'numeric' : null };
          return index === 0 && column.rowHeader !== false ? h('th', Object.assign({ scope: 'row' }, attributes), cell) : h('td', attributes, cell);
        }))))));
  }

  function field(label, control, hint) {
    const id = control.id || uid('field');
    control.id = id;
    let hintElement = null;
    if (hint) {
      hintElement = h('p', { class: 'hint', id: id + '-hint' }, hint);
      control.setAttribute('aria-describedby', id + '-hint');
    }
    return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintElement);
  }

  function radioGroup(legend, name, options, selected) {
    return h('fieldset', { class: 'radio-group' }, h('legend', {}, legend), options.map((option) => {
      const id = uid(name);
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', name, id, value: option.value, checked: option.value === selected }),
        h('label', { for: id }, option.label));
    }));
  }

  function selectControl(options, selected, attributes) {
    return h('select', attributes || {}, options.map((option) =>
      h('option', { value: option.value, selected: option.value === selected }, option.label)));
  }

  // ---------------------------------------------------------------- token and permissions

  /** The payload of a JWT (not verified here: the API verifies every request), or null when it is not one. */
  function decodeClaims(token) {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
      const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
      const bytes = Uint8Array.from(atob(padded), (character) => character.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return claims && typeof claims === 'object' ? claims : null;
    } catch (error) {
      return null;
    }
  }

  /** Why a token cannot be used, or null. */
  function tokenProblem(claims) {
    if (!claims) return t('signin.invalid');
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return t('signin.expired', { date: dateTime(new Date(claims.exp * 1000).toISOString()) });
    if (!claims.organizationId) return t('signin.noTenant');
    return null;
  }

  function roles() {
    return Array.isArray(state.claims && state.claims.roles) ? state.claims.roles : [];
  }

  /** A customer token (`billingAccountId`): one account, and the screens of the customer's own operations only. */
  function customerAccount() {
    return state.claims && typeof state.claims.billingAccountId === 'string' ? state.claims.billingAccountId : null;
  }

  /** Seed 000: owner and admin see everything; others only what their BILLING_* style permissions allow. */
  function can(permission) {
    if (!state.claims) return false;
    if (customerAccount() && OPERATOR_ONLY_SCREENS.includes(permission)) return false;
    if (roles().some((role) => PRIVILEGED_ROLES.includes(role))) return true;
    return Array.isArray(state.claims.permissions) && state.claims.permissions.includes(permission);
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, errors, message) {
      super(message || (errors[0] && (errors[0].detail || errors[0].title)) || t('error.status', { status }));
      this.status = status;
      this.errors = errors;
    }
  }

  /** A message for the user (a form left incomplete, a blocked pop-up): shown like API errors, not logged as a fault. */
  class UserError extends Error {}

  /** JSON with decimal numbers kept as their exact text (money and credits are exact decimals, never floats). */
  function parseJSON(text) {
    return JSON.parse(text, function (key, value, context) {
      if (typeof value === 'number' && context && typeof context.source === 'string' && /[.eE]/.test(context.source)) return context.source;
      return value;
    });
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }

  function query(parameters) {
    const parts = Object.entries(parameters)
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([name, value]) => encodeURIComponent(name) + '=' + encodeURIComponent(value));
    return parts.length ? '?' + parts.join('&') : '';
  }

  function documentOf(type, attributes) {
    return { data: { type, attributes } };
  }

  function errorsOf(text) {
    try {
      const body = parseJSON(text);
      return Array.isArray(body.errors) ? body.errors : [];
    } catch (error) {
      return [];
    }
  }

  /**
   * Every request of the console goes through here: the token, JSON:API media types, an Idempotency-Key on POST, exact
   * decimals, and API errors as `ApiError` (a 401 also signs out, since the token is no good).
   */
  async function api(method, path, options) {
    const { body, accept } = options || {};
    const headers = { Authorization: 'Bearer ' + state.token, Accept: accept || 'application/vnd.api+json' };
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/vnd.api+json';
      init.body = JSON.stringify(body);
    }
    if (method === 'POST') headers['Idempotency-Key'] = newKey();
    let response;
    try {
      response = await fetch(path.startsWith(API_BASE) ? path : API_BASE + path, init);
    } catch (error) {
      throw new ApiError(0, [], t('error.network', { detail: error.message }));
    }
    const text = await response.text();
    if (response.ok) {
      if (accept === 'text/html') return text;
      return text ? parseJSON(text) : null;
    }
    const error = new ApiError(response.status, errorsOf(text));
    if (response.status === 401) signOut(t('signin.unauthenticated', { detail: error.message }));
    throw error;
  }

  /** Every item of a collection, following `links.next` (at most `maxPages` pages). */
  async function listAll(path, maxPages) {
    const items = [];
    let next = path;
    for (let page = 0; next && page < (maxPages || 10); page += 1) {
      const answer = await api('GET', next);
      items.push(...answer.data);
      next = answer.links && answer.links.next ? answer.links.next : null;
    }
    return items;
  }

  function accountId() {
    return state.account.id;
  }

  // ---------------------------------------------------------------- messages and errors

  function announce(text) {
    const status = $('#status');
    status.textContent = '';
    window.setTimeout(() => { status.textContent = text; }, 50);
  }

  function clearMessages() {
    $('#status').textContent = '';
    $('#errors').replaceChildren();
  }

  function errorLines(error) {
    if (error instanceof ApiError && error.errors.length) {
      return error.errors.map((item) => {
        const text = item.detail || item.title || t('error.status', { status: error.status });
        return item.code ? text + ' (' + t('error.code', { code: item.code }) + ')' : text;
      });
    }
    return [error && error.message ? error.message : String(error)];
  }

  /** Shows what went wrong, in the page's alert region or a dialog's own. A 401 was already handled by signing out. */
  function showError(error, container) {
    if (error instanceof ApiError && error.status === 401 && !container) return;
    if (!(error instanceof ApiError) && !(error instanceof UserError)) console.error(error);
    const target = container || $('#errors');
    target.replaceChildren(h('div', { class: 'error-box' },
      h('p', { class: 'error-title' }, t('error.title')),
      h('ul', {}, errorLines(error).map((line) => h('li', {}, line)))));
  }

  /** Runs a user action: the button is disabled meanwhile, errors are shown, the result returned (undefined on error). */
  async function perform(button, action, errorContainer) {
    if (button) {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
    }
    if (errorContainer) errorContainer.replaceChildren();
    else $('#errors').replaceChildren();
    try {
      return await action();
    } catch (error) {
      showError(error, errorContainer);
      return undefined;
    } finally {
      if (button) {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    }
  }

  // ---------------------------------------------------------------- errors next to a form's fields

  /** A problem with one field found before asking the API: `pointer` is the JSON Pointer the API would name it by. */
  class FieldError extends UserError {
    constructor(message, pointer) {
      super(message);
      this.pointer = pointer;
    }
  }

  /** The control of `form` an error's `source.pointer` is about: the one whose `data-pointer` is it or its longest prefix. */
  function controlFor(form, pointer) {
    if (!pointer) return null;
    let best = null;
    for (const control of form.querySelectorAll('[data-pointer]')) {
      const own = control.dataset.pointer;
      if ((pointer === own || pointer.startsWith(own + '/')) && (!best || own.length > best.dataset.pointer.length)) best = control;
    }
    return best;
  }

  function clearFieldErrors(form) {
    form.querySelectorAll('.field-error').forEach((message) => message.remove());
    form.querySelectorAll('[data-error-id]').forEach((control) => {
      const own = control.dataset.errorId.split(' ');
      const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && !own.includes(id));
      if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
      else control.removeAttribute('aria-describedby');
      control.removeAttribute('aria-invalid');
      delete control.dataset.errorId;
    });
  }

  /**
   * Shows what went wrong with a form in its own alert region (`container`, next to the form), and each error that names a
   * field (`source.pointer`, or a FieldError's pointer) at that field too: its message under the control, tied to it by
   * aria-describedby, the control marked aria-invalid and the first one focused. Other errors are listed as usual.
   */
  function showFieldErrors(error, form, container) {
    clearFieldErrors(form);
    if (error instanceof ApiError && error.status === 401) return;
    if (!(error instanceof ApiError) && !(error instanceof UserError)) console.error(error);
    const items = error instanceof ApiError && error.errors.length
      ? error.errors.map((item) => ({
        text: errorLines(new ApiError(error.status, [item]))[0], detail: item.detail || item.title, pointer: item.source && item.source.pointer,
      }))
      : [{ text: error && error.message ? error.message : String(error), pointer: error instanceof FieldError ? error.pointer : null }];
    let first = null;
    const lines = items.map((item) => {
      const control = controlFor(form, item.pointer);
      if (!control) return item.text;
      const id = uid('field-error');
      const message = h('p', { class: 'field-error', id }, item.detail || item.text);
      if (control.matches('fieldset')) control.append(message);
      else (control.closest('.field, .checkbox') || control.parentElement).append(message);
      control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
      if (control.matches('input, select, textarea')) control.setAttribute('aria-invalid', 'true');
      control.dataset.errorId = [control.dataset.errorId, id].filter(Boolean).join(' ');
      if (!first) first = control;
      const name = control.dataset.fieldName;
      return name ? name + ': ' + item.text : item.text;
    });
    container.replaceChildren(h('div', { class: 'error-box' },
      h('p', { class: 'error-title' }, t('error.title')),
      h('ul', {}, lines.map((line) => h('li', {}, line)))));
    if (first) (first.matches('fieldset') ? first.querySelector('input, select, textarea') || first : first).focus();
  }

  /** `perform` for a form whose errors go next to its fields. */
  async function submitForm(button, form, container, action) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    clearFieldErrors(form);
    container.replaceChildren();
    $('#errors').replaceChildren();
    try {
      return await action();
    } catch (error) {
      showFieldErrors(error, form, container);
      return undefined;
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  /** A checkbox with its label after it. */
  function checkbox(label, attributes) {
    const id = attributes.id || uid('check');
    return h('div', { class: 'checkbox' }, h('input', Object.assign({ type: 'checkbox' }, attributes, { id })), h('label', { for: id }, label));
  }

  /** A read-only text and a button that copies it (or selects it, when the clipboard is not allowed), in a dialog. */
  function copyBox({ id, label, value, copyKey, copiedKey, manualKey }) {
    const input = h('input', { type: 'text', id, class: 'copy-value', readonly: true, value, spellcheck: 'false', autocomplete: 'off' });
    const copied = h('p', { class: 'hint', role: 'status', id: id + '-status' });
    const copy = h('button', {
      type: 'button', class: 'button', 'data-action': 'copy-' + id,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          copied.textContent = t(copiedKey);
        } catch (error) {
          input.focus();
          input.select();
          copied.textContent = t(manualKey);
        }
      },
    }, t(copyKey));
    return h('div', { class: 'copy-box' }, h('div', { class: 'field' }, h('label', { for: id }, label), input), h('div', { class: 'actions' }, copy), copied);
  }

  // ---------------------------------------------------------------- polling

  /** Calls `check` every `interval` until it returns true, the time is up or `stop()` is called; `onTimeout` then. */
  function poll(check, { interval, timeout, onTimeout }) {
    let stopped = false;
    let timer = null;
    const deadline = Date.now() + timeout;
    const stop = () => {
      stopped = true;
      window.clearTimeout(timer);
      state.pollers.delete(stop);
    };
    const tick = async () => {
      if (stopped) return;
      let done = false;
      try {
        done = await check();
      } catch (error) {
        showError(error);
      }
      if (stopped) return;
      if (done) stop();
      else if (Date.now() > deadline) {
        stop();
        if (onTimeout) onTimeout();
      } else timer = window.setTimeout(tick, interval);
    };
    state.pollers.add(stop);
    timer = window.setTimeout(tick, interval);
    return stop;
  }

  function stopPollers() {
    for (const stop of Array.from(state.pollers)) stop();
  }

  // ---------------------------------------------------------------- dialogs

  /** A modal dialog (native <dialog>: focus trapped, Escape closes); focus returns to where it was. */
  function openDialog(title, build) {
    const opener = document.activeElement;
    const titleId = uid('dialog-title');
    const errors = h('div', { class: 'errors', role: 'alert' });
    const body = h('div', { class: 'dialog-body' });
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title), errors, body,
      h('div', { class: 'dialog-footer' }, h('button', { type: 'button', class: 'button secondary', 'data-action': 'close-dialog', onclick: () => dialog.close() }, t('app.close'))));
    const handle = { dialog, body, errors, onClose: [], close: () => dialog.close() };
    dialog.addEventListener('close', () => {
      handle.onClose.forEach((callback) => callback());
      dialog.remove();
      if (opener && document.body.contains(opener)) opener.focus();
      else focusTitle();
    });
    $('#main').append(dialog);
    build(handle);
    dialog.showModal();
    return handle;
  }

  function focusTitle() {
    const title = $('#page-title');
    if (title) title.focus();
  }

  // ---------------------------------------------------------------- SVG charts

  function niceMaximum(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  }

  const CHART = { width: 640, height: 230, left: 64, right: 12, top: 14, bottom: 40 };

  /** Axis labels: compact (1,2 mi / 1.2M) so that large token counts fit. */
  function compact(value) {
    return new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 2 }).format(value);
  }

  const PLOT_WIDTH = CHART.width - CHART.left - CHART.right;
  const PLOT_HEIGHT = CHART.height - CHART.top - CHART.bottom;

  /** The frame both charts share: the SVG with its grid and value axis scaled to the series, and each label's slot width. */
  function chartFrame(labels, series) {
    const maximum = niceMaximum(Math.max(0, ...series.flatMap((item) => item.values)));
    const root = s('svg', { viewBox: `0 0 ${CHART.width} ${CHART.height}`, class: 'chart-svg', focusable: 'false' });
    for (let step = 0; step <= 4; step += 1) {
      const y = CHART.top + PLOT_HEIGHT - (PLOT_HEIGHT * step) / 4;
      root.append(
        s('line', { x1: CHART.left, x2: CHART.width - CHART.right, y1: y, y2: y, class: 'grid' }),
        s('text', { x: CHART.left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, compact((maximum * step) / 4)));
    }
    return { root, maximum, plotHeight: PLOT_HEIGHT, slot: PLOT_WIDTH / Math.max(labels.length, 1) };
  }

  function xLabels(root, labels, slot) {
    const every = Math.max(1, Math.ceil(labels.length / 10));
    labels.forEach((label, index) => {
      if (index % every !== 0) return;
      root.append(s('text', { x: CHART.left + slot * index + slot / 2, y: CHART.height - CHART.bottom + 18, class: 'axis', 'text-anchor': 'middle' }, label));
    });
  }

  /** Columns per label, one per series (`{name, values, className}`). */
  function columnChart(labels, series, format) {
    const { root, maximum, plotHeight, slot } = chartFrame(labels, series);
    const barWidth = Math.max(1.5, (slot * 0.8) / series.length);
    labels.forEach((label, index) => series.forEach((item, position) => {
      const value = item.values[index];
      const height = (plotHeight * value) / maximum;
      root.append(s('rect', {
        x: CHART.left + slot * index + slot * 0.1 + barWidth * position, y: CHART.top + plotHeight - height,
        width: barWidth, height, class: item.className,
      }, s('title', {}, `${label} · ${item.name}: ${format(value)}`)));
    }));
    xLabels(root, labels, slot);
    return root;
  }

  /** One line per series over the labels. */
  function lineChart(labels, series, format) {
    const { root, maximum, plotHeight, slot } = chartFrame(labels, series);
    for (const item of series) {
      const points = item.values.map((value, index) => [CHART.left + slot * index + slot / 2, CHART.top + plotHeight - (plotHeight * value) / maximum]);
      root.append(s('polyline', { points: points.map((point) => point.join(',')).join(' '), class: 'line ' + item.className }));
      points.forEach(([x, y], index) => root.append(s('circle', { cx: x, cy: y, r: 3, class: 'dot ' + item.className },
        s('title', {}, `${labels[index]} · ${item.name}: ${format(item.values[index])}`))));
    }
    xLabels(root, labels, slot);
    return root;
  }

  /** Horizontal bars, one per row (`{label, value}`), largest first as given. */
  function barList(rows, format) {
    const rowHeight = 30;
    const labelWidth = 190;
    const barSpace = CHART.width - labelWidth - 110;
    const maximum = Math.max(0, ...rows.map((row) => row.value)) || 1;
    const root = s('svg', { viewBox: `0 0 ${CHART.width} ${rows.length * rowHeight + 8}`, class: 'chart-svg', focusable: 'false' });
    rows.forEach((row, index) => {
      const y = index * rowHeight + 4;
      const width = Math.max(row.value > 0 ? 2 : 0, (barSpace * row.value) / maximum);
      const label = row.label.length > 26 ? row.label.slice(0, 25) + '…' : row.label;
      root.append(
        s('text', { x: labelWidth - 8, y: y + 18, class: 'axis', 'text-anchor': 'end' }, label),
        s('rect', { x: labelWidth, y: y + 4, width, height: rowHeight - 10, class: 'bar-credits' }, s('title', {}, `${row.label}: ${format(row.value)}`)),
        s('text', { x: labelWidth + width + 6, y: y + 18, class: 'axis' }, format(row.value)));
    });
    return root;
  }

  function legend(series) {
    return h('ul', { class: 'legend' }, series.map((item) => h('li', {}, h('span', { class: 'swatch ' + item.className, 'aria-hidden': 'true' }), item.name)));
  }

  /** A chart as a figure: caption, the SVG (an image whose name is the caption and a summary), and its data as a table. */
  function chartFigure({ id, title, chart, series, dataTable }) {
    const captionId = id + '-caption';
    const descriptionId = id + '-summary';
    const maximum = Math.max(0, ...series.flatMap((item) => item.values));
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-labelledby', captionId + ' ' + descriptionId);
    return h('figure', { class: 'chart', id, dataset: { points: String(series[0] ? series[0].values.length : 0) } },
      h('figcaption', { id: captionId }, title),
      h('p', { class: 'visually-hidden', id: descriptionId }, t('chart.summary', { title, count: series[0] ? series[0].values.length : 0, max: number(maximum, 4) })),
      series.length > 1 ? legend(series) : null,
      chart,
      dataTable ? h('details', { class: 'chart-data' }, h('summary', {}, t('credits.chartData')), dataTable) : null);
  }

  // ---------------------------------------------------------------- PIX and checkout

  function svgDataURL(svgText) {
    return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgText);
  }

  function invoiceNumber(invoice) {
    return invoice.number || t('invoices.draft');
  }

  /**
   * The PIX QR code (an image made from the API's SVG) and copy-and-paste code of an invoice, watching the invoice until it
   * is paid (the bank app pays; the provider's webhook tells the API), then `onPaid`.
   */
  function pixPanel(handle, pix, invoice, onPaid) {
    const amount = money(pix.amount, invoice.currency || 'BRL');
    const codeId = uid('pix-code');
    const code = h('textarea', { id: codeId, class: 'pix-code', readonly: true, rows: 4 }, pix.copyPaste);
    const status = h('p', { class: 'pix-status', role: 'status', id: 'pix-status' }, t('pix.waiting'));
    // Inside the dialog: while it is modal, live regions outside it are not announced.
    const copied = h('p', { class: 'hint', role: 'status', id: 'pix-copy-status' });
    const copy = h('button', {
      type: 'button', class: 'button', 'data-action': 'copy-pix',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(pix.copyPaste);
          copied.textContent = t('pix.copied');
        } catch (error) {
          code.focus();
          code.select();
          copied.textContent = t('pix.copyManually');
        }
      },
    }, t('pix.copy'));
    const panel = h('div', { class: 'pix', id: 'pix-panel', dataset: { invoiceId: invoice.id, amount: String(pix.amount) } },
      h('p', { class: 'pix-amount' }, t('pix.amount', { amount, number: invoiceNumber(invoice) })),
      pix.qrCodeSvg ? h('img', { class: 'pix-qr', id: 'pix-qr', src: svgDataURL(pix.qrCodeSvg), alt: t('pix.qr', { amount }), width: 200, height: 200 })
        : h('p', {}, t('pix.noQr')),
      h('div', { class: 'field' }, h('label', { for: codeId }, t('pix.code')), code),
      h('div', { class: 'actions' }, copy), copied, status);
    handle.body.replaceChildren(panel);
    watchUntilPaid(handle, invoice, status, 'pix.paid', (current) => {
      panel.dataset.paid = 'true';
      if (onPaid) onPaid(current);
    });
  }

  /** Polls the invoice until it is PAID (the provider's webhook tells the API), then says so in `status` and calls `onPaid`. */
  function watchUntilPaid(handle, invoice, status, paidKey, onPaid) {
    const stop = poll(async () => {
      const current = (await api('GET', `/invoices/${invoice.id}`)).data.attributes;
      if (current.status !== 'PAID') return false;
      status.textContent = t(paidKey, { number: invoiceNumber(current) });
      if (onPaid) onPaid(current);
      return true;
    }, { interval: POLL_INTERVAL_MS, timeout: POLL_TIMEOUT_MS, onTimeout: () => { status.textContent = t('pix.stopped'); } });
    handle.onClose.push(stop);
  }

  /** Stripe.js, loaded once, when the gateway has a publishable key (BILLING_GATEWAY_STRIPE_PUBLISHABLE_KEY); else null. */
  let stripeLoading = null;
  function stripeClient() {
    const key = document.body.dataset.stripeKey;
    if (!key) return null;
    if (!stripeLoading) {
      stripeLoading = new Promise((resolve, reject) => {
        const script = h('script', { src: 'https://js.stripe.com/v3/' });
        script.addEventListener('load', () => resolve(window.Stripe(key)));
        script.addEventListener('error', () => reject(new UserError(t('checkout.stripeUnavailable'))));
        document.head.append(script);
      });
    }
    return stripeLoading;
  }

  /** Checkout of paid add-ons or credit packages (`POST /checkouts`): PIX shows the code; a card is charged at once. */
  function openCheckout({ itemText, amountText, items, onPaid }) {
    openDialog(t('checkout.title'), (handle) => {
      const tokenInput = h('input', { type: 'text', name: 'cardToken', autocomplete: 'off', spellcheck: 'false' });
      // The sandbox's test cards are named only where the sandbox exists (BILLING_ENVIRONMENT=development).
      const sandboxHint = document.body.dataset.environment === 'development' ? t('checkout.cardTokenHint') : null;
      // With Stripe, the card is typed into Stripe's own field (Elements): the console only sees the PaymentMethod id.
      const stripe = stripeClient();
      let cardElement = null;
      const cardLabel = h('label', { id: 'stripe-card-label' }, t('checkout.cardDetails'));
      const cardMount = h('div', { class: 'stripe-card', id: 'stripe-card', role: 'group', 'aria-labelledby': 'stripe-card-label' });
      const tokenField = stripe ? h('div', { class: 'field' }, cardLabel, cardMount) : field(t('checkout.cardToken'), tokenInput, sandboxHint);
      if (stripe) {
        stripe.then((client) => {
          cardElement = client.elements().create('card');
          cardElement.mount(cardMount);
        }).catch((error) => showError(error, handle.errors));
      }
      tokenField.hidden = true;
      const methods = radioGroup(t('checkout.method'), 'paymentMethod', [
        { value: 'PIX', label: t('checkout.pix') },
        { value: 'CARD', label: t('checkout.card') },
      ], 'PIX');
      methods.addEventListener('change', () => { tokenField.hidden = form.elements.paymentMethod.value !== 'CARD'; });
      const submit = h('button', { type: 'submit', class: 'button', 'data-action': 'pay' }, t('checkout.submit'));
      const form = h('form', { class: 'form', novalidate: true },
        descriptionList([[t('checkout.item'), itemText], [t('checkout.amount'), amountText]]),
        methods, tokenField, h('div', { class: 'actions' }, submit));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const method = form.elements.paymentMethod.value;
        const attributes = { billingAccountId: accountId(), paymentMethod: method, items };
        if (method === 'CARD' && stripe) {
          let created;
          try {
            created = await (await stripe).createPaymentMethod({ type: 'card', card: cardElement });
          } catch (error) {
            showError(error, handle.errors);
            return;
          }
          if (created.error) {
            showError(new UserError(created.error.message), handle.errors);
            return;
          }
          attributes.cardToken = created.paymentMethod.id;
        } else if (method === 'CARD') {
          if (!tokenInput.value.trim()) {
            showError(new UserError(t('checkout.cardTokenMissing')), handle.errors);
            tokenInput.focus();
            return;
          }
          attributes.cardToken = tokenInput.value.trim();
        }
        const answer = await perform(submit, () => api('POST', '/checkouts', { body: documentOf('checkouts', attributes) }), handle.errors);
        if (answer) showCheckoutResult(handle, answer.data.attributes, onPaid);
      });
      handle.body.append(form);
    });
  }

  function showCheckoutResult(handle, checkout, onPaid) {
    const invoice = checkout.invoice;
    if (checkout.pix) {
      pixPanel(handle, checkout.pix, invoice, onPaid);
      return;
    }
    if (checkout.cardStatus === 'REQUIRES_ACTION' && checkout.payment && checkout.payment.nextActionUrl) {
      // 3-D Secure: the bank's page opens in a new tab; the provider's webhook tells the API how it ended.
      const status = h('p', { class: 'checkout-result', id: 'checkout-result', role: 'status' }, t('checkout.cardAction'));
      const link = h('a', { class: 'button', id: 'card-authenticate', href: checkout.payment.nextActionUrl, target: '_blank', rel: 'noopener' },
        t('checkout.authenticate'));
      handle.body.replaceChildren(status, h('div', { class: 'actions' }, link));
      watchUntilPaid(handle, invoice, status, 'checkout.cardApproved', onPaid);
      return;
    }
    let text;
    if (checkout.cardStatus === 'APPROVED') text = t('checkout.cardApproved', { number: invoiceNumber(invoice) });
    else if (checkout.cardStatus === 'DECLINED') text = t('checkout.cardDeclined', { reason: checkout.declineReason || t('app.none'), number: invoiceNumber(invoice) });
    else text = t('checkout.cardPending', { status: checkout.cardStatus || invoice.status });
    handle.body.replaceChildren(h('p', { class: 'checkout-result', id: 'checkout-result', role: 'status' }, text));
    if (checkout.cardStatus === 'APPROVED' && onPaid) onPaid(invoice);
  }

  // ---------------------------------------------------------------- subscriptions (Billing and Add-ons)

  async function loadSubscriptions() {
    const list = await listAll('/subscriptions' + query({ 'filter[billingAccountId]': accountId(), 'page[size]': 100 }), 5);
    list.sort((a, b) => (a.attributes.createdAt < b.attributes.createdAt ? 1 : -1));
    let chosen = list.find((item) => item.id === state.subscriptionId);
    if (!chosen) chosen = list.find((item) => LIVE_STATUSES.includes(item.attributes.status)) || list[0] || null;
    state.subscriptionId = chosen ? chosen.id : null;
    return { list, subscription: chosen };
  }

  function subscriptionPicker(list, current) {
    if (list.length < 2) return null;
    const select = selectControl(list.map((item) => ({
      value: item.id,
      label: t('subscription.option', { plan: item.attributes.plan.name, status: t('status.' + item.attributes.status), date: date(item.attributes.startDate) }),
    })), current.id, { id: 'subscription-select' });
    select.addEventListener('change', () => {
      state.subscriptionId = select.value;
      refresh();
    });
    return h('div', { class: 'toolbar' }, field(t('subscription.choose'), select));
  }

  function statusTone(status) {
    return { ACTIVE: 'ok', TRIAL: 'info', PAST_DUE: 'danger', PAUSED: 'warn', CANCELED: 'muted', EXPIRED: 'muted' }[status] || 'muted';
  }

  function renewalText(subscription) {
    if (subscription.cancelAtPeriodEnd && LIVE_STATUSES.includes(subscription.status)) return t('plan.endsOn', { date: date(subscription.currentPeriodEnd) });
    if (['CANCELED', 'EXPIRED', 'PAUSED'].includes(subscription.status)) return t('plan.noRenewal');
    return t('plan.renewsOn', { date: date(subscription.currentPeriodEnd) });
  }

  // ---------------------------------------------------------------- screen: Billing (PlanCard, cancel, reactivate, pause, change plan)

  async function loadBilling() {
    const { list, subscription } = await loadSubscriptions();
    let plans = [];
    if (subscription && can('SUBSCRIPTION_PLANS_READ') && can('SUBSCRIPTIONS_UPDATE') && ['TRIAL', 'ACTIVE'].includes(subscription.attributes.status)) {
      const current = subscription.attributes.plan;
      plans = (await listAll('/subscription-plans' + query({ 'filter[status]': 'ACTIVE', 'page[size]': 100 }), 5)).filter((plan) =>
        plan.id !== subscription.attributes.planId && plan.attributes.currency === current.currency
        && plan.attributes.billingInterval === current.billingInterval && plan.attributes.billingCycleType === current.billingCycleType);
    }
    return { list, subscription, plans, upcoming: subscription ? await loadUpcoming(subscription) : null };
  }

  /** The subscription's next invoice as it stands (`GET /subscriptions/{id}/upcoming-invoice`); null when it has none (409). */
  async function loadUpcoming(subscription) {
    const attributes = subscription.attributes;
    if (!can('INVOICES_READ') || !['TRIAL', 'ACTIVE', 'PAST_DUE'].includes(attributes.status) || attributes.cancelAtPeriodEnd) return null;
    try {
      return (await api('GET', `/subscriptions/${subscription.id}/upcoming-invoice`)).data.attributes;
    } catch (error) {
      if (error.status === 409) return null;
      throw error;
    }
  }

  function drawBilling({ list, subscription, plans, upcoming }) {
    const header = pageHeader(t('subscription.title'), () => refresh());
    if (!subscription) return [header, h('p', { class: 'empty', id: 'no-subscription' }, t('subscription.none'))];
    const attributes = subscription.attributes;
    return [header, subscriptionPicker(list, subscription), planCard(attributes, upcoming), subscriptionNotices(attributes),
      subscriptionActions(subscription), changePlanSection(subscription, plans)];
  }

  function planCard(subscription, upcoming) {
    const plan = subscription.plan;
    const interval = t('interval.' + plan.billingInterval);
    const activeAddons = subscription.addons.filter((addon) => addon.status === 'ACTIVE');
    const scheduled = subscription.scheduledChange;
    let scheduledText = null;
    if (scheduled && scheduled.plan) scheduledText = t('plan.scheduledPlan', { plan: scheduled.plan.name, date: date(scheduled.effectiveAt) });
    else if (scheduled && scheduled.quantity) scheduledText = t('plan.scheduledQuantity', { quantity: scheduled.quantity, date: date(scheduled.effectiveAt) });
    return section('plan-card', t('plan.card') + ': ' + plan.name, descriptionList([
      [t('plan.price'), [t('plan.pricePer', { price: money(plan.unitPrice, plan.currency), interval }),
        subscription.quantity > 1 ? ' ' + t('plan.quantity', { quantity: subscription.quantity }) : ''], 'plan-price'],
      [t('plan.status'), badge(t('status.' + subscription.status), statusTone(subscription.status), 'plan-status')],
      [t('plan.period'), t('plan.periodRange', { start: date(subscription.currentPeriodStart), end: date(subscription.currentPeriodEnd) }), 'plan-period'],
      [t('plan.renewal'), renewalText(subscription), 'plan-renewal'],
      subscription.status === 'TRIAL' ? [t('plan.trialEnds'), date(subscription.trialEnd), 'plan-trial'] : null,
      [t('plan.credits'), t('plan.creditsPer', { credits: credits(plan.includedCredits), interval }), 'plan-credits'],
      [t('plan.features'), plan.features.length ? plan.features.join(', ') : t('app.none'), 'plan-features'],
      [t('plan.addons'), activeAddons.length ? activeAddons.map((addon) => addon.name).join(', ') : t('plan.noAddons'), 'plan-addons'],
      scheduledText ? [t('plan.scheduled'), scheduledText, 'plan-scheduled'] : null,
      subscription.discount ? [t('plan.discount'), t('plan.discountUntil', {
        coupon: subscription.discount.coupon.name,
        off: subscription.discount.coupon.percentOff != null ? subscription.discount.coupon.percentOff + '%'
          : money(subscription.discount.coupon.amountOff.amount, subscription.discount.coupon.amountOff.currency),
        until: subscription.discount.end ? date(subscription.discount.end) : t('plan.discountForever'),
      }), 'plan-discount'] : null,
      upcoming ? [t('plan.nextInvoice'), t('plan.nextInvoiceAmount', { amount: money(upcoming.amountDue, upcoming.currency), date: date(upcoming.nextInvoiceDate) }),
        'plan-next-invoice'] : null,
      subscription.cancelReason ? [t('plan.cancelReason'), subscription.cancelReason, 'plan-cancel-reason'] : null,
    ]));
  }

  function subscriptionNotices(subscription) {
    const notices = [];
    if (subscription.cancelAtPeriodEnd && LIVE_STATUSES.includes(subscription.status)) notices.push(['warn', t('plan.canceledNotice', { date: date(subscription.currentPeriodEnd) })]);
    if (subscription.status === 'PAST_DUE') notices.push(['danger', t('plan.pastDue', { date: date(subscription.pastDueSince) })]);
    if (subscription.status === 'PAUSED') notices.push(['warn', t('plan.paused', { date: date(subscription.pausedAt) })]);
    if (!notices.length) return null;
    return h('div', { class: 'notices', id: 'subscription-notices' }, notices.map(([tone, text]) => h('p', { class: 'notice notice-' + tone }, text)));
  }

  function subscriptionActions(subscription) {
    const attributes = subscription.attributes;
    const live = LIVE_STATUSES.includes(attributes.status);
    const buttons = [];
    const action = (name, label, handler) => h('button', { type: 'button', class: 'button', 'data-action': name, onclick: handler }, label);
    if (can('SUBSCRIPTIONS_CANCEL') && live && !attributes.cancelAtPeriodEnd) {
      buttons.push(action('cancel-subscription', t('actions.cancel'), () => openCancelSubscription(subscription)));
    }
    if (can('SUBSCRIPTIONS_UPDATE')) {
      if ((live && attributes.cancelAtPeriodEnd) || attributes.status === 'CANCELED') {
        buttons.push(action('reactivate-subscription', t('actions.reactivate'), (event) => subscriptionCommand(event.currentTarget, subscription, 'reactivate', 'actions.reactivated')));
      }
      if (['TRIAL', 'ACTIVE'].includes(attributes.status)) {
        buttons.push(action('pause-subscription', t('actions.pause'), (event) => subscriptionCommand(event.currentTarget, subscription, 'pause', 'actions.paused')));
      }
      if (attributes.status === 'PAUSED') {
        buttons.push(action('resume-subscription', t('actions.resume'), (event) => subscriptionCommand(event.currentTarget, subscription, 'resume', 'actions.resumed')));
      }
    }
    if (!buttons.length) return null;
    return section('subscription-actions', t('actions.title'), h('div', { class: 'actions' }, buttons));
  }

  async function subscriptionCommand(button, subscription, command, doneKey) {
    const answer = await perform(button, () => api('POST', `/subscriptions/${subscription.id}/${command}`));
    if (answer) {
      announce(t(doneKey));
      refresh({ focus: true, keepMessages: true });
    }
  }

  function openCancelSubscription(subscription) {
    const attributes = subscription.attributes;
    openDialog(t('cancel.title'), (handle) => {
      const reason = h('textarea', { name: 'reason', rows: 3, maxlength: 500 });
      const submit = h('button', { type: 'submit', class: 'button danger', 'data-action': 'confirm-cancel' }, t('cancel.confirm'));
      const form = h('form', { class: 'form', novalidate: true },
        radioGroup(t('cancel.when'), 'when', [
          { value: 'end', label: t('cancel.atPeriodEnd', { date: date(attributes.currentPeriodEnd) }) },
          { value: 'now', label: t('cancel.now') },
        ], 'end'),
        field(t('cancel.reason'), reason),
        h('div', { class: 'actions' }, submit));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = { atPeriodEnd: form.elements.when.value === 'end' };
        if (reason.value.trim()) body.reason = reason.value.trim();
        const answer = await perform(submit, () => api('POST', `/subscriptions/${subscription.id}/cancel`, { body: documentOf('subscriptions', body) }), handle.errors);
        if (!answer) return;
        handle.close();
        announce(t('actions.canceled'));
        refresh({ focus: true, keepMessages: true });
      });
      handle.body.append(form);
    });
  }

  function changePlanSection(subscription, plans) {
    const attributes = subscription.attributes;
    if (!can('SUBSCRIPTIONS_UPDATE') || !can('SUBSCRIPTION_PLANS_READ') || !['TRIAL', 'ACTIVE'].includes(attributes.status)) return null;
    if (!plans.length) return section('change-plan', t('change.title'), h('p', { class: 'empty' }, t('change.none')));
    const select = selectControl(plans.map((plan) => ({
      value: plan.id,
      label: t('change.option', { name: plan.attributes.name, price: money(plan.attributes.basePrice, plan.attributes.currency), interval: t('interval.' + plan.attributes.billingInterval) }),
    })), plans[0].id, { name: 'planId', id: 'change-plan-select' });
    const previewButton = h('button', { type: 'submit', class: 'button', 'data-action': 'preview-plan' }, t('change.preview'));
    const result = h('div', { class: 'change-preview', id: 'change-preview' });
    const form = h('form', { class: 'form inline-form', novalidate: true }, field(t('change.plan'), select), h('div', { class: 'actions' }, previewButton));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const plan = plans.find((item) => item.id === select.value);
      const answer = await perform(previewButton, () => api('POST', `/subscriptions/${subscription.id}/change-plan`, {
        body: documentOf('subscription-changes', { planId: plan.id, preview: true }),
      }));
      if (answer) showChangePreview(result, subscription, plan, answer.data.attributes);
    });
    return section('change-plan', t('change.title'), form, result);
  }

  function showChangePreview(container, subscription, plan, change) {
    const currency = subscription.attributes.plan.currency;
    const headingId = uid('preview-title');
    const confirm = h('button', { type: 'button', class: 'button', 'data-action': 'confirm-plan-change' }, t('change.confirm', { plan: plan.attributes.name }));
    confirm.addEventListener('click', async () => {
      const answer = await perform(confirm, () => api('POST', `/subscriptions/${subscription.id}/change-plan`, {
        body: documentOf('subscription-changes', { planId: plan.id }),
      }));
      if (!answer) return;
      const done = answer.data.attributes;
      announce(done.effective === 'NOW' ? t('change.done', { plan: plan.attributes.name }) : t('change.scheduled', { plan: plan.attributes.name, date: date(done.effectiveAt) }));
      refresh({ focus: true, keepMessages: true });
    });
    const lines = change.prorationLines.map((line) => ({
      cells: [line.description, t('plan.periodRange', { start: date(line.periodStart), end: date(line.periodEnd) }), money(line.amount, currency)],
    }));
    container.replaceChildren(h('div', { class: 'preview', role: 'region', 'aria-labelledby': headingId },
      h('h3', { id: headingId, tabindex: '-1' }, t('change.previewTitle')),
      h('p', { id: 'change-effective' }, change.effective === 'NOW' ? t('change.effectiveNow') : t('change.effectiveEnd', { date: date(change.effectiveAt) })),
      lines.length ? table({
        caption: t('change.lines'), id: 'proration-lines', rows: lines, empty: '',
        columns: [{ label: t('change.description') }, { label: t('change.period') }, { label: t('change.amount'), numeric: true }],
      }) : null,
      change.prorationTotal !== null && change.prorationTotal !== undefined ? h('p', { id: 'proration-total' }, h('strong', {}, t('change.total') + ': '), money(change.prorationTotal, currency)) : null,
      h('div', { class: 'actions' }, confirm)));
    container.querySelector('h3').focus();
  }

  // ---------------------------------------------------------------- screen: Add-ons

  async function loadAddons() {
    const { subscription } = await loadSubscriptions();
    const catalog = await listAll('/addons' + query({ 'filter[status]': 'ACTIVE', 'page[size]': 100 }), 5);
    return { subscription, catalog };
  }

  /** The add-on's latest entry on the subscription (a canceled one may have been activated again since). */
  function subscriptionAddon(subscription, addonId) {
    if (!subscription) return null;
    const entries = subscription.attributes.addons.filter((addon) => addon.addonId === addonId);
    entries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    return entries.find((addon) => addon.status !== 'CANCELED') || entries[0] || null;
  }

  function addonState(entry) {
    if (!entry) return 'NONE';
    if (entry.status === 'ACTIVE' && entry.cancelAtPeriodEnd) return 'ENDING';
    return entry.status;
  }

  function drawAddons({ subscription, catalog }) {
    const header = pageHeader(t('addons.title'), () => refresh());
    const currency = subscription ? subscription.attributes.plan.currency : state.account.attributes.currency;
    const rows = catalog.filter((addon) => addon.attributes.currency === currency).map((addon) => ({
      id: addon.id, name: addon.attributes.name, description: addon.attributes.description, price: addon.attributes.price,
      interval: addon.attributes.billingInterval, code: addon.attributes.code, entry: subscriptionAddon(subscription, addon.id),
    }));
    if (subscription) {
      for (const entry of subscription.attributes.addons) {
        if (entry.status === 'CANCELED' || rows.some((row) => row.id === entry.addonId)) continue;
        rows.push({ id: entry.addonId, name: entry.name, description: null, price: entry.price, interval: null, code: entry.code, entry });
      }
    }
    const intervalOf = (row) => t('interval.' + (row.interval || (subscription ? subscription.attributes.plan.billingInterval : 'MONTHLY')));
    return [header, h('p', { class: 'intro' }, t('addons.intro')),
      subscription ? null : h('p', { class: 'notice notice-warn' }, t('addons.needSubscription')),
      table({
        id: 'addons-table', empty: t('addons.none'), caption: t('addons.title'), hideCaption: true,
        columns: [{ label: t('addons.name') }, { label: t('addons.description') }, { label: t('addons.price'), numeric: true },
          { label: t('addons.status') }, { label: t('addons.actions') }],
        rows: rows.map((row) => ({
          attributes: { dataset: { addonCode: row.code } },
          cells: [row.name, row.description || t('app.none'),
            Number(row.price) === 0 ? t('addons.free') : t('plan.pricePer', { price: money(row.price, currency), interval: intervalOf(row) }),
            badge(t('addons.state.' + addonState(row.entry)), addonTone(addonState(row.entry))),
            addonActions(subscription, row, currency)],
        })),
      })];
  }

  function addonTone(stateName) {
    return { ACTIVE: 'ok', ENDING: 'warn', PENDING: 'info', CANCELED: 'muted', NONE: 'muted' }[stateName];
  }

  function addonActions(subscription, row, currency) {
    if (!subscription || !LIVE_STATUSES.includes(subscription.attributes.status) || !can('SUBSCRIPTIONS_UPDATE')) return t('app.none');
    const stateName = addonState(row.entry);
    const buttons = [];
    if (stateName === 'NONE' || stateName === 'CANCELED') {
      buttons.push(namedButton('addons.activate', row.name, { 'data-action': 'activate-addon', onclick: (event) => activateAddon(event.currentTarget, subscription, row, currency) }));
    }
    if (stateName === 'PENDING' && can('PAYMENTS_CREATE')) {
      buttons.push(namedButton('addons.pay', row.name, { 'data-action': 'pay-addon', onclick: () => checkoutAddon(subscription, row, currency) }));
    }
    if (stateName === 'ACTIVE' || stateName === 'PENDING') {
      buttons.push(namedButton('addons.cancel', row.name, { class: 'button secondary', 'data-action': 'cancel-addon', onclick: () => openCancelAddon(subscription, row) }));
    }
    return buttons.length ? h('div', { class: 'actions compact' }, buttons) : t('app.none');
  }

  async function activateAddon(button, subscription, row, currency) {
    const answer = await perform(button, () => api('POST', `/subscriptions/${subscription.id}/addons`, { body: documentOf('subscription-addons', { addonId: row.id }) }));
    if (!answer) return;
    const entry = subscriptionAddon(answer.data, row.id);
    if (entry && entry.status === 'PENDING') {
      announce(t('addons.pending', { name: row.name }));
      await refresh({ keepMessages: true });
      if (can('PAYMENTS_CREATE')) checkoutAddon(answer.data, row, currency);
    } else {
      announce(t('addons.activated', { name: row.name }));
      refresh({ focus: true, keepMessages: true });
    }
  }

  function checkoutAddon(subscription, row, currency) {
    openCheckout({
      itemText: row.name,
      amountText: money(row.price, currency),
      items: [{ type: 'ADDON', subscriptionId: subscription.id, addonId: row.id }],
      onPaid: () => waitThenRefresh('addons', async () => {
        const current = (await api('GET', `/subscriptions/${subscription.id}`)).data;
        const entry = subscriptionAddon(current, row.id);
        return entry && entry.status === 'ACTIVE';
      }, t('addons.activated', { name: row.name })),
    });
  }

  function openCancelAddon(subscription, row) {
    openDialog(t('addons.cancelTitle', { name: row.name }), (handle) => {
      const submit = h('button', { type: 'submit', class: 'button danger', 'data-action': 'confirm-cancel-addon' }, t('addons.confirmCancel'));
      const form = h('form', { class: 'form', novalidate: true },
        radioGroup(t('addons.cancelWhen'), 'when', [{ value: 'end', label: t('addons.cancelAtEnd') }, { value: 'now', label: t('addons.cancelNow') }], 'end'),
        h('div', { class: 'actions' }, submit));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = documentOf('subscription-addons', { atPeriodEnd: form.elements.when.value === 'end' });
        const answer = await perform(submit, () => api('POST', `/subscriptions/${subscription.id}/addons/${row.id}/cancel`, { body }), handle.errors);
        if (!answer) return;
        handle.close();
        announce(t('addons.canceled', { name: row.name }));
        refresh({ focus: true, keepMessages: true });
      });
      handle.body.append(form);
    });
  }

  /** After a payment: effects arrive through events, so watch until `check` holds, then re-render `screenId` if still shown. */
  function waitThenRefresh(screenId, check, doneText) {
    poll(async () => {
      if (!(await check())) return false;
      announce(doneText);
      if (currentScreenId() === screenId) refresh({ keepMessages: true });
      return true;
    }, { interval: 2000, timeout: 120000 });
  }

  // ---------------------------------------------------------------- screen: Credits (wallet, thresholds, packages, consumption)

  const CREDIT_RANGES = { month: null, 7: 7, 30: 30, 90: 90 };
  const GROUPINGS = ['DAY', 'USER', 'FEATURE', 'MODEL', 'COST_CENTER'];
  const EXECUTION_STATUSES = ['CHARGED', 'HELD', 'SETTLED', 'RELEASED', 'EXPIRED'];

  async function loadCredits() {
    const account = accountId();
    const days = CREDIT_RANGES[state.creditsRange];
    const now = Date.now();
    const range = days ? { 'filter[since]': new Date(now - days * 86400000).toISOString(), 'filter[until]': new Date(now).toISOString() } : {};
    const filters = {};
    for (const [name, value] of Object.entries(state.executionFilters)) if (value) filters['filter[' + name + ']'] = value;
    const [wallet, packages, topups, executions, ...reports] = await Promise.all([
      api('GET', `/credit-wallets/${account}`),
      can('CREDIT_PACKAGES_READ') ? listAll('/credit-packages' + query({ 'filter[status]': 'ACTIVE', 'page[size]': 100 }), 5) : Promise.resolve(null),
      can('PAYMENTS_READ') ? listAll('/credit-topups' + query({ 'filter[billingAccountId]': account, 'page[size]': 100 }), 3) : Promise.resolve(null),
      api('GET', '/credit-executions' + query(Object.assign({ 'filter[billingAccountId]': account, 'page[size]': 25 }, filters))),
      ...GROUPINGS.map((grouping) => api('GET', `/credit-wallets/${account}/consumption` + query(Object.assign({ 'filter[groupBy]': grouping }, range)))),
    ]);
    const consumption = {};
    GROUPINGS.forEach((grouping, index) => { consumption[grouping] = reports[index]; });
    return { wallet: wallet.data.attributes, packages, topups, executions, consumption };
  }

  function drawCredits({ wallet, packages, topups, executions, consumption }) {
    return [pageHeader(t('credits.title'), () => refresh()), walletSection(wallet), thresholdSection(wallet), historySection(wallet),
      packagesSection(packages, wallet), topupsSection(topups), consumptionSection(consumption), executionsSection(executions)];
  }

  /** The wallet's lifetime totals and where it is heading (seed 002 `usage_stats`, seed 003's projection). */
  function historySection(wallet) {
    const lifetime = wallet.lifetime || {};
    const projection = wallet.projection || {};
    const amount = (value) => t('credits.unit', { value: credits(value || 0) });
    const rows = [
      ['credits.lifetime.purchased', amount(lifetime.purchased), 'lifetime-purchased'],
      ['credits.lifetime.granted', amount(lifetime.granted), 'lifetime-granted'],
      ['credits.lifetime.consumed', amount(lifetime.consumed), 'lifetime-consumed'],
      ['credits.lifetime.expired', amount(lifetime.expired), 'lifetime-expired'],
      ['credits.lifetime.lastActive', lifetime.lastActiveAt ? dateTime(lifetime.lastActiveAt) : t('app.none'), 'lifetime-last-active'],
    ];
    const forecast = [
      h('p', { id: 'projection-burn', dataset: { burn: String(projection.burnRatePerDay || 0) } },
        t('credits.projection.burn', { credits: credits(projection.burnRatePerDay || 0), days: projection.windowDays || 7 })),
      h('p', { id: 'projection-run-out' }, projection.projectedRunOutAt
        ? t('credits.projection.runOut', { date: date(projection.projectedRunOutAt) }) : t('credits.projection.noRunOut')),
    ];
    if (projection.projectedAllowanceUsedPercent !== null && projection.projectedAllowanceUsedPercent !== undefined) {
      forecast.push(h('p', { id: 'projection-allowance' }, t('credits.projection.allowance', { percent: number(projection.projectedAllowanceUsedPercent, 1) })));
    }
    return section('history', t('credits.history'),
      h('dl', { class: 'tiles' }, rows.map(([key, value, id]) => h('div', { class: 'tile' }, h('dt', {}, t(key)), h('dd', { id }, value)))),
      h('div', { class: 'projection' }, h('h3', {}, t('credits.projection')), ...forecast));
  }

  /** Credit packages bought, who bought them and how their payment stands (seed 002 `credit_topups`). */
  function topupsSection(topups) {
    if (topups === null) return null;
    const rows = topups.slice().reverse();
    return section('topups', t('credits.topups'), table({
      id: 'topups-table', empty: t('credits.noTopups'), caption: t('credits.topups'), hideCaption: true,
      columns: [{ label: t('credits.topup.date') }, { label: t('credits.package') }, { label: t('credits.credits'), numeric: true },
        { label: t('credits.price'), numeric: true }, { label: t('credits.topup.by') }, { label: t('invoices.method') }, { label: t('invoices.status') }],
      rows: rows.map((item) => {
        const topup = item.attributes;
        return {
          attributes: { dataset: { status: topup.status, invoiceId: topup.invoiceId } },
          cells: [dateTime(topup.createdAt), topup.packageCode + (topup.automatic ? ' · ' + t('credits.topup.automatic') : ''), credits(topup.credits),
            money(topup.price, state.account.attributes.currency), topup.purchasedBy || t('app.none'),
            topup.paymentMethod ? t('method.' + topup.paymentMethod) : t('app.none'),
            badge(t('credits.topup.status.' + topup.status), { COMPLETED: 'ok', FAILED: 'danger', PENDING: 'info' }[topup.status])],
        };
      }),
    }));
  }

  /** Every charge and hold, filtered (seed 003 "quem usou quanto e quando"): the first page, oldest first. */
  function executionsSection(executions) {
    const filters = state.executionFilters;
    const input = (name) => h('input', { type: 'text', id: 'execution-' + name, value: filters[name], maxlength: 200 });
    const status = selectControl([{ value: '', label: t('invoices.all') }].concat(EXECUTION_STATUSES.map((value) => ({ value, label: t('execution.status.' + value) }))),
      filters.status, { id: 'execution-status' });
    const fields = { userId: input('userId'), featureId: input('featureId'), model: input('model'), costCenter: input('costCenter') };
    const apply = h('button', { type: 'submit', class: 'button secondary', 'data-action': 'filter-executions' }, t('credits.executions.filter'));
    const form = h('form', { class: 'toolbar', id: 'execution-filters' },
      field(t('credits.key.USER'), fields.userId), field(t('credits.key.FEATURE'), fields.featureId), field(t('credits.key.MODEL'), fields.model),
      field(t('credits.key.COST_CENTER'), fields.costCenter), field(t('invoices.status'), status), apply);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      for (const [name, control] of Object.entries(fields)) filters[name] = control.value.trim();
      filters.status = status.value;
      refresh({ keepMessages: true });
    });
    return section('executions', t('credits.executions.title'), form, table({
      id: 'executions-table', empty: t('credits.executions.none'), caption: t('credits.executions.title'), hideCaption: true,
      columns: [{ label: t('credits.executions.when') }, { label: t('credits.executions.kind') }, { label: t('invoices.status') },
        { label: t('credits.key.MODEL') }, { label: t('credits.key.USER') }, { label: t('credits.key.FEATURE') }, { label: t('credits.key.COST_CENTER') },
        { label: t('credits.executions.estimate'), numeric: true }, { label: t('credits.credits'), numeric: true }],
      rows: executions.data.map((item) => {
        const execution = item.attributes;
        return {
          attributes: { dataset: { executionId: item.id, status: execution.status, userId: execution.userId || '' } },
          cells: [dateTime(execution.createdAt), t('credits.executions.kind.' + execution.kind), t('execution.status.' + execution.status), execution.model,
            execution.userId || t('app.none'), execution.featureId || t('app.none'), execution.costCenter || t('app.none'),
            execution.estimatedCredits === null || execution.estimatedCredits === undefined ? t('app.none') : credits(execution.estimatedCredits),
            execution.credits === null || execution.credits === undefined ? t('app.none') : credits(execution.credits)],
        };
      }),
    }));
  }

  function walletSection(wallet) {
    const amount = (value) => t('credits.unit', { value: credits(value) });
    const tiles = [
      ['credits.available', wallet.available, 'credits-available', 'primary'],
      ['credits.balance', wallet.balance, 'credits-balance'],
      ['credits.monthly', wallet.monthlyRemaining, 'credits-monthly'],
      ['credits.purchased', wallet.purchasedRemaining, 'credits-purchased'],
      ['credits.other', wallet.otherRemaining, 'credits-other'],
      ['credits.held', wallet.held, 'credits-held'],
    ];
    if (Number(wallet.debt) > 0) tiles.push(['credits.debt', wallet.debt, 'credits-debt']);
    return section('wallet', t('credits.balance'), h('dl', { class: 'tiles', dataset: { available: String(wallet.available), purchased: String(wallet.purchasedRemaining) } },
      tiles.map(([key, value, id, tone]) => h('div', { class: 'tile' + (tone ? ' tile-' + tone : '') }, h('dt', {}, t(key)), h('dd', { id }, amount(value))))));
  }

  /** Seed 003's alert levels on the monthly allowance: 80, 90, 95 and 100 %. */
  function thresholdLevel(percent) {
    if (percent >= 100) return '100';
    if (percent >= 95) return '95';
    if (percent >= 90) return '90';
    if (percent >= 80) return '80';
    return 'ok';
  }

  function thresholdSection(wallet) {
    const children = [];
    if (wallet.allowance === null || wallet.allowance === undefined) {
      children.push(h('p', { class: 'empty' }, t('credits.noAllowance')));
    } else {
      const percent = Number(wallet.allowanceUsedPercent || 0);
      const level = thresholdLevel(percent);
      children.push(
        h('p', { id: 'allowance-text' }, h('strong', {}, t('credits.allowance') + ': '),
          t('credits.allowanceText', { used: number(percent, 1), allowance: credits(wallet.allowance), date: date(wallet.allowanceExpiresAt) })),
        gauge(percent, [80, 90, 95], level),
        h('p', { class: 'notice notice-' + (level === 'ok' ? 'ok' : level === '80' ? 'warn' : 'danger'), id: 'threshold-status', dataset: { level } }, t('credits.level.' + level)));
    }
    if (Number(wallet.available) <= 0) children.push(h('p', { class: 'notice notice-danger', id: 'credits-exhausted' }, t('credits.exhausted')));
    return section('thresholds', t('credits.threshold'), children);
  }

  function packagesSection(packages, wallet) {
    if (packages === null) return null;
    const currency = state.account.attributes.currency;
    const forSale = packages.filter((item) => item.attributes.currency === currency);
    return section('packages', t('credits.packages'), table({
      id: 'packages-table', empty: t('credits.noPackages'), caption: t('credits.packages'), hideCaption: true,
      columns: [{ label: t('credits.package') }, { label: t('credits.credits'), numeric: true }, { label: t('credits.price'), numeric: true },
        { label: t('credits.perCredit'), numeric: true }, { label: t('credits.validity') }, { label: t('addons.actions') }],
      rows: forSale.map((item) => {
        const attributes = item.attributes;
        const perCredit = Number(attributes.credits) > 0 ? Number(attributes.price) / Number(attributes.credits) : null;
        return {
          attributes: { dataset: { packageCode: attributes.code } },
          cells: [attributes.name, credits(attributes.credits), money(attributes.price, attributes.currency),
            perCredit === null ? t('app.none') : money(perCredit, attributes.currency, 4),
            attributes.validityDays ? t('credits.validDays', { days: attributes.validityDays }) : t('credits.neverExpire'),
            can('PAYMENTS_CREATE') ? namedButton('credits.buy', attributes.name, { 'data-action': 'buy-package', onclick: () => buyPackage(item, wallet) }) : t('app.none')],
        };
      }),
    }));
  }

  function buyPackage(item, walletBefore) {
    const attributes = item.attributes;
    openCheckout({
      itemText: t('credits.purchaseItem', { name: attributes.name, credits: credits(attributes.credits) }),
      amountText: money(attributes.price, attributes.currency),
      items: [{ type: 'CREDIT_PACKAGE', packageCode: attributes.code }],
      onPaid: () => waitThenRefresh('credits', async () => {
        const wallet = (await api('GET', `/credit-wallets/${accountId()}`)).data.attributes;
        return Number(wallet.purchasedRemaining) !== Number(walletBefore.purchasedRemaining) || Number(wallet.balance) !== Number(walletBefore.balance);
      }, t('credits.granted')),
    });
  }

  /** Every day from `since` to the earlier of `until` and now, as the report's keys (`YYYY-MM-DD` in the account's zone). */
  function dayKeys(since, until) {
    const format = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: timeZone() });
    const end = Math.min(Date.parse(until) - 1, Date.now());
    let day = new Date(format.format(new Date(since)) + 'T00:00:00Z');
    const last = new Date(format.format(new Date(end)) + 'T00:00:00Z');
    const keys = [];
    while (day <= last && keys.length < 400) {
      keys.push(day.toISOString().slice(0, 10));
      day = new Date(day.getTime() + 86400000);
    }
    return keys;
  }

  function consumptionSection(consumption) {
    const daily = consumption.DAY;
    const rows = daily.data.map((item) => item.attributes);
    const totalCredits = rows.reduce((sum, row) => sum + Number(row.credits), 0);
    const totalExecutions = rows.reduce((sum, row) => sum + row.executions, 0);
    const rangeSelect = selectControl(Object.keys(CREDIT_RANGES).map((key) => ({ value: key, label: t('credits.range.' + key) })), state.creditsRange, { id: 'credits-range' });
    rangeSelect.addEventListener('change', () => {
      state.creditsRange = rangeSelect.value;
      refresh({ keepMessages: true });
    });
    const content = [
      h('div', { class: 'toolbar' }, field(t('credits.range'), rangeSelect),
        h('p', { class: 'range-text' }, t('credits.rangeText', { since: date(daily.meta.since), until: date(new Date(Date.parse(daily.meta.until) - 1).toISOString()) }))),
      h('p', { id: 'consumption-total', dataset: { credits: String(totalCredits), executions: String(totalExecutions) } },
        t('credits.total', { credits: credits(totalCredits), executions: number(totalExecutions, 0) })),
    ];
    if (!rows.length) content.push(h('p', { class: 'empty', id: 'no-consumption' }, t('credits.noConsumption')));
    content.push(dailyCharts(rows, daily.meta));
    for (const grouping of ['USER', 'FEATURE', 'MODEL', 'COST_CENTER']) content.push(breakdown(grouping, consumption[grouping].data.map((item) => item.attributes)));
    return section('consumption', t('credits.consumption'), content);
  }

  function dailyCharts(rows, meta) {
    const keys = dayKeys(meta.since, meta.until);
    const byDay = new Map(rows.map((row) => [row.key, row]));
    const labels = keys.map(dayLabel);
    const pick = (field) => keys.map((key) => Number(byDay.has(key) ? byDay.get(key)[field] : 0));
    const creditSeries = [{ name: t('chart.credits'), values: pick('credits'), className: 'bar-credits' }];
    const tokenSeries = [
      { name: t('chart.input'), values: pick('inputTokens'), className: 'series-input' },
      { name: t('chart.output'), values: pick('outputTokens'), className: 'series-output' },
    ];
    const dataTable = table({
      caption: t('credits.perDay'), empty: t('chart.empty'),
      columns: [{ label: t('credits.key.DAY') }, { label: t('credits.credits'), numeric: true }, { label: t('credits.inputTokens'), numeric: true },
        { label: t('credits.outputTokens'), numeric: true }, { label: t('credits.executions'), numeric: true }],
      rows: keys.filter((key) => byDay.has(key)).map((key) => {
        const row = byDay.get(key);
        return { cells: [dayLabel(key), credits(row.credits), number(row.inputTokens, 0), number(row.outputTokens, 0), number(row.executions, 0)] };
      }),
    });
    return h('div', { class: 'charts' },
      chartFigure({ id: 'chart-credits-per-day', title: t('credits.perDay'), chart: columnChart(labels, creditSeries, (value) => number(value, 2)), series: creditSeries, dataTable }),
      chartFigure({ id: 'chart-tokens-per-day', title: t('credits.tokensPerDay'), chart: lineChart(labels, tokenSeries, (value) => number(value, 0)), series: tokenSeries }));
  }

  function breakdown(grouping, rows) {
    const title = t({ USER: 'credits.byUser', FEATURE: 'credits.byFeature', MODEL: 'credits.byModel', COST_CENTER: 'credits.byCostCenter' }[grouping]);
    const id = 'breakdown-' + grouping.toLowerCase();
    const sorted = rows.slice().sort((a, b) => Number(b.credits) - Number(a.credits));
    const label = (row) => row.key || t('credits.unknownKey');
    const dataTable = table({
      id: id + '-table', caption: title, hideCaption: true, empty: t('credits.noConsumption'),
      columns: [{ label: t('credits.key.' + grouping) }, { label: t('credits.credits'), numeric: true }, { label: t('credits.inputTokens'), numeric: true },
        { label: t('credits.outputTokens'), numeric: true }, { label: t('credits.executions'), numeric: true }, { label: t('credits.accuracy'), numeric: true }],
      rows: sorted.map((row) => ({
        cells: [label(row), credits(row.credits), number(row.inputTokens, 0), number(row.outputTokens, 0), number(row.executions, 0),
          row.estimateAccuracyPercent === null || row.estimateAccuracyPercent === undefined ? t('app.none') : number(row.estimateAccuracyPercent, 1) + ' %'],
      })),
    });
    if (!sorted.length) return h('div', { class: 'breakdown', id }, h('h3', {}, title), dataTable);
    const series = [{ name: t('chart.credits'), values: sorted.map((row) => Number(row.credits)), className: 'bar-credits' }];
    const chart = barList(sorted.map((row) => ({ label: label(row), value: Number(row.credits) })), (value) => number(value, 4));
    return h('div', { class: 'breakdown', id }, chartFigure({ id: id + '-chart', title, chart, series }), dataTable);
  }

  // ---------------------------------------------------------------- screen: Usage (UsageMetrics)

  async function loadUsage() {
    const account = accountId();
    const [limits, summaries, meters] = await Promise.all([
      api('GET', '/usage-limits' + query({ 'filter[billingAccountId]': account })),
      api('GET', '/usage-summaries' + query({ 'filter[billingAccountId]': account, 'filter[month]': currentMonthKey() })),
      can('USAGE_METERS_READ') ? listAll('/usage-meters' + query({ 'filter[status]': 'ACTIVE', 'page[size]': 100 }), 3) : Promise.resolve([]),
    ]);
    let planLimits = null;
    if (!limits.data.length && can('SUBSCRIPTIONS_READ')) {
      planLimits = (await api('GET', `/billing-accounts/${account}/entitlements`)).data.attributes.limits;
    }
    return { limits, planLimits, meters: meterRows(meters, summaries.data.map((item) => item.attributes)) };
  }

  /** Every active meter with its summary this month (a meter without events has none), plus summaries of other meters. */
  function meterRows(meters, summaries) {
    const byCode = new Map(summaries.map((summary) => [summary.meterCode, summary]));
    const rows = meters.map((meter) => ({ name: meter.attributes.name || meter.attributes.code, aggregation: meter.attributes.aggregation, summary: byCode.get(meter.attributes.code) }));
    for (const summary of summaries) {
      if (!meters.some((meter) => meter.attributes.code === summary.meterCode)) rows.push({ name: summary.meterCode, aggregation: summary.aggregation, summary });
    }
    return rows;
  }

  function usageLevel(percent) {
    if (percent >= 100) return 'reached';
    if (percent >= 90) return '90';
    if (percent >= 80) return '80';
    return 'ok';
  }

  function drawUsage({ limits, planLimits, meters }) {
    const content = [pageHeader(t('usage.title'), () => refresh()), h('p', { class: 'intro' }, t('usage.intro'))];
    if (limits.meta && limits.meta.periodStart) {
      content.push(h('p', { class: 'range-text' }, t('usage.period', { start: date(limits.meta.periodStart), end: date(new Date(Date.parse(limits.meta.periodEnd) - 1).toISOString()) })));
    }
    if (limits.data.length) content.push(h('ul', { class: 'usage-metrics', id: 'usage-metrics' }, limits.data.map((item) => usageMetric(item.attributes))));
    else {
      content.push(h('p', { class: 'empty', id: 'no-limits' }, t('usage.none')));
      if (planLimits && planLimits.length) {
        content.push(section('plan-limits', t('usage.planLimits'), table({
          empty: '', columns: [{ label: t('usage.resource') }, { label: t('usage.limit'), numeric: true }, { label: t('usage.enforcementColumn') }],
          rows: planLimits.map((limit) => ({ cells: [resourceName(limit.resource), number(limit.limit, 0), t('usage.enforcement.' + limit.enforcement)] })),
        })));
      }
    }
    content.push(section('meters', t('usage.meters'), table({
      id: 'meters-table', empty: t('usage.noMeters'), caption: t('usage.meters'), hideCaption: true,
      columns: [{ label: t('usage.meter') }, { label: t('usage.aggregation') }, { label: t('usage.value'), numeric: true }, { label: t('usage.events'), numeric: true }],
      rows: meters.map(({ name, aggregation, summary }) => ({
        cells: [name, aggregation, summary ? number(summary.value, 4) : t('app.none'), summary ? number(summary.eventCount, 0) : t('app.none')],
      })),
    })));
    return content;
  }

  function usageMetric(usage) {
    const percent = Number(usage.percentUsed);
    const level = usageLevel(percent);
    const name = resourceName(usage.resource);
    const headingId = uid('usage');
    let warning = null;
    if (level === 'reached') warning = t('usage.reached', { resource: name.toLowerCase() });
    else if (level === '90') warning = t('usage.warn90', { percent: number(percent, 1) });
    else if (level === '80') warning = t('usage.warn80', { percent: number(percent, 1) });
    return h('li', { class: 'usage-metric level-' + level, dataset: { resource: usage.resource, level }, 'aria-labelledby': headingId },
      h('h2', { id: headingId, class: 'usage-name' }, name),
      h('p', { class: 'usage-numbers' }, t('usage.usedOf', { used: number(usage.used, 0), limit: number(usage.limit, 0), percent: number(percent, 1) })),
      gauge(percent, [80, 90], level),
      h('p', { class: 'usage-rules' }, t('usage.enforcement.' + usage.enforcement) + ' · ' + t('usage.reset.' + usage.reset)),
      warning ? h('p', { class: 'notice notice-' + (level === '80' ? 'warn' : 'danger') }, warning) : null);
  }

  // ---------------------------------------------------------------- screen: Invoices

  async function loadInvoices() {
    const invoices = await listAll('/invoices' + query({ 'filter[billingAccountId]': accountId(), 'page[size]': 100 }), 10);
    invoices.reverse();
    return { invoices };
  }

  function drawInvoices({ invoices }) {
    const statuses = ['DRAFT', 'PENDING', 'PAID', 'OVERDUE', 'CANCELED', 'VOID', 'CREDITED'];
    const filter = selectControl([{ value: '', label: t('invoices.all') }].concat(statuses.map((status) => ({ value: status, label: t('invoice.status.' + status) }))),
      state.invoiceFilter, { id: 'invoice-filter' });
    filter.addEventListener('change', () => {
      state.invoiceFilter = filter.value;
      refresh({ keepMessages: true });
    });
    const shown = invoices.filter((invoice) => !state.invoiceFilter || invoice.attributes.status === state.invoiceFilter);
    return [pageHeader(t('invoices.title'), () => refresh()),
      h('div', { class: 'toolbar' }, field(t('invoices.filter'), filter)),
      table({
        id: 'invoices-table', empty: t('invoices.none'), caption: t('invoices.caption'),
        columns: [{ label: t('invoices.number') }, { label: t('invoices.status') }, { label: t('invoices.total'), numeric: true }, { label: t('invoices.due'), numeric: true },
          { label: t('invoices.method') }, { label: t('invoices.paidAt') }, { label: t('invoices.dueDate') }, { label: t('invoices.actions') }],
        rows: shown.map((invoice) => invoiceRow(invoice)),
      })];
  }

  function invoiceTone(status) {
    return { PAID: 'ok', PENDING: 'info', OVERDUE: 'danger', DRAFT: 'muted', CANCELED: 'muted', VOID: 'muted', CREDITED: 'muted' }[status];
  }

  function invoiceRow(invoice) {
    const attributes = invoice.attributes;
    const numberText = invoiceNumber(attributes);
    const buttons = [namedButton('invoices.open', numberText, { class: 'button secondary', 'data-action': 'open-invoice', onclick: () => openPrintable(invoice) })];
    if (PAYABLE_INVOICES.includes(attributes.status) && Number(attributes.amountDue) > 0 && attributes.currency === 'BRL') {
      buttons.push(namedButton('invoices.pay', numberText, { 'data-action': 'pay-invoice', onclick: () => payInvoice(invoice) }));
    }
    return {
      attributes: { dataset: { invoiceId: invoice.id, status: attributes.status } },
      cells: [numberText, badge(t('invoice.status.' + attributes.status), invoiceTone(attributes.status)),
        money(attributes.total, attributes.currency), money(attributes.amountDue, attributes.currency),
        attributes.paymentMethod ? t('method.' + attributes.paymentMethod) : t('app.none'),
        attributes.paidAt ? date(attributes.paidAt) : t('app.none'), attributes.dueDate ? date(attributes.dueDate) : t('app.none'),
        h('div', { class: 'actions compact' }, buttons)],
    };
  }

  /**
   * The printable invoice (`Accept: text/html`, with the token) in a new window. The window is opened at the click (so no
   * pop-up blocker stops it) and filled once the page arrives; its stylesheet is applied as a constructed stylesheet, since
   * the console's policy forbids inline styles and the new window inherits it.
   */
  async function openPrintable(invoice) {
    const target = window.open('', '_blank');
    if (!target) {
      showError(new UserError(t('invoices.popupBlocked')));
      return;
    }
    target.document.title = t('invoices.opening');
    target.document.body.textContent = t('invoices.opening');
    try {
      showPrintable(target, await api('GET', `/invoices/${invoice.id}`, { accept: 'text/html' }));
    } catch (error) {
      target.close();
      showError(error);
    }
  }

  function showPrintable(target, html) {
    const styles = [];
    const markup = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style>/gi, (match, css) => {
      styles.push(css);
      return '';
    });
    const page = new DOMParser().parseFromString(markup, 'text/html');
    page.querySelectorAll('script').forEach((element) => element.remove());
    const document = target.document;
    document.documentElement.lang = page.documentElement.lang || 'pt-BR';
    document.title = page.title;
    document.adoptedStyleSheets = styles.map((css) => {
      const sheet = new target.CSSStyleSheet();
      sheet.replaceSync(css);
      return sheet;
    });
    document.body.replaceWith(document.importNode(page.body, true));
  }

  function payInvoice(invoice) {
    openDialog(t('pix.title'), async (handle) => {
      handle.body.append(h('p', {}, t('app.loading')));
      try {
        const pix = (await api('GET', `/invoices/${invoice.id}/pix`)).data.attributes;
        pixPanel(handle, pix, Object.assign({ id: invoice.id }, invoice.attributes), () => {
          if (currentScreenId() === 'invoices') refresh({ keepMessages: true });
        });
      } catch (error) {
        handle.body.replaceChildren();
        showError(error, handle.errors);
      }
    });
  }

  // ---------------------------------------------------------------- screen: Events (audit trail)

  function eventQuery(after) {
    const filters = state.eventFilters;
    const dayStart = (value, plusDays) => {
      if (!value) return undefined;
      const day = new Date(value + 'T00:00:00');
      day.setDate(day.getDate() + plusDays);
      return day.toISOString();
    };
    return '/billing-events' + query({
      'filter[type]': filters.type, 'filter[subject]': filters.subject.trim(),
      'filter[since]': dayStart(filters.since, 0), 'filter[until]': dayStart(filters.until, 1),
      'page[size]': 50, 'page[after]': after,
    });
  }

  async function loadEvents() {
    return api('GET', eventQuery());
  }

  function eventTypes() {
    return EVENT_TYPES;
  }

  function drawEvents(page) {
    const filters = state.eventFilters;
    const type = selectControl([{ value: '', label: t('events.allTypes') }].concat(eventTypes().map((value) => ({ value, label: eventName(value) + ' (' + value + ')' }))),
      filters.type, { name: 'type', id: 'event-type' });
    const subject = h('input', { type: 'text', name: 'subject', id: 'event-subject', value: filters.subject, autocomplete: 'off', spellcheck: 'false' });
    const since = h('input', { type: 'date', name: 'since', id: 'event-since', value: filters.since });
    const until = h('input', { type: 'date', name: 'until', id: 'event-until', value: filters.until });
    const form = h('form', { class: 'form filters', id: 'event-filters', novalidate: true },
      field(t('events.type'), type), field(t('events.subject'), subject), field(t('events.since'), since), field(t('events.until'), until),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', 'data-action': 'filter-events' }, t('events.apply'))));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      state.eventFilters = { type: type.value, subject: subject.value, since: since.value, until: until.value };
      refresh({ keepMessages: true });
    });
    const body = h('tbody', {});
    const list = h('div', { class: 'table-wrap' }, h('table', { id: 'events-table' },
      h('caption', {}, t('events.caption')),
      h('thead', {}, h('tr', {}, [t('events.when'), t('events.type'), t('events.about'), t('events.details')].map((label) => h('th', { scope: 'col' }, label)))),
      body));
    const more = h('button', { type: 'button', class: 'button secondary', id: 'events-more', 'data-action': 'more-events' }, t('events.more'));
    const addPage = (answer) => {
      body.append(...answer.data.map(eventRow));
      const next = answer.links && answer.links.next;
      more.hidden = !next;
      more.dataset.next = next || '';
    };
    more.addEventListener('click', async () => {
      const answer = await perform(more, () => api('GET', more.dataset.next));
      if (answer) addPage(answer);
    });
    addPage(page);
    return [pageHeader(t('events.title'), () => refresh()), h('p', { class: 'intro' }, t('events.intro')), form,
      page.data.length ? [list, more] : h('p', { class: 'empty', id: 'no-events' }, t('events.none'))];
  }

  function eventRow(event) {
    const attributes = event.attributes;
    return h('tr', { dataset: { eventType: attributes.type } },
      h('th', { scope: 'row' }, h('time', { datetime: attributes.time }, dateTime(attributes.time))),
      h('td', {}, eventName(attributes.type), h('br'), h('code', { class: 'muted' }, attributes.type)),
      h('td', {}, attributes.subject ? h('code', {}, attributes.subject) : t('app.none')),
      h('td', {}, h('details', {}, h('summary', {}, t('events.showData')), h('pre', { class: 'event-data' }, JSON.stringify(attributes.data, null, 2)))));
  }

  // ---------------------------------------------------------------- screen: Account (details and notification preferences)

  /** Keeps the account the API answered as the current one (the picker's list too), so dates use its current time zone. */
  function rememberAccount(account) {
    state.account = account;
    if (state.accounts) {
      const index = state.accounts.findIndex((item) => item.id === account.id);
      if (index >= 0) state.accounts[index] = account;
    }
  }

  async function loadAccount() {
    const account = (await api('GET', `/billing-accounts/${encodeURIComponent(accountId())}`)).data;
    rememberAccount(account);
    return { account };
  }

  function accountTone(status) {
    return { ACTIVE: 'ok', SUSPENDED: 'warn', CLOSED: 'muted' }[status] || 'muted';
  }

  function drawAccount({ account }) {
    const attributes = account.attributes;
    return [pageHeader(t('accountScreen.title'), () => refresh()),
      section('account-details', attributes.name, descriptionList([
        [t('accountScreen.email'), attributes.email, 'account-email'],
        [t('accountScreen.status'), badge(t('accountScreen.state.' + attributes.status), accountTone(attributes.status), 'account-status')],
        attributes.statusReason ? [t('accountScreen.statusReason'), attributes.statusReason, 'account-status-reason'] : null,
        [t('accountScreen.currency'), attributes.currency, 'account-currency'],
        [t('accountScreen.taxId'), attributes.taxId ? attributes.taxId + (attributes.taxIdType ? ' (' + attributes.taxIdType + ')' : '') : t('app.none'), 'account-tax-id'],
        [t('accountScreen.timezone'), attributes.timezone, 'account-timezone'],
        [t('accountScreen.createdAt'), dateTime(attributes.createdAt), 'account-created'],
      ])),
      notificationsSection(account)];
  }

  function notificationName(type) {
    return hasText('notification.' + type) ? t('notification.' + type) : type;
  }

  /**
   * The account's e-mails (issue 25): their language, who receives which (no contacts: the account's own e-mail receives every
   * type) and the types nobody receives. Saved with one PATCH that replaces `contacts` and `notificationOptOuts` wholesale.
   */
  function notificationsSection(account) {
    const attributes = account.attributes;
    const contacts = Array.isArray(attributes.contacts) ? attributes.contacts : [];
    const optOuts = Array.isArray(attributes.notificationOptOuts) ? attributes.notificationOptOuts : [];
    const editable = can('BILLING_ACCOUNTS_UPDATE') && !customerAccount() && attributes.status !== 'CLOSED';
    const errors = h('div', { class: 'errors', role: 'alert', id: 'notifications-errors' });

    const language = selectControl(EMAIL_LOCALES.map((value) => ({ value, label: t('notifications.locale.' + value) })),
      attributes.locale || (attributes.currency === 'BRL' ? 'pt-BR' : 'en'),
      { id: 'notification-locale', name: 'locale', dataset: { pointer: '/data/attributes/locale', fieldName: t('notifications.locale') } });

    const list = h('ol', { class: 'contacts', id: 'contacts-list' });
    const defaultRecipient = h('p', { class: 'notice notice-info', id: 'contacts-default' },
      t('notifications.defaultRecipient', { email: attributes.email }));
    const full = h('p', { class: 'hint', id: 'contacts-full' });
    const add = h('button', { type: 'button', class: 'button secondary', 'data-action': 'add-contact' }, t('notifications.addContact'));
    const sync = () => {
      const rows = Array.from(list.children);
      rows.forEach((row, index) => numberContact(row, index));
      defaultRecipient.hidden = rows.length > 0;
      add.disabled = !editable || rows.length >= MAX_CONTACTS;
      full.textContent = rows.length >= MAX_CONTACTS ? t('notifications.contactsFull', { max: MAX_CONTACTS }) : '';
    };
    add.addEventListener('click', () => {
      if (list.children.length >= MAX_CONTACTS) return;
      const row = contactRow({ email: '', name: '', notifications: [] }, () => sync());
      list.append(row);
      sync();
      row.querySelector('input[name="email"]').focus();
    });
    contacts.forEach((contact) => list.append(contactRow(contact, () => sync())));

    const optOutGroup = h('fieldset', { class: 'check-group', id: 'notification-opt-outs', dataset: { pointer: '/data/attributes/notificationOptOuts', fieldName: t('notifications.optOuts') } },
      h('legend', {}, t('notifications.optOuts')),
      h('p', { class: 'hint' }, t('notifications.optOutsHint')),
      h('div', { class: 'check-grid' }, NOTIFICATION_TYPES.map((type) =>
        checkbox(notificationName(type), { name: 'optOut', value: type, id: 'opt-out-' + type, checked: optOuts.includes(type) }))));

    const save = h('button', { type: 'submit', class: 'button', 'data-action': 'save-notifications' }, t('notifications.save'));
    const form = h('form', { class: 'form', id: 'notifications-form', novalidate: true },
      field(t('notifications.locale'), language, t('notifications.localeHint')),
      h('fieldset', { class: 'contacts-group', id: 'contacts', dataset: { pointer: '/data/attributes/contacts', fieldName: t('notifications.contacts') } },
        h('legend', {}, t('notifications.contacts')),
        h('p', { class: 'hint' }, t('notifications.contactsHint', { max: MAX_CONTACTS })),
        defaultRecipient, list, editable ? h('div', { class: 'actions' }, add) : null, full),
      optOutGroup,
      editable ? h('div', { class: 'actions' }, save) : h('p', { class: 'hint', id: 'notifications-read-only' }, t('notifications.readOnly')));
    sync();
    if (!editable) form.querySelectorAll('input, select, button').forEach((control) => { control.disabled = true; });

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!editable) return;
      const answer = await submitForm(save, form, errors, () => {
        const changes = {
          locale: language.value,
          contacts: Array.from(list.children).map(contactOf),
          notificationOptOuts: Array.from(form.querySelectorAll('input[name="optOut"]:checked'), (input) => input.value),
        };
        return api('PATCH', `/billing-accounts/${encodeURIComponent(account.id)}`, { body: documentOf('billing-accounts', changes) });
      });
      if (!answer) return;
      rememberAccount(answer.data);
      announce(t('notifications.saved'));
      await refresh({ keepMessages: true });
      const heading = $('#notifications-title');
      if (heading) heading.focus();
    });

    const heading = h('h2', { id: 'notifications-title', tabindex: '-1' }, t('notifications.title'));
    return h('section', { class: 'card', id: 'notifications', 'aria-labelledby': 'notifications-title' },
      heading, h('p', { class: 'intro' }, t('notifications.intro')), errors, form);
  }

  /** One contact of the editor: e-mail, name, and every type or the chosen ones. Its number and pointers are set by `numberContact`. */
  function contactRow(contact, onRemove) {
    const base = uid('contact');
    const chosen = Array.isArray(contact.notifications) ? contact.notifications : [];
    const email = h('input', { type: 'email', name: 'email', id: base + '-email', value: contact.email || '', autocomplete: 'off', spellcheck: 'false', maxlength: 254 });
    const name = h('input', { type: 'text', name: 'name', id: base + '-name', value: contact.name || '', autocomplete: 'off', maxlength: 200 });
    const types = h('fieldset', { class: 'check-group contact-types', dataset: { role: 'types' } },
      h('legend', {}, t('notifications.chosenTypes')),
      h('div', { class: 'check-grid' }, NOTIFICATION_TYPES.map((type) =>
        checkbox(notificationName(type), { name: base + '-type', value: type, dataset: { type }, checked: chosen.includes(type) }))));
    const modes = h('fieldset', { class: 'radio-group' }, h('legend', {}, t('notifications.receives')),
      [['all', t('notifications.allTypes')], ['chosen', t('notifications.onlyChosen')]].map(([value, label]) => {
        const id = base + '-mode-' + value;
        return h('div', { class: 'radio' },
          h('input', { type: 'radio', name: base + '-mode', id, value, dataset: { mode: value }, checked: (value === 'chosen') === (chosen.length > 0) }),
          h('label', { for: id }, label));
      }));
    const showTypes = () => { types.hidden = !modes.querySelector('input[data-mode="chosen"]').checked; };
    modes.addEventListener('change', showTypes);
    showTypes();
    const remove = h('button', { type: 'button', class: 'button secondary', 'data-action': 'remove-contact' });
    const row = h('li', { class: 'contact' },
      h('fieldset', { class: 'contact-fields' }, h('legend', {}),
        h('div', { class: 'contact-line' }, field(t('notifications.email'), email), field(t('notifications.name'), name)),
        modes, types, h('div', { class: 'actions' }, remove)));
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      onRemove();
      const target = next ? next.querySelector('input[name="email"]') : document.querySelector('[data-action="add-contact"]');
      if (target) target.focus();
    });
    return row;
  }

  /** Numbers a contact (legend, the remove button's name) and points its fields at `contacts[index]` for the API's errors. */
  function numberContact(row, index) {
    const label = t('notifications.contact', { number: index + 1 });
    const pointer = '/data/attributes/contacts/' + index;
    const fields = row.querySelector('.contact-fields');
    row.dataset.index = String(index);
    fields.querySelector('legend').textContent = label;
    fields.dataset.pointer = pointer;
    fields.dataset.fieldName = label;
    const email = row.querySelector('input[name="email"]');
    email.dataset.pointer = pointer + '/email';
    email.dataset.fieldName = label + ' · ' + t('notifications.email');
    const name = row.querySelector('input[name="name"]');
    name.dataset.pointer = pointer + '/name';
    name.dataset.fieldName = label + ' · ' + t('notifications.name');
    const types = row.querySelector('[data-role="types"]');
    types.dataset.pointer = pointer + '/notifications';
    types.dataset.fieldName = label + ' · ' + t('notifications.chosenTypes');
    const [before, after] = t('notifications.removeContact', { name: '\u0000' }).split('\u0000');
    row.querySelector('[data-action="remove-contact"]').replaceChildren(before.trim(), h('span', { class: 'visually-hidden' }, ' ' + label.toLowerCase() + ' '), (after || '').trim());
  }

  /** The contact as the API takes it; throws a FieldError when "only the chosen types" has none chosen. */
  function contactOf(row) {
    const index = Number(row.dataset.index);
    const contact = { email: row.querySelector('input[name="email"]').value.trim() };
    const name = row.querySelector('input[name="name"]').value.trim();
    if (name) contact.name = name;
    const onlyChosen = row.querySelector('input[data-mode="chosen"]').checked;
    const types = Array.from(row.querySelectorAll('input[data-type]:checked'), (input) => input.value);
    if (onlyChosen && !types.length) {
      throw new FieldError(t('notifications.typesMissing', { number: index + 1 }), '/data/attributes/contacts/' + index + '/notifications');
    }
    contact.notifications = onlyChosen ? types : [];
    return contact;
  }

  // ---------------------------------------------------------------- screen: Webhooks (the tenant's endpoints and their deliveries)

  const ATTEMPT_POLL_MS = 2000;
  const ATTEMPT_POLL_TIMEOUT_MS = 2 * 60 * 1000;

  async function loadAttempts(endpointId) {
    return (await api('GET', `/webhook-endpoints/${encodeURIComponent(endpointId)}/attempts` + query({ 'page[size]': 50 }))).data;
  }

  async function loadWebhooks() {
    const endpoints = (await api('GET', '/webhook-endpoints')).data;
    const chosen = endpoints.find((item) => item.id === state.webhookId) || endpoints[0] || null;
    state.webhookId = chosen ? chosen.id : null;
    const attempts = chosen ? await loadAttempts(chosen.id) : [];
    return { endpoints, chosen, attempts };
  }

  function drawWebhooks({ endpoints, chosen, attempts }) {
    return [pageHeader(t('webhooks.title'), () => refresh()), h('p', { class: 'intro' }, t('webhooks.intro')),
      section('webhook-endpoints', t('webhooks.endpoints'), table({
        id: 'webhooks-table', empty: t('webhooks.none'), caption: t('webhooks.endpoints'), hideCaption: true,
        columns: [{ label: t('webhooks.url') }, { label: t('webhooks.eventTypes') }, { label: t('webhooks.state') }, { label: t('webhooks.description') },
          { label: t('webhooks.actions') }],
        rows: endpoints.map((endpoint) => endpointRow(endpoint, chosen)),
      })),
      chosen ? endpointDetail(chosen, attempts) : null,
      can('WEBHOOKS_CREATE') ? createWebhookSection() : null];
  }

  function eventTypesText(types) {
    return types.length ? types.map(eventName).join(', ') : t('webhooks.allTypes');
  }

  function endpointState(endpoint) {
    return [badge(endpoint.enabled ? t('webhooks.enabledState') : t('webhooks.disabledState'), endpoint.enabled ? 'ok' : 'danger'),
      !endpoint.enabled && endpoint.disabledReason ? h('p', { class: 'hint disabled-reason' }, t('webhooks.disabledReason', { reason: endpoint.disabledReason })) : null];
  }

  function endpointRow(endpoint, chosen) {
    const attributes = endpoint.attributes;
    const selected = chosen && chosen.id === endpoint.id;
    return {
      attributes: { class: selected ? 'selected' : null, dataset: { endpointId: endpoint.id, enabled: String(attributes.enabled) } },
      cells: [h('code', {}, attributes.url), eventTypesText(attributes.eventTypes), endpointState(attributes), attributes.description || t('app.none'),
        selected ? h('span', { class: 'muted' }, t('webhooks.shownBelow'))
          : namedButton('webhooks.manage', attributes.url, {
            class: 'button secondary', 'data-action': 'manage-webhook',
            onclick: async () => {
              state.webhookId = endpoint.id;
              await refresh({ keepMessages: true });
              const heading = $('#webhook-detail-title');
              if (heading) heading.focus();
            },
          })],
    };
  }

  /** The chosen endpoint: its facts, what can be done with it and its latest delivery attempts. */
  function endpointDetail(endpoint, attempts) {
    const attributes = endpoint.attributes;
    const holder = h('div', { id: 'webhook-attempts' });
    const showAttempts = (list) => holder.replaceChildren(attemptsTable(endpoint, list, watch));
    const watch = (until) => {
      stopPollers();
      poll(async () => {
        if (!document.body.contains(holder)) return true;
        const list = await loadAttempts(endpoint.id);
        if (!document.body.contains(holder)) return true;
        showAttempts(list);
        return until(list);
      }, { interval: ATTEMPT_POLL_MS, timeout: ATTEMPT_POLL_TIMEOUT_MS, onTimeout: () => announce(t('webhooks.stillWaiting')) });
    };
    showAttempts(attempts);
    const action = (name, key, handler, tone) => h('button', { type: 'button', class: 'button' + (tone ? ' ' + tone : ''), 'data-action': name, onclick: handler }, t(key));
    const buttons = [];
    if (can('WEBHOOKS_UPDATE')) {
      buttons.push(
        action('test-webhook', 'webhooks.sendTest', (event) => sendTest(event.currentTarget, endpoint, watch)),
        action('edit-webhook', 'webhooks.edit', () => openEditWebhook(endpoint), 'secondary'),
        attributes.enabled
          ? action('disable-webhook', 'webhooks.disable', (event) => setEnabled(event.currentTarget, endpoint, false), 'secondary')
          : action('enable-webhook', 'webhooks.enable', (event) => setEnabled(event.currentTarget, endpoint, true), 'secondary'),
        action('rotate-webhook-secret', 'webhooks.rotate', () => openRotateSecret(endpoint), 'secondary'));
    }
    if (can('WEBHOOKS_DELETE')) buttons.push(action('delete-webhook', 'webhooks.delete', () => openDeleteWebhook(endpoint), 'danger'));
    const refreshAttempts = h('button', { type: 'button', class: 'button secondary', 'data-action': 'refresh-attempts' }, t('webhooks.refreshAttempts'));
    refreshAttempts.addEventListener('click', async () => {
      const list = await perform(refreshAttempts, () => loadAttempts(endpoint.id));
      if (list) {
        showAttempts(list);
        announce(t('webhooks.attemptsUpdated'));
      }
    });
    return h('section', { class: 'card', id: 'webhook-detail', 'aria-labelledby': 'webhook-detail-title', dataset: { endpointId: endpoint.id } },
      h('h2', { id: 'webhook-detail-title', tabindex: '-1' }, t('webhooks.detail', { url: attributes.url })),
      descriptionList([
        [t('webhooks.url'), h('code', {}, attributes.url), 'webhook-detail-url'],
        [t('webhooks.eventTypes'), eventTypesText(attributes.eventTypes), 'webhook-detail-types'],
        [t('webhooks.state'), endpointState(attributes), 'webhook-detail-state'],
        [t('webhooks.description'), attributes.description || t('app.none'), 'webhook-detail-description'],
        [t('webhooks.createdAt'), dateTime(attributes.createdAt), 'webhook-detail-created'],
        [t('webhooks.updatedAt'), dateTime(attributes.updatedAt), 'webhook-detail-updated'],
      ]),
      buttons.length ? h('div', { class: 'actions' }, buttons) : null,
      h('div', { class: 'subheader' }, h('h3', { id: 'webhook-attempts-title' }, t('webhooks.attempts')), refreshAttempts),
      h('p', { class: 'hint' }, t('webhooks.attemptsHint')),
      holder);
  }

  function attemptsTable(endpoint, attempts, watch) {
    const seen = new Set();
    return table({
      id: 'webhook-attempts-table', empty: t('webhooks.noAttempts'), caption: t('webhooks.attempts'), hideCaption: true,
      columns: [{ label: t('webhooks.attempt.time') }, { label: t('webhooks.attempt.event') }, { label: t('webhooks.attempt.status'), numeric: true },
        { label: t('webhooks.attempt.latency'), numeric: true }, { label: t('webhooks.attempt.outcome') }, { label: t('webhooks.attempt.answer') },
        { label: t('webhooks.actions') }],
      rows: attempts.map((item) => {
        const attempt = item.attributes;
        const newest = !seen.has(attempt.messageId); // newest first: one Redeliver per message
        seen.add(attempt.messageId);
        const succeeded = attempt.outcome === 'SUCCEEDED';
        return {
          attributes: { dataset: { messageId: attempt.messageId, outcome: attempt.outcome, status: attempt.status === undefined || attempt.status === null ? '' : String(attempt.status) } },
          cells: [h('time', { datetime: attempt.attemptedAt }, dateTime(attempt.attemptedAt)),
            [eventName(attempt.eventType), h('br'), h('code', { class: 'muted' }, attempt.messageId)],
            attempt.status === undefined || attempt.status === null ? t('app.none') : String(attempt.status),
            t('webhooks.attempt.ms', { ms: number(attempt.latencyMs, 0) }),
            badge(hasText('webhooks.outcome.' + attempt.outcome) ? t('webhooks.outcome.' + attempt.outcome) : attempt.outcome, succeeded ? 'ok' : 'danger'),
            attemptAnswer(attempt),
            newest && can('WEBHOOKS_UPDATE')
              ? namedButton('webhooks.redeliver', attempt.messageId, { class: 'button secondary', 'data-action': 'redeliver-webhook', onclick: (event) => redeliver(event.currentTarget, endpoint, attempt, attempts, watch) })
              : t('app.none')],
        };
      }),
    });
  }

  function attemptAnswer(attempt) {
    const parts = [];
    if (attempt.error) parts.push(h('p', { class: 'attempt-error' }, attempt.error));
    if (attempt.response) parts.push(h('details', {}, h('summary', {}, t('webhooks.attempt.showAnswer')), h('pre', { class: 'event-data' }, attempt.response)));
    return parts.length ? parts : t('app.none');
  }

  async function sendTest(button, endpoint, watch) {
    const answer = await perform(button, () => api('POST', `/webhook-endpoints/${encodeURIComponent(endpoint.id)}/test`));
    if (!answer) return;
    const messageId = answer.data.attributes.messageId;
    announce(t('webhooks.testQueued', { id: messageId }));
    watch((list) => list.some((item) => item.attributes.messageId === messageId));
  }

  async function redeliver(button, endpoint, attempt, attempts, watch) {
    const before = attempts.filter((item) => item.attributes.messageId === attempt.messageId).length;
    const answer = await perform(button, () => api('POST',
      `/webhook-endpoints/${encodeURIComponent(endpoint.id)}/messages/${encodeURIComponent(attempt.messageId)}/redeliver`));
    if (!answer) return;
    announce(t('webhooks.redelivered', { id: attempt.messageId }));
    watch((list) => list.filter((item) => item.attributes.messageId === attempt.messageId).length > before);
  }

  async function setEnabled(button, endpoint, enabled) {
    const answer = await perform(button, () => api('PATCH', `/webhook-endpoints/${encodeURIComponent(endpoint.id)}`, {
      body: documentOf('webhook-endpoints', { enabled }),
    }));
    if (!answer) return;
    announce(t(enabled ? 'webhooks.enabledDone' : 'webhooks.disabledDone', { url: endpoint.attributes.url }));
    refresh({ focus: true, keepMessages: true });
  }

  /**
   * The endpoint form (new or edit): URL, description, every event type or the chosen ones, enabled. `onSubmit(attributes,
   * button)` sends it; errors go next to the fields.
   */
  function webhookForm({ prefix, endpoint, submitKey, action, errors, onSubmit }) {
    const current = endpoint ? endpoint.attributes : { url: '', description: '', eventTypes: [], enabled: true };
    const url = h('input', { type: 'url', name: 'url', id: prefix + '-url', value: current.url, autocomplete: 'off', spellcheck: 'false', required: true,
      maxlength: 2000, dataset: { pointer: '/data/attributes/url', fieldName: t('webhooks.url') } });
    const description = h('input', { type: 'text', name: 'description', id: prefix + '-description', value: current.description || '', maxlength: 200,
      dataset: { pointer: '/data/attributes/description', fieldName: t('webhooks.description') } });
    const known = EVENT_TYPES.concat(current.eventTypes.filter((type) => !EVENT_TYPES.includes(type)));
    const types = h('fieldset', { class: 'check-group', id: prefix + '-types', dataset: { pointer: '/data/attributes/eventTypes', fieldName: t('webhooks.chosenTypes') } },
      h('legend', {}, t('webhooks.chosenTypes')),
      h('div', { class: 'check-grid wide' }, known.map((type, index) => checkbox([eventName(type), ' ', h('code', { class: 'muted' }, type)],
        { name: 'eventType', value: type, id: prefix + '-type-' + index, checked: current.eventTypes.includes(type) }))));
    const modes = radioGroup(t('webhooks.whichEvents'), 'typesMode', [
      { value: 'all', label: t('webhooks.allTypesOption') },
      { value: 'chosen', label: t('webhooks.chosenTypesOption') },
    ], current.eventTypes.length ? 'chosen' : 'all');
    modes.id = prefix + '-modes';
    const showTypes = () => { types.hidden = form.elements.typesMode.value !== 'chosen'; };
    modes.addEventListener('change', showTypes);
    const enabled = checkbox(t('webhooks.enabled'), { name: 'enabled', id: prefix + '-enabled', checked: current.enabled,
      dataset: { pointer: '/data/attributes/enabled', fieldName: t('webhooks.enabled') } });
    const submit = h('button', { type: 'submit', class: 'button', 'data-action': action }, t(submitKey));
    const form = h('form', { class: 'form', id: prefix + '-form', novalidate: true },
      field(t('webhooks.url'), url, t('webhooks.urlHint')), field(t('webhooks.description'), description),
      modes, types, enabled, h('div', { class: 'actions' }, submit));
    showTypes();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      await submitForm(submit, form, errors, () => {
        const chosen = form.elements.typesMode.value === 'chosen';
        const eventTypes = chosen ? Array.from(form.querySelectorAll('input[name="eventType"]:checked'), (input) => input.value) : [];
        if (chosen && !eventTypes.length) throw new FieldError(t('webhooks.typesMissing'), '/data/attributes/eventTypes');
        if (!url.value.trim()) throw new FieldError(t('webhooks.urlMissing'), '/data/attributes/url');
        return onSubmit({ url: url.value.trim(), description: description.value.trim(), eventTypes, enabled: form.elements.enabled.checked }, submit);
      });
    });
    return form;
  }

  function createWebhookSection() {
    const errors = h('div', { class: 'errors', role: 'alert', id: 'webhook-create-errors' });
    const form = webhookForm({
      prefix: 'new-webhook', submitKey: 'webhooks.create', action: 'create-webhook', errors,
      onSubmit: async (attributes) => {
        if (!attributes.description) delete attributes.description;
        const answer = await api('POST', '/webhook-endpoints', { body: documentOf('webhook-endpoints', attributes) });
        const created = answer.data;
        state.webhookId = created.id;
        announce(t('webhooks.created', { url: created.attributes.url }));
        await refresh({ keepMessages: true });
        openSecret(t('webhooks.secretTitle'), created);
        return answer;
      },
    });
    return h('section', { class: 'card', id: 'webhook-create', 'aria-labelledby': 'webhook-create-title' },
      h('h2', { id: 'webhook-create-title' }, t('webhooks.new')), h('p', { class: 'hint' }, t('webhooks.newHint')), errors, form);
  }

  /** The signing secret, shown once (after creation or a rotation) with a copy button and a warning. */
  function secretPanel(handle, endpoint) {
    handle.body.replaceChildren(h('div', { class: 'secret-panel', id: 'webhook-secret-panel', dataset: { endpointId: endpoint.id } },
      h('p', { class: 'notice notice-warn', id: 'webhook-secret-warning' }, h('strong', {}, t('webhooks.secretOnce'))),
      h('p', {}, t('webhooks.secretFor', { url: endpoint.attributes.url })),
      copyBox({ id: 'webhook-secret', label: t('webhooks.secret'), value: endpoint.attributes.secret || '', copyKey: 'webhooks.copySecret',
        copiedKey: 'webhooks.secretCopied', manualKey: 'webhooks.secretCopyManually' }),
      h('p', { class: 'hint' }, t('webhooks.secretUse'))));
  }

  function openSecret(title, endpoint) {
    openDialog(title, (handle) => secretPanel(handle, endpoint));
  }

  function openEditWebhook(endpoint) {
    openDialog(t('webhooks.editTitle', { url: endpoint.attributes.url }), (handle) => {
      handle.body.append(webhookForm({
        prefix: 'edit-webhook', endpoint, submitKey: 'webhooks.save', action: 'save-webhook', errors: handle.errors,
        onSubmit: async (attributes) => {
          const answer = await api('PATCH', `/webhook-endpoints/${encodeURIComponent(endpoint.id)}`, { body: documentOf('webhook-endpoints', attributes) });
          handle.close();
          announce(t('webhooks.saved', { url: answer.data.attributes.url }));
          refresh({ focus: true, keepMessages: true });
          return answer;
        },
      }));
    });
  }

  function openRotateSecret(endpoint) {
    openDialog(t('webhooks.rotateTitle'), (handle) => {
      const confirm = h('button', { type: 'button', class: 'button', 'data-action': 'confirm-rotate' }, t('webhooks.rotateConfirm'));
      confirm.addEventListener('click', async () => {
        const answer = await perform(confirm, () => api('POST', `/webhook-endpoints/${encodeURIComponent(endpoint.id)}/rotate-secret`), handle.errors);
        if (!answer) return;
        secretPanel(handle, answer.data);
        handle.dialog.querySelector('#webhook-secret').focus();
        announce(t('webhooks.rotated'));
      });
      handle.body.append(h('p', {}, t('webhooks.rotateText', { url: endpoint.attributes.url })), h('div', { class: 'actions' }, confirm));
    });
  }

  function openDeleteWebhook(endpoint) {
    openDialog(t('webhooks.deleteTitle'), (handle) => {
      const confirm = h('button', { type: 'button', class: 'button danger', 'data-action': 'confirm-delete-webhook' }, t('webhooks.deleteConfirm'));
      confirm.addEventListener('click', async () => {
        // Its attempts are no longer polled: a poll after the delete would read an endpoint that is gone (404).
        stopPollers();
        const answer = await perform(confirm, () => api('DELETE', `/webhook-endpoints/${encodeURIComponent(endpoint.id)}`), handle.errors);
        if (!answer) return;
        handle.close();
        state.webhookId = null;
        announce(t('webhooks.deleted', { url: endpoint.attributes.url }));
        refresh({ focus: true, keepMessages: true });
      });
      handle.body.append(h('p', {}, t('webhooks.deleteText', { url: endpoint.attributes.url })), h('div', { class: 'actions' }, confirm));
    });
  }

  // ---------------------------------------------------------------- sign-in and access

  function drawSignIn(problem) {
    const input = h('textarea', { name: 'token', rows: 5, autocomplete: 'off', spellcheck: 'false', required: true, class: 'token-input' });
    const form = h('form', { class: 'form card', id: 'signin-form', novalidate: true },
      field(t('signin.token'), input, t('signin.tokenHint')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', 'data-action': 'sign-in' }, t('signin.submit'))));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      signIn(input.value.trim());
    });
    $('#view').replaceChildren(h('div', { class: 'page-header' }, h('h1', { id: 'page-title', tabindex: '-1' }, t('signin.title'))),
      h('p', { class: 'intro' }, t('signin.intro')), form);
    if (problem) showError(new UserError(problem));
  }

  function signIn(token) {
    const claims = decodeClaims(token);
    const problem = tokenProblem(claims);
    if (problem) {
      showError(new UserError(problem));
      return;
    }
    state.token = token;
    state.claims = claims;
    state.accounts = null;
    state.account = null;
    state.subscriptionId = null;
    sessionStorage.setItem(STORAGE.token, token);
    clearMessages();
    if (currentScreenId() && currentScreenId() !== 'signin') route();
    else location.hash = '#/billing';
  }

  function signOut(message) {
    stopPollers();
    sessionStorage.removeItem(STORAGE.token);
    sessionStorage.removeItem(STORAGE.account);
    Object.assign(state, { token: null, claims: null, accounts: null, account: null, subscriptionId: null });
    document.querySelectorAll('dialog').forEach((dialog) => dialog.close());
    if (location.hash !== '#/signin') history.replaceState(null, '', '#/signin');
    route().then(() => {
      if (message) showError(new UserError(message));
      else announce(t('signin.signedOut'));
    });
  }

  function drawNoAccess() {
    $('#view').replaceChildren(h('div', { class: 'page-header' }, h('h1', { id: 'page-title', tabindex: '-1' }, t('access.title'))),
      h('p', { class: 'notice notice-danger', id: 'access-denied' }, t('access.denied', { roles: roles().length ? roles().join(', ') : t('app.none') })));
  }

  // ---------------------------------------------------------------- accounts

  async function loadAccounts() {
    const own = customerAccount();
    if (own) {
      // A customer sees its own account only (listing accounts is the operators').
      state.accounts = [(await api('GET', `/billing-accounts/${encodeURIComponent(own)}`)).data];
      state.account = state.accounts[0];
      drawAccountPicker();
      return;
    }
    const accounts = await listAll('/billing-accounts' + query({ 'page[size]': 100 }), 10);
    state.accounts = accounts;
    const saved = sessionStorage.getItem(STORAGE.account);
    state.account = accounts.find((account) => account.id === saved)
      || accounts.find((account) => account.attributes.status === 'ACTIVE') || accounts[0] || null;
    drawAccountPicker();
  }

  function drawAccountPicker() {
    const picker = $('#account-picker');
    const select = $('#account-select');
    if (!state.accounts || !state.accounts.length || customerAccount()) {
      picker.hidden = true;
      return;
    }
    select.replaceChildren(...state.accounts.map((account) => {
      const attributes = account.attributes;
      const status = attributes.status === 'ACTIVE' ? '' : ' (' + t('account.status.' + attributes.status) + ')';
      return h('option', { value: account.id, selected: state.account && account.id === state.account.id }, attributes.name + status);
    }));
    picker.hidden = false;
  }

  function chooseAccount(id) {
    state.account = state.accounts.find((account) => account.id === id) || null;
    state.subscriptionId = null;
    if (state.account) sessionStorage.setItem(STORAGE.account, state.account.id);
    clearMessages();
    route();
  }

  // ---------------------------------------------------------------- screen: Reports (operators: MRR and its movements)

  /** The last twelve calendar months (UTC), `YYYY-MM`. */
  function reportMonths() {
    const now = new Date();
    const months = [];
    for (let back = 11; back >= 0; back -= 1) {
      const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
      months.push(date.toISOString().slice(0, 7));
    }
    return months;
  }

  async function loadReports() {
    const months = reportMonths();
    return api('GET', `/api/v1/reports/revenue?filter%5Bfrom%5D=${months[0]}&filter%5Bto%5D=${months[months.length - 1]}`);
  }

  /** Per currency: MRR as a line, its movements (new and reactivation, expansion, contraction, churn) as columns, and the table. */
  function drawReports(report) {
    const rows = report.data.map((item) => item.attributes);
    const currencies = [...new Set(rows.map((row) => row.currency))].sort();
    const months = reportMonths();
    const sections = currencies.map((currency) => {
      const byMonth = new Map(rows.filter((row) => row.currency === currency).map((row) => [row.month, row]));
      const pick = (field) => months.map((month) => Number(byMonth.has(month) ? byMonth.get(month)[field] : 0));
      const format = (value) => money(value, currency);
      const mrrSeries = [{ name: t('reports.mrr'), values: pick('mrr'), className: 'series-input' }];
      const newAndBack = months.map((month, index) => pick('newMrr')[index] + pick('reactivationMrr')[index]);
      const movementSeries = [
        { name: t('reports.new'), values: newAndBack, className: 'series-new' },
        { name: t('reports.expansion'), values: pick('expansionMrr'), className: 'series-expansion' },
        { name: t('reports.contraction'), values: pick('contractionMrr'), className: 'series-contraction' },
        { name: t('reports.churned'), values: pick('churnedMrr'), className: 'series-churn' },
      ];
      const dataTable = table({
        caption: t('reports.tableCaption', { currency }), empty: t('chart.empty'), id: 'reports-table-' + currency,
        columns: [{ label: t('reports.month') }, { label: t('reports.mrr'), numeric: true }, { label: t('reports.new'), numeric: true },
          { label: t('reports.expansion'), numeric: true }, { label: t('reports.contraction'), numeric: true },
          { label: t('reports.churned'), numeric: true }, { label: t('reports.accounts'), numeric: true }, { label: t('reports.arpa'), numeric: true },
          { label: t('reports.logoChurn'), numeric: true }],
        rows: months.filter((month) => byMonth.has(month)).map((month) => {
          const row = byMonth.get(month);
          return { cells: [month, format(row.mrr), format(Number(row.newMrr) + Number(row.reactivationMrr)), format(row.expansionMrr),
            format(row.contractionMrr), format(row.churnedMrr), number(row.activeAccounts, 0), format(row.arpa),
            row.logoChurnRate === undefined || row.logoChurnRate === null ? t('app.none') : number(row.logoChurnRate, 2) + ' %'] };
        }),
      });
      return h('section', { id: 'reports-' + currency },
        h('h2', {}, t('reports.currency', { currency })),
        h('div', { class: 'charts' },
          chartFigure({ id: 'chart-mrr-' + currency, title: t('reports.mrrTitle', { currency }), chart: lineChart(months, mrrSeries, format), series: mrrSeries }),
          chartFigure({ id: 'chart-movements-' + currency, title: t('reports.movementsTitle', { currency }), chart: columnChart(months, movementSeries, format),
            series: movementSeries, dataTable })));
    });
    return [pageHeader(t('reports.title'), () => refresh()), h('p', { class: 'intro' }, t('reports.intro')),
      sections.length ? sections : h('p', { class: 'empty', id: 'no-reports' }, t('reports.none'))];
  }

  // ---------------------------------------------------------------- navigation

  /** Screens whose permission customer tokens never hold (the audit trail is the tenant's operators'). */
  const OPERATOR_ONLY_SCREENS = ['BILLING_EVENTS_READ', 'WEBHOOKS_READ', 'REPORTS_READ'];

  const SCREENS = [
    { id: 'billing', titleKey: 'nav.billing', permission: 'SUBSCRIPTIONS_READ', load: loadBilling, draw: drawBilling },
    { id: 'addons', titleKey: 'nav.addons', permission: 'ADDONS_READ', load: loadAddons, draw: drawAddons },
    { id: 'credits', titleKey: 'nav.credits', permission: 'CREDITS_READ', load: loadCredits, draw: drawCredits },
    { id: 'usage', titleKey: 'nav.usage', permission: 'USAGE_EVENTS_READ', load: loadUsage, draw: drawUsage },
    { id: 'invoices', titleKey: 'nav.invoices', permission: 'INVOICES_READ', load: loadInvoices, draw: drawInvoices },
    { id: 'events', titleKey: 'nav.events', permission: 'BILLING_EVENTS_READ', load: loadEvents, draw: drawEvents },
    { id: 'account', titleKey: 'nav.account', permission: 'BILLING_ACCOUNTS_READ', load: loadAccount, draw: drawAccount },
    // The tenant's, not an account's: no account is needed (nor the picker shown).
    { id: 'webhooks', titleKey: 'nav.webhooks', permission: 'WEBHOOKS_READ', load: loadWebhooks, draw: drawWebhooks, tenantWide: true },
    { id: 'reports', titleKey: 'nav.reports', permission: 'REPORTS_READ', load: loadReports, draw: drawReports, tenantWide: true },
  ];

  function currentScreenId() {
    const match = location.hash.match(/^#\/([a-z]+)/);
    return match ? match[1] : null;
  }

  function drawChrome(activeId) {
    const signedIn = Boolean(state.token);
    $('#sign-out').hidden = !signedIn;
    if (!signedIn || !state.accounts) $('#account-picker').hidden = true;
    const visible = signedIn ? SCREENS.filter((screen) => can(screen.permission)) : [];
    $('#sections').hidden = !visible.length;
    $('#section-links').replaceChildren(...visible.map((screen) => h('li', {},
      h('a', { href: '#/' + screen.id, 'aria-current': screen.id === activeId ? 'page' : null, id: 'nav-' + screen.id }, t(screen.titleKey)))));
    $('#footer').textContent = signedIn ? t('app.signedInAs', { tenant: state.claims.organizationId, subject: state.claims.sub || t('app.none') }) : '';
    document.title = activeId ? t('nav.' + activeId) + ' · ' + t('app.title') : t('app.title');
  }

  /** Draws the screen the URL names (signing in, or the first allowed screen, when it cannot be shown). */
  async function route() {
    state.ticket += 1; // whatever an earlier render still awaits, it must not draw over this one
    stopPollers();
    const id = currentScreenId();
    if (!state.token) {
      drawChrome(null);
      if (id !== 'signin') history.replaceState(null, '', '#/signin');
      drawSignIn();
      return;
    }
    const visible = SCREENS.filter((screen) => can(screen.permission));
    if (!visible.length) {
      drawChrome(null);
      drawNoAccess();
      return;
    }
    const screen = SCREENS.find((item) => item.id === id);
    if (!screen) {
      location.replace('#/' + visible[0].id);
      return;
    }
    drawChrome(screen.id);
    if (!can(screen.permission)) {
      $('#view').replaceChildren(pageHeader(t(screen.titleKey)), h('p', { class: 'notice notice-danger' }, t('access.screen', { permission: screen.permission })));
      return;
    }
    await showScreen(screen);
  }

  async function showScreen(screen) {
    state.ticket += 1;
    const ticket = state.ticket;
    const view = $('#view');
    view.setAttribute('aria-busy', 'true');
    if (!view.querySelector('#page-title')) view.replaceChildren(pageHeader(t(screen.titleKey)), h('p', { class: 'loading' }, t('app.loading')));
    try {
      if (screen.tenantWide) $('#account-picker').hidden = true;
      else {
        if (!state.accounts) await loadAccounts();
        if (ticket !== state.ticket) return;
        drawAccountPicker();
        if (!state.account) {
          view.replaceChildren(pageHeader(t(screen.titleKey)), h('p', { class: 'empty', id: 'no-account' }, t('account.none')));
          return;
        }
      }
      const data = await screen.load();
      if (ticket !== state.ticket) return;
      view.replaceChildren(...[screen.draw(data)].flat(Infinity).filter(Boolean));
      view.dataset.screen = screen.id;
    } catch (error) {
      if (ticket !== state.ticket) return;
      view.replaceChildren(pageHeader(t(screen.titleKey), () => refresh()));
      view.dataset.screen = screen.id;
      showError(error);
    } finally {
      if (ticket === state.ticket) view.removeAttribute('aria-busy');
    }
  }

  /** Draws the current screen again with fresh data (after an action, a filter or a refresh button). */
  async function refresh(options) {
    const { focus, keepMessages } = options || {};
    if (!keepMessages) clearMessages();
    const screen = SCREENS.find((item) => item.id === currentScreenId());
    if (!screen || !state.token) return route();
    const view = $('#view');
    delete view.dataset.screen;
    await showScreen(screen);
    if (focus) focusTitle();
    else if (!keepMessages) announce(t('app.updated'));
  }

  function onNavigate() {
    clearMessages();
    document.querySelectorAll('dialog').forEach((dialog) => dialog.close());
    $('#view').replaceChildren();
    const fromURL = tokenFromURL();
    if (fromURL) {
      sessionStorage.removeItem(STORAGE.account);
      signIn(fromURL);
      return;
    }
    route().then(focusTitle);
  }

  // ---------------------------------------------------------------- language

  function setLanguage(language) {
    state.language = I18N.messages[language] ? language : I18N.defaultLanguage;
    localStorage.setItem(STORAGE.language, state.language);
    document.documentElement.lang = state.language;
    $('#skip-link').textContent = t('app.skip');
    $('#brand').textContent = t('app.title');
    $('#account-label').textContent = t('app.account');
    $('#language-label').textContent = t('app.language');
    $('#sign-out').textContent = t('app.signOut');
    $('#sections').setAttribute('aria-label', t('app.nav'));
    const select = $('#language-select');
    select.replaceChildren(...Object.entries(I18N.languages).map(([value, label]) =>
      h('option', { value, lang: value, selected: value === state.language }, label)));
    if (state.accounts) drawAccountPicker();
  }

  // ---------------------------------------------------------------- start-up

  /** The token of `#token=…` (make run's development link), taken out of the URL; null when there is none. */
  function tokenFromURL() {
    const match = location.hash.match(/^#token=([^&]+)/);
    if (!match) return null;
    history.replaceState(null, '', location.pathname + location.search + '#/billing');
    return decodeURIComponent(match[1]);
  }

  function start() {
    setLanguage(localStorage.getItem(STORAGE.language) || I18N.defaultLanguage);
    const fromURL = tokenFromURL();
    if (fromURL) {
      sessionStorage.setItem(STORAGE.token, fromURL);
      sessionStorage.removeItem(STORAGE.account);
    }
    const saved = sessionStorage.getItem(STORAGE.token);
    let problem = null;
    if (saved) {
      const claims = decodeClaims(saved);
      problem = tokenProblem(claims);
      if (problem) sessionStorage.removeItem(STORAGE.token);
      else {
        state.token = saved;
        state.claims = claims;
      }
    }
    $('#language-select').addEventListener('change', (event) => {
      setLanguage(event.target.value);
      route();
    });
    $('#account-select').addEventListener('change', (event) => chooseAccount(event.target.value));
    $('#sign-out').addEventListener('click', () => signOut());
    window.addEventListener('hashchange', onNavigate);
    route().then(() => {
      if (problem) showError(new UserError(problem));
    });
  }

  start();
})();
