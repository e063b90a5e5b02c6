"""The Kantara Consent Receipt 1.1 structure (draft-04 JSON Schema), transcribed from the specification."""

from __future__ import annotations

from typing import Any

import jsonschema

_STRINGS = {"type": "array", "items": {"type": "string"}}
_PURPOSE = {
    "type": "object",
    "properties": {
        "purpose": {"type": "string"}, "consentType": {"type": "string"}, "purposeCategory": _STRINGS,
        "piiCategory": _STRINGS, "primaryPurpose": {"type": "boolean"}, "termination": {"type": "string"},
    },
    "oneOf": [
        {"properties": {"thirdPartyDisclosure": {"enum": [False]}}, "required": ["thirdPartyDisclosure"]},
        {"properties": {"thirdPartyDisclosure": {"enum": [True]}, "thirdPartyName": {"type": "string"}},
         "required": ["thirdPartyDisclosure", "thirdPartyName"]},
    ],
    "required": ["consentType", "purposeCategory", "piiCategory", "termination", "thirdPartyDisclosure"],
}
KANTARA_CR_1_1: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "properties": {
        "version": {"type": "string"}, "jurisdiction": {"type": "string"},
        "consentTimestamp": {"type": "integer", "minimum": 0}, "collectionMethod": {"type": "string"},
        "consentReceiptID": {"type": "string"}, "publicKey": {"type": "string"}, "language": {"type": "string"},
        "piiPrincipalId": {"type": "string"},
        "piiControllers": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "piiController": {"type": "string"}, "onBehalf": {"type": "boolean"}, "contact": {"type": "string"},
                "address": {"type": "object"}, "email": {"type": "string"}, "phone": {"type": "string"},
                "piiControllerUrl": {"type": "string"},
            },
            "required": ["piiController", "contact", "address", "email", "phone"],
        }},
        "policyUrl": {"type": "string"},
        "services": {"type": "array", "items": {
            "type": "object",
            "properties": {"service": {"type": "string"}, "purposes": {"type": "array", "items": _PURPOSE}},
            "required": ["service", "purposes"],
        }},
        "sensitive": {"type": "boolean"},
        "spiCat": _STRINGS,
    },
    "required": ["version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
                 "piiPrincipalId", "piiControllers", "services", "policyUrl", "sensitive", "spiCat"],
}


def kantara_errors(receipt: dict[str, Any]) -> list[str]:
    """Every way a receipt departs from the Kantara CR 1.1 schema (empty when it conforms)."""
    validator = jsonschema.Draft4Validator(KANTARA_CR_1_1)
    return sorted(error.message for error in validator.iter_errors(receipt))
