"""Generators for the string formats /openapi.json declares beyond JSON Schema's own (loaded by the contract test,
Tests/EndToEndTests/OpenAPIContractEndToEndTests.swift, through SCHEMATHESIS_HOOKS).

Each produces exactly the texts the services accept, so schemathesis can send valid data: `cpf` and `cnpj` with their
check digits (CNPJ also alphanumeric), `iana-time-zone` from the zones the services know.
"""

import uuid
from zoneinfo import available_timezones

import schemathesis
from hypothesis import strategies as st


def _cpf_digit(values, first_weight):
    remainder = sum(value * (first_weight - offset) for offset, value in enumerate(values)) * 10 % 11
    return 0 if remainder == 10 else remainder


def _cnpj_digit(values):
    total = sum(value * (2 + offset % 8) for offset, value in enumerate(reversed(values)))
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


@st.composite
def _cpf(draw):
    values = draw(st.lists(st.integers(0, 9), min_size=9, max_size=9).filter(lambda v: len(set(v)) > 1))
    values.append(_cpf_digit(values, 10))
    values.append(_cpf_digit(values, 11))
    text = "".join(map(str, values))
    if draw(st.booleans()):
        text = f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"
    return text


@st.composite
def _cnpj(draw):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if draw(st.booleans()) else "0123456789"
    head = draw(st.lists(st.sampled_from(alphabet), min_size=12, max_size=12).filter(lambda v: len(set(v)) > 1))
    values = [ord(character) - 48 for character in head]
    values.append(_cnpj_digit(values))
    values.append(_cnpj_digit(values))
    text = "".join(head) + "".join(str(value) for value in values[12:])
    if draw(st.booleans()):
        text = f"{text[:2]}.{text[2:5]}.{text[5:8]}/{text[8:12]}-{text[12:]}"
    return text


_ZONES = sorted(zone for zone in available_timezones() if ("/" in zone or zone in ("UTC", "GMT")) and len(zone) <= 64
                and not zone.startswith(("posix/", "right/")))

schemathesis.openapi.format("cpf", _cpf())
schemathesis.openapi.format("cnpj", _cnpj())
schemathesis.openapi.format("iana-time-zone", st.sampled_from(_ZONES))


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """An Idempotency-Key names one request (a second, different request with it is a 422, as the document says): schemathesis
    draws the same few values for every request, so a valid key is made unique per request, a malformed one (empty, too long) is sent as drawn."""
    for name in list(case.headers or {}):
        value = case.headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and 0 < len(value) <= 255:
            case.headers[name] = f"{value[:222]}.{uuid.uuid4().hex}"
