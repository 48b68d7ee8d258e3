import BillingCore
import Foundation

/// What the services enforce on request fields beyond their Swift types (lengths, patterns, ranges, formats, required
/// combinations), written into the OpenAPI document's request schemas so a client (and schemathesis) knows what is accepted
/// before sending it. Keyed by the contract type's name and the field's JSON name; each entry cites the rule it mirrors.
///
/// Formats beyond JSON Schema's own: `cpf` and `cnpj` (check digits valid; CNPJ also alphanumeric), `iana-time-zone`.
enum OpenAPIConstraints {
    /// Extra keywords of a request field.
    static func field(_ name: String, of type: String) -> JSONObject? {
        guard case .object(let object)? = table[type]?[name] ?? common[name] else { return nil }
        return object
    }

    /// Extra keywords of a request object (required combinations).
    static func object(_ type: String) -> JSONObject? {
        guard case .object(let object)? = objects[type] else { return nil }
        return object
    }

    /// `AccountValidation.name`: 1–200 characters once trimmed, no control characters.
    static let displayName: JSONValue = [
        "type": "string", "minLength": 1, "maxLength": 200,
        "pattern": .string(
            "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F]"
                + "[^\\u0000-\\u001F\\u007F-\\u009F]*$"),
    ]
    /// `AccountValidation.email`.
    static let email: JSONValue = ["type": "string", "format": "email", "maxLength": 254]

