import BillingCore
import Foundation
import HTTPTypes

/// The OpenAPI 3.1 document of the public API, generated from the route table and the contract types.
enum OpenAPIDocument {
    /// An undocumented-by-table endpoint (health, metrics, the document itself).
    struct SystemEndpoint: Sendable {
        let path: String
        let summary: String
        let contentType: String
    }

    static func build(routes: [APIRoute], system: [SystemEndpoint]) -> JSONValue {
        var schemas = JSONObject()
        schemas["Error"] = errorSchema
        var paths = JSONObject()
        let grouped = Dictionary(grouping: routes, by: \.path)
        for path in grouped.keys.sorted() {
            var item = JSONObject()
            for route in grouped[path]!.sorted(by: { $0.method.rawValue < $1.method.rawValue }) {
                item[route.method.rawValue.lowercased()] = operation(route, links: links(from: route, to: routes), schemas: &schemas)
            }
            paths[path] = .object(item)
        }
        for endpoint in system {
            paths[endpoint.path] = [
                "get": .object(
                    JSONObject([
                        (
                            "operationId",
                            .string(
                                "system"
                                    + endpoint.path.split(separator: "/").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
                                    .replacingOccurrences(of: ".", with: ""))
                        ),
                        ("tags", ["System"]),
                        ("summary", .string(endpoint.summary)),
                        ("security", .array([])),
                        (
                            "responses",
                            .object(
                                JSONObject([
                                    (
                                        "200",
                                        .object(
                                            JSONObject([
                                                ("description", .string(endpoint.summary)),
                                                ("content", .object(JSONObject([(endpoint.contentType, .object(JSONObject()))]))),
                                            ]))
                                    )
                                ]))
                        ),
                    ]))
            ]
        }
        paths[PaymentWebhookReceiver.path] = [
            "post": .object(
                JSONObject([
                    ("operationId", "receivePaymentWebhook"),
                    ("tags", ["Invoices and payments"]),
                    (
                        "summary",
                        """
                        A payment provider's notification, signed instead of authenticated: `Billing-Signature: t=<unix seconds>,v1=<hex \
                        HMAC-SHA256 of \"<t>.\" + raw body>` (several v1 accepted while keys rotate; 300 s tolerance). Applied once per provider \
                        event id.
                        """
                    ),
                    ("security", .array([])),
                    ("parameters", [["name": "provider", "in": "path", "required": true, "schema": ["type": "string"]]]),
                    (
                        "requestBody",
                        [
                            "required": true,
                            "content": [
                                "application/json": [
                                    "schema": [
                                        "type": "object", "required": ["id", "type", "data"],
                                        "properties": [
                                            "id": ["type": "string"], "type": ["type": "string", "enum": ["payment.succeeded", "payment.failed"]],
                                            "data": [
                                                "type": "object",
                                                "required": ["tenantId", "billingAccountId", "invoiceId", "amount", "paymentMethod", "externalRef"],
                                            ],
                                        ],
                                    ]
                                ]
                            ],
                        ]
                    ),
                    (
                        "responses",
                        .object(
                            JSONObject([
                                (
                                    "200",
                                    [
                                        "description": "Applied: PAYMENT_RECORDED, PAYMENT_FAILED, DUPLICATE or IGNORED",
                                        "content": ["application/vnd.api+json": [:]],
                                    ]
                                ),
                                (
                                    "401",
                                    [
                                        "description": "Missing, wrong or stale signature",
                                        "content": ["application/vnd.api+json": ["schema": ["$ref": "#/components/schemas/Error"]]],
                                    ]
                                ),
                                (
                                    "404",
                                    [
                                        "description": "Unknown provider",
                                        "content": ["application/vnd.api+json": ["schema": ["$ref": "#/components/schemas/Error"]]],
                                    ]
                                ),
                                (
                                    "422",
                                    [
                                        "description": "A field of the notification is missing",
                                        "content": ["application/vnd.api+json": ["schema": ["$ref": "#/components/schemas/Error"]]],
                                    ]
                                ),
                            ]))
                    ),
                ]))
        ]
        for (index, path) in PixWebhookReceiver.paths.enumerated() {
            paths[path] = pixWebhook(operationID: index == 0 ? "receivePixWebhook" : "receivePixWebhookPix")
        }
        paths[StripeWebhookReceiver.path] = stripeWebhook
        paths[BoletoWebhookReceiver.path] = boletoWebhook
        let permissionRows = Permission.all.map { "| `\($0.name)` | \($0.summary) |" }.joined(separator: "\n")
        return .object(
            JSONObject([
                ("openapi", "3.1.0"),
                (
                    "info",
                    .object(
                        JSONObject([
                            ("title", "Billing API"),
                            ("version", "1.0.0"),
                            (
                                "description",
                                .string(
                                    """
                                    Multi-tenant billing: accounts, catalog, subscriptions, usage, AI credits, invoices and payments. \
                                    JSON:API documents \
                                    (`application/vnd.api+json`). Authenticate with `Authorization: Bearer <JWT>`; the tenant is the token's \
                                    `organizationId`. Each operation names the permission it needs (`x-permission`); the `owner` and `admin` roles hold \
                                    them all. Every POST accepts an `Idempotency-Key` header: a replay returns the first response.

                                    Two kinds of callers: *operator* tokens (the tenant's back-end and staff) reach every operation their permissions \
                                    allow. *Customer* tokens carry a `billingAccountId` claim: they reach only the operations marked \
                                    `x-customer-access` (their `owner`/`admin` role holds just those), on that account only; another account's \
                                    resources answer 404, \
                                    operator operations 403 `OPERATOR_ONLY`. `x-customer-access` says how the account is found: \
                                    `account-in-path`, `account-in-body`, `account-filter` (lists narrowed to it), `owned-resource`, \
                                    or `tenant-wide` \
                                    (the catalog). A customer cannot choose `trialDays`, `startDate`, `testClockId` or a wallet's `overdraftLimit`.

                                    | permission | allows |
                                    |---|---|
                                    \(permissionRows)
                                    """)
                            ),
                        ]))
                ),
                // Seed 001's examples put the API under `/billing`; every `/api/…` path is also served there.
                ("servers", [["url": "/"], ["url": .string(GatewayRouter.seedBasePath), "description": "seed 001's base path, the same API"]]),
                ("tags", .array(Array(Set(routes.map(\.tag))).sorted().map { ["name": .string($0)] } + [["name": "System"]])),
                ("security", [["bearerAuth": []]]),
                ("paths", .object(paths)),
                (
                    "components",
                    .object(
                        JSONObject([
                            ("securitySchemes", ["bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]]),
                            ("schemas", .object(schemas)),
                        ]))
                ),
                ("x-permissions", .array(Permission.all.map { ["name": .string($0.name), "summary": .string($0.summary)] })),
            ]))
    }

    /// OpenAPI links from a create (`POST <P>` answering 201) to every operation on what it made (`<P>/{id}…`): the new id from the
    /// answer, the create's own path parameters from its request. Clients (and schemathesis's stateful phase) follow them.
    static func links(from route: APIRoute, to routes: [APIRoute]) -> JSONObject {
        var links = JSONObject()
        guard route.method == .post, route.response.status == .created, !route.response.isCollection else { return links }
        let own = route.pathParameters
        for target in routes.sorted(by: { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }) {
            guard target.path.hasPrefix(route.path + "/{") else { continue }
            let rest = target.path.dropFirst(route.path.count + 2)
            guard let close = rest.firstIndex(of: "}") else { continue }
            let newParameter = String(rest[..<close])
            guard !own.contains(newParameter), Set(target.pathParameters) == Set(own + [newParameter]) else { continue }
            var parameters = JSONObject()
            for name in target.pathParameters {
                parameters[name] = .string(name == newParameter ? "$response.body#/data/id" : "$request.path.\(name)")
            }
            links[target.operationID] = [
                "operationId": .string(target.operationID), "parameters": .object(parameters),
                "description": .string("The created resource's `id` as `\(newParameter)`"),
            ]
        }
        return links
    }

    private static func operation(_ route: APIRoute, links: JSONObject = JSONObject(), schemas: inout JSONObject) -> JSONValue {
        var operation = JSONObject()
        operation["operationId"] = .string(route.operationID)
        operation["tags"] = [.string(route.tag)]
        operation["summary"] = .string(route.summary)
        operation["description"] = .string("\(route.summary)\n\nRequires the `\(route.permission.name)` permission (or the owner/admin role).")
        operation["x-permission"] = .string(route.permission.name)
        if let access = route.customer { operation["x-customer-access"] = .string(access.documentedScope) }
        var parameters: [JSONValue] = route.pathParameters.map { name in
            ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string", "format": "uuid"]]
        }
        parameters += route.queryParameters.map { parameter -> JSONValue in
            var schema = jsonSchema(parameter.schema, schemas: &schemas, forResponse: false)
            switch parameter.name {
            case "page[size]": schema = ["type": "integer", "minimum": 1, "maximum": 100]
            case "version": schema = ["type": "integer", "minimum": 1]
            default:
                // `QueryParameters.requireOnly`: no NUL in a value.
                if case .object(var object) = schema, object["type"] == "string", object["pattern"] == nil, object["enum"] == nil {
                    object["pattern"] = "^[^\\u0000]*$"
                    schema = .object(object)
                }
            }
            return [
                "name": .string(parameter.name), "in": "query", "required": .bool(parameter.isRequired), "description": .string(parameter.summary),
                "schema": schema,
            ]
        }
        if route.method == .post {
            parameters.append([
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Replays of the same request with this key return the first response for 24 h; a different request with it is a 422.",
                "schema": ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"],
            ])
        }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body = route.requestBody {
            let attributes = jsonSchema(body.attributes, schemas: &schemas, forResponse: false)
            var attributesRequired = false
            if case .string(let reference)? = attributes["$ref"], let name = reference.split(separator: "/").last {
                attributesRequired = schemas[String(name)]?["required"] != nil
            }
            let envelope = requestEnvelope(body, attributes: attributes, attributesRequired: attributesRequired)
            operation["requestBody"] = .object(
                JSONObject([
                    ("required", .bool(!body.optional)),
                    (
                        "content",
                        .object(
                            JSONObject([
                                (JSONAPI.mediaType, ["schema": envelope]),
                                ("application/json", ["schema": envelope]),
                            ]))
                    ),
                ]))
        }
        let resource = resourceSchema(route.response, schemas: &schemas)
        let data: JSONValue = route.response.isCollection ? ["type": "array", "items": resource] : resource
        var success = JSONObject([("data", data)])
        if route.response.isCollection {
            success["links"] = ["type": "object", "properties": ["self": ["type": "string"], "next": ["type": ["string", "null"]]]]
            success["meta"] = ["type": "object"]
        }
        var responses = JSONObject()
        var answer = JSONObject([
            ("description", .string(route.response.status.reasonPhrase)),
            (
                "content",
                .object(JSONObject([(JSONAPI.mediaType, ["schema": ["type": "object", "required": ["data"], "properties": .object(success)]])]))
            ),
        ])
        if !links.isEmpty { answer["links"] = .object(links) }
        responses[String(route.response.status.code)] = .object(answer)
        var errors: [(Int, String)] = [
            (400, "Malformed request or unsupported parameter"), (401, "Missing or invalid token"),
            (403, "The token lacks the permission"), (409, "Conflicts with the current state"),
            (422, "Invalid attribute or parameter"), (503, "A service is unavailable"), (504, "Timed out"),
        ]
        if !route.pathParameters.isEmpty || route.requestBody != nil || !route.queryParameters.isEmpty {
            errors.append((404, "Not found for this tenant (the path's resource, or one the body or a filter names)"))
        }
        if route.requestBody != nil { errors += [(413, "Body larger than the limit"), (415, "Unsupported media type")] }
        errors += route.additionalErrors.map { ($0.key, $0.value) }
        for (code, description) in errors.sorted(by: { $0.0 < $1.0 }) {
            responses[String(code)] = .object(
                JSONObject([
                    ("description", .string(description)),
                    ("content", .object(JSONObject([(JSONAPI.mediaType, ["schema": ["$ref": "#/components/schemas/Error"]])]))),
                ]))
        }
        operation["responses"] = .object(responses)
        return .object(operation)
    }

    private static func requestEnvelope(_ body: APIRoute.BodySpec, attributes: JSONValue, attributesRequired: Bool) -> JSONValue {
        // `JSONAPI.attributes`: a document holds `data`, `meta` and `jsonapi` only; a resource `type`, `attributes` and `meta`
        // (never a client id), and its attributes are required when some attribute is.
        let members: JSONValue = ["type": "object"]
        guard let maximum = body.batchWithClientIDs else {
            let data: JSONValue = [
                "type": "object", "required": .array(["type"] + (attributesRequired ? ["attributes"] : [])),
                "properties": ["type": ["const": .string(body.resourceType)], "attributes": attributes, "meta": members],
                "additionalProperties": false,
            ]
            return [
                "type": "object", "required": .array(body.optional ? [] : ["data"]),
                "properties": ["data": data, "meta": members, "jsonapi": members], "additionalProperties": false,
            ]
        }
        let resource: JSONValue = [
            "type": "object", "required": ["type", "id", "attributes"],
            "properties": [
                "type": ["const": .string(body.resourceType)], "id": ["type": "string", "minLength": 1, "maxLength": 200], "attributes": attributes,
                "meta": members,
            ],
            "additionalProperties": false,
        ]
        return [
            "type": "object", "required": ["data"],
            "properties": [
                "data": ["oneOf": [resource, ["type": "array", "minItems": 1, "maxItems": .number(maximum), "items": resource]]],
                "meta": members, "jsonapi": members,
            ],
            "additionalProperties": false,
        ]
    }

    private static func resourceSchema(_ response: APIRoute.ResponseSpec, schemas: inout JSONObject) -> JSONValue {
        var attributes = response.attributes
        if case .object(let name, let fields) = attributes {
            attributes = .object(name: name + "Attributes", fields: fields.filter { $0.name != "id" })
        }
        return [
            "type": "object", "required": ["type", "id", "attributes"],
            "properties": [
                "type": ["const": .string(response.resourceType)],
                "id": response.idPattern.map { ["type": "string", "pattern": .string($0)] }
                    ?? response.idFormat.map { ["type": "string", "format": .string($0)] } ?? ["type": "string"],
                "attributes": jsonSchema(attributes, schemas: &schemas, forResponse: true),
                "links": ["type": "object", "properties": ["self": ["type": "string"]]],
            ],
        ]
    }

    /// JSON Schema (2020-12, as OpenAPI 3.1 uses) of a discovered Codable shape.
    static func jsonSchema(_ schema: CodableSchema, schemas: inout JSONObject, forResponse: Bool) -> JSONValue {
        switch schema {
        case .string(let format):
            switch format {
            case "uuid": return ["type": "string", "format": "uuid"]
            case "RFC 3339 date-time", "date-time": return ["type": "string", "format": "date-time"]
            case "iana-time-zone": return ["type": "string", "format": "iana-time-zone", "maxLength": 64]
            // A string holds the JSON number syntax (`DecimalNumber`'s parser), a number is taken digit by digit.
            case "decimal":
                return [
                    "type": ["number", "string"], "pattern": "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$",
                    "description": "exact decimal; send digits, never a float you computed",
                ]
            case "credits, 8 decimals":
                return [
                    "type": ["number", "string"], "pattern": "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$", "description": "credits, up to 8 decimal places",
                ]
            case "ISO 4217 code": return ["type": "string", "pattern": "^[A-Z]{3}$"]
            // `ReportMonths.month`: years 1970–9999.
            case "YYYY-MM": return ["type": "string", "pattern": "^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$"]
            default: return ["type": "string"]
            }
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .enumeration(let values): return ["type": "string", "enum": .array(values.map { .string($0) })]
        case .array(let element): return ["type": "array", "items": jsonSchema(element, schemas: &schemas, forResponse: forResponse)]
        case .map(let value): return ["type": "object", "additionalProperties": jsonSchema(value, schemas: &schemas, forResponse: forResponse)]
        case .any: return [:]
        case .object(let rawName, let fields):
            // Generic names (`CatalogItem<PlanAttributes>`) become `CatalogItem_PlanAttributes`.
            let plainName = String(rawName.map { $0.isLetter || $0.isNumber ? $0 : "_" }).replacingOccurrences(of: "__", with: "_")
                .trimmingCharacters(in: CharacterSet(charactersIn: "_"))
            // A type both sent and answered (`PlanLimit`) needs two schemas: requests refuse unknown members and nulls, answers
            // carry absent optionals as null.
            let name = forResponse || plainName.hasSuffix("Request") ? plainName : plainName + "Input"
            if plainName == "Money" {
                return ["type": "number", "description": "amount in the currency's major units (e.g. 299.90), exact"]
            }
            if schemas[name] == nil {
                schemas[name] = [:]  // placeholder against recursion
                var properties = JSONObject()
                for field in fields {
                    var property = jsonSchema(field.schema, schemas: &schemas, forResponse: forResponse)
                    if !forResponse, let extra = OpenAPIConstraints.field(field.name, of: plainName), case .object(var merged) = property {
                        for (key, value) in extra.pairs { merged[key] = value }
                        property = .object(merged)
                    }
                    if field.isOptional && forResponse { property = ["anyOf": [property, ["type": "null"]]] }
                    properties[field.name] = property
                }
                var object = JSONObject([("type", "object"), ("properties", .object(properties))])
                let required = fields.filter { !$0.isOptional }.map { JSONValue.string($0.name) }
                if !required.isEmpty { object["required"] = .array(required) }
                if !forResponse {
                    object["additionalProperties"] = false
                    for (key, value) in OpenAPIConstraints.object(plainName)?.pairs ?? [] { object[key] = value }
                }
                schemas[name] = .object(object)
            }
            return ["$ref": .string("#/components/schemas/\(name)")]
        }
    }

    private static let errorSchema: JSONValue = [
        "type": "object", "required": ["errors"],
        "properties": [
            "errors": [
                "type": "array",
                "items": [
                    "type": "object",
                    "properties": [
                        "status": ["type": "string"], "code": ["type": "string"], "title": ["type": "string"], "detail": ["type": "string"],
                        "source": ["type": "object", "properties": ["pointer": ["type": "string"], "parameter": ["type": "string"]]],
                        "meta": ["type": "object"],
                    ],
                ],
            ]
        ],
    ]

    /// The PSP's API Pix webhook: the registered URL and the same with `/pix` appended, as the PSP posts it.
    /// A webhook's error answer: the error document, described.
    private static func errorAnswer(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/vnd.api+json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
    }

    private static var stripeWebhook: JSONValue {
        [
            "post": [
                "operationId": "receiveStripeWebhook", "tags": ["Invoices and payments"],
                "summary": """
                Stripe's webhook endpoint (events `payment_intent.succeeded`, `payment_intent.payment_failed`, `charge.refunded`, \
                `refund.failed`): authenticated by `Stripe-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>` with \
                the endpoint's signing secret, the `stripe` secret of BILLING_GATEWAY_WEBHOOK_SECRETS; 300 s tolerance), not a token. \
                The event's PaymentIntent is read back from Stripe and applied once per event id.
                """,
                "security": .array([]),
                "parameters": [["name": "Stripe-Signature", "in": "header", "required": true, "schema": ["type": "string"]]],
                "requestBody": [
                    "required": true,
                    "content": [
                        "application/json": [
                            "schema": [
                                "type": "object", "required": ["id", "type", "data"],
                                "properties": [
                                    "id": ["type": "string"], "type": ["type": "string"],
                                    "data": ["type": "object", "required": ["object"], "properties": ["object": ["type": "object"]]],
                                ],
                            ]
                        ]
                    ],
                ],
                "responses": [
                    "200": [
                        "description":
                            "Applied: PAYMENT_RECORDED, PAYMENT_FAILED, PENDING, REFUNDS_SETTLED, DUPLICATE, UNKNOWN_CHARGE or IGNORED",
                        "content": ["application/vnd.api+json": [:]],
                    ],
                    "401": errorAnswer("Missing, wrong or stale signature"), "404": errorAnswer("No Stripe webhook is configured"),
                    "422": errorAnswer("The event has no id or type"),
                ],
            ]
        ]
    }

    /// Banco do Brasil's collection webhook (`BoletoWebhookReceiver`).
    private static var boletoWebhook: JSONValue {
        let answer = errorAnswer
        return [
            "post": [
                "operationId": "receiveBoletoWebhook", "tags": ["Invoices and payments"],
                "summary": """
                The bank's boleto webhook (Banco do Brasil API Cobranças, baixa operacional): a JSON array of items naming the title id \
                (`id`, 20 digits). Authenticated by the `hmac` query parameter (the `boleto` secret of BILLING_GATEWAY_WEBHOOK_SECRETS). \
                Each boleto is read back from the bank; a settled one records its payment once.
                """,
                "security": .array([]),
                "parameters": [["name": "hmac", "in": "query", "required": true, "schema": ["type": "string"]]],
                "requestBody": [
                    "required": true,
                    "content": [
                        "application/json": [
                            "schema": [
                                "type": "array", "minItems": 1,
                                "items": [
                                    "type": "object", "required": ["id"],
                                    "properties": ["id": ["type": "string", "pattern": "^[0-9]{20}$"]],
                                ],
                            ]
                        ]
                    ],
                ],
                "responses": [
                    "200": [
                        "description": "Applied: an outcome per id (PAYMENT_RECORDED, CANCELED, UNCHANGED, UNKNOWN_BOLETO)",
                        "content": [
                            "application/json": [
                                "schema": ["type": "object", "properties": ["outcomes": ["type": "array", "items": ["type": "string"]]]]
                            ]
                        ],
                    ],
                    "401": answer("Missing or wrong hmac parameter"), "404": answer("No boleto webhook is configured"),
                    "422": answer("An item's id is missing"),
                ],
            ]
        ]
    }

    private static func pixWebhook(operationID: String) -> JSONValue {
        let answer = errorAnswer
        return [
            "post": [
                "operationId": .string(operationID), "tags": ["Invoices and payments"],
                "summary": """
                The PSP's API Pix webhook (`{"pix": [Pix]}`): authenticated by the `hmac` query parameter (the `apipix` secret of \
                BILLING_GATEWAY_WEBHOOK_SECRETS), not a token. Each PIX is recorded once per endToEndId against the invoice whose charge its \
                txid names.
                """,
                "security": .array([]),
                "parameters": [
                    ["name": "hmac", "in": "query", "required": true, "schema": ["type": "string"]],
                    ["name": "ignorar", "in": "query", "required": false, "schema": ["type": "string"]],
                ],
                "requestBody": [
                    "required": true,
                    "content": [
                        "application/json": [
                            "schema": [
                                "type": "object", "required": ["pix"],
                                "properties": [
                                    "pix": [
                                        "type": "array", "minItems": 1,
                                        "items": [
                                            "type": "object", "required": ["endToEndId", "valor", "horario"],
                                            "properties": [
                                                "endToEndId": ["type": "string", "pattern": "^[a-zA-Z0-9]{32}$"],
                                                "txid": ["type": "string"], "valor": ["type": "string", "pattern": "^\\d{1,10}\\.\\d{2}$"],
                                                "horario": ["type": "string", "format": "date-time"],
                                            ],
                                        ],
                                    ]
                                ],
                            ]
                        ]
                    ],
                ],
                "responses": [
                    "200": [
                        "description": "Applied: an outcome per PIX (PAYMENT_RECORDED, DUPLICATE, IGNORED, UNKNOWN_CHARGE)",
                        "content": [
                            "application/json": [
                                "schema": ["type": "object", "properties": ["outcomes": ["type": "array", "items": ["type": "string"]]]]
                            ]
                        ],
                    ],
                    "401": answer("Missing or wrong hmac parameter"), "404": answer("No PSP webhook is configured"),
                    "422": answer("A field of a PIX is missing"),
                ],
            ]
        ]
    }
}