    /// Fields with the same rule wherever they appear.
    private static let common: [String: JSONValue] = [
        "currency": ["type": "string", "enum": .array(Currency.allCodes.map { .string($0) })],
        // CatalogRules.code, .name, .description, .taxCode.
        "code": ["type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:-]+$"],
        "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
        "description": ["type": "string", "maxLength": 2000],
        "taxCode": ["type": "string", "minLength": 1, "maxLength": 32, "pattern": "^[A-Za-z0-9._-]+$"],
        "defaultTaxCode": ["type": "string", "minLength": 1, "maxLength": 32, "pattern": "^[A-Za-z0-9._-]+$"],
        "trialDays": ["type": "integer", "minimum": 0, "maximum": 730],
        // Lower-case identifiers (`isIdentifier`): plan-limit resources, feature flags.
        "resource": ["type": "string", "pattern": "^[a-z0-9_.-]{1,64}$"],
        "featureFlag": ["type": "string", "pattern": "^[a-z0-9_.-]{1,64}$"],
        // Ledger: token counts 0 to 10^12, holds 1 s to a day, alert thresholds, AI model ids, the client's key.
        "inputTokens": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000_000],
        "outputTokens": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000_000],
        "cachedInputTokens": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000_000],
        "ttlSeconds": ["type": "integer", "minimum": 1, "maximum": 86_400],
        "alertThresholds": ["type": "array", "minItems": 1, "maxItems": 10, "items": ["type": "integer", "minimum": 1, "maximum": 100]],
        "userId": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"],
        "featureId": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"],
        "costCenter": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"],
        "model": ["type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*$"],
        "idempotencyKey": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000]*$"],
        // Invoicing: payments and cards, net terms, tax rates, checkouts.
        "externalRef": ["type": "string", "minLength": 1, "maxLength": 200],
        "cardToken": ["type": "string", "minLength": 1, "maxLength": 200],
        "netTermsDays": ["type": "integer", "minimum": 0, "maximum": 365],
        "percentage": ["exclusiveMinimum": 0, "exclusiveMaximum": 100],
        "items": ["type": "array", "minItems": 1, "maxItems": 20],
        // Amounts and credits a request moves are above zero; a plan's allowance is not negative.
        "amount": ["exclusiveMinimum": 0],
        "credits": ["exclusiveMinimum": 0, "maximum": 1_000_000_000],
        "includedCredits": ["minimum": 0],
        "percent": ["type": "integer", "minimum": 1, "maximum": 100],
        "property": ["type": "string", "minLength": 1, "maxLength": 64],
        // Webhook endpoints: an absolute http(s) URL.
        "url": ["type": "string", "format": "uri", "pattern": "^https?://[^\\s/?#]+"],
        "validityDays": ["type": "integer", "minimum": 1, "maximum": 36500],
    ]

    private static let accountFields: [String: JSONValue] = [
        "name": displayName, "email": email,
        "taxId": ["type": "string", "minLength": 1, "maxLength": 64],
        "timezone": ["type": "string", "format": "iana-time-zone", "maxLength": 64],
        "metadata": [
            "type": "object", "maxProperties": 50, "propertyNames": ["minLength": 1, "maxLength": 40, "pattern": "^[^\\u0000]*$"],
            "additionalProperties": ["type": "string", "maxLength": 500, "pattern": "^[^\\u0000]*$"],
        ],
        "contacts": ["type": "array", "maxItems": 10],
    ]

    private static let table: [String: [String: JSONValue]] = [
        "CreateAccountRequest": accountFields,
        "AccountChanges": accountFields,
        // WalletSettings: each execution rate limit 1 to 1,000,000,000.
        "ExecutionRateLimits": [
            "perMinute": ["type": "integer", "minimum": 1, "maximum": 1_000_000_000],
            "perHour": ["type": "integer", "minimum": 1, "maximum": 1_000_000_000],
            "perDay": ["type": "integer", "minimum": 1, "maximum": 1_000_000_000],
        ],
        // CouponKinds: percentOff in (0, 100], amountOff above 0, 1–120 periods, at least one redemption, 1–50 distinct items.
        "CouponAttributes": [
            "percentOff": ["exclusiveMinimum": 0, "maximum": 100],
            "amountOff": ["exclusiveMinimum": 0],
            "durationInPeriods": ["type": "integer", "minimum": 1, "maximum": 120],
            "maxRedemptions": ["type": "integer", "minimum": 1],
            "appliesTo": ["type": "array", "minItems": 1, "maxItems": 50, "uniqueItems": true],
        ],
        "CreateSubscriptionRequest": ["quantity": ["type": "integer", "minimum": 1, "maximum": 100_000]],
        "ChangeQuantityAttributes": ["quantity": ["type": "integer", "minimum": 1, "maximum": 100_000]],
        // CouponKinds: a promotion code is 3 to 64 letters, digits, '-' or '_'.
        "PromotionCodeAttributes": ["code": ["type": "string", "pattern": "^[A-Za-z0-9_-]{3,64}$"]],
        "AccountContact": ["email": email, "name": ["type": "string", "maxLength": 200, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"]],
    ]

    /// `AccountValidation.taxIdentity`: `taxId` and `taxIdType` together; a CPF or CNPJ by its check digits, OTHER 1–64 printable
    /// characters.
    private static let taxIdentity: JSONValue = [
        "dependentRequired": ["taxId": ["taxIdType"], "taxIdType": ["taxId"]],
        "allOf": [
            [
                "if": ["required": ["taxIdType"], "properties": ["taxIdType": ["const": "CPF"]]],
                "then": ["properties": ["taxId": ["format": "cpf"]]],
            ],
            [
                "if": ["required": ["taxIdType"], "properties": ["taxIdType": ["const": "CNPJ"]]],
                "then": ["properties": ["taxId": ["format": "cnpj"]]],
            ],
            [
                "if": ["required": ["taxIdType"], "properties": ["taxIdType": ["const": "OTHER"]]],
                "then": ["properties": ["taxId": ["pattern": "^[^\\u0000-\\u001F\\u007F]*[^\\s\\u0000-\\u001F\\u007F][^\\u0000-\\u001F\\u007F]*$"]]],
            ],
        ],
    ]

    /// `CouponKinds`: exactly one of `percentOff` and `amountOff` (the latter with its `currency`); `durationInPeriods` with
    /// REPEATING only.
    private static let coupon: JSONValue = [
        "allOf": [
            [
                "oneOf": [
                    ["required": ["percentOff"], "not": ["anyOf": [["required": ["amountOff"]], ["required": ["currency"]]]]],
                    ["required": ["amountOff", "currency"], "not": ["required": ["percentOff"]]],
                ]
            ],
            [
                "if": ["required": ["duration"], "properties": ["duration": ["const": "REPEATING"]]],
                "then": ["required": ["durationInPeriods"]], "else": ["not": ["required": ["durationInPeriods"]]],
            ],
        ]
    ]

    private static let objects: [String: JSONValue] = [
        "CouponAttributes": coupon,
        "CreateAccountRequest": taxIdentity, "AccountChanges": taxIdentity,
    ]
}
