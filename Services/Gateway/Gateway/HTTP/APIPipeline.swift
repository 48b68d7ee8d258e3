import BillingCore
import BillingPostgres
import BillingRPC
import BillingService
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore

/// Runs one public request through the same steps for every route: authenticate, authorize, read
/// the body (bounded), claim the idempotency key of a POST, call the handler, render errors as
/// JSON:API, record metrics.
struct APIPipeline: Sendable {
    let verifier: TokenVerifier
    let idempotency: IdempotencyStore
    let logger: Logger
    let maximumBodyBytes: Int
    let requestTimeout: TimeAmount

    func handle(_ route: APIRoute, request: Request, context: GatewayRequestContext) async -> Response {
        let started = ContinuousClock.now
        let requestID = RPCMetadata.sanitized(request.headers[.xRequestID]) ?? UUIDv7.generate().text
        var response: Response
        do {
            response = try await run(route, request: request, context: context, requestID: requestID)
        } catch let error as APIError {
            response = Self.render(error)
        } catch let error as RPCError {
            if error.code == .internal { logger.error("downstream internal error", metadata: ["request_id": "\(requestID)", "error": "\(error)"]) }
            response = Self.render(.from(error))
        } catch let error as DatabaseUnavailableError {
            // The gateway's own database (idempotency keys, audit) restarting or unreachable: the request may be sent again
            // with the same key.
            logger.warning("gateway database unavailable", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
            response = Self.render(
                APIError(
                    .serviceUnavailable, code: "UNAVAILABLE", title: "Service unavailable",
                    detail: "the gateway's database is unavailable; send the request again with the same Idempotency-Key"))
        } catch {
            logger.error(
                "unexpected gateway error",
                metadata: ["request_id": "\(requestID)", "route": "\(route.operationID)", "error": "\(String(reflecting: error))"])
            response = Self.render(
                APIError(
                    .internalServerError, code: "INTERNAL", title: "Internal error",
                    detail: "internal error; the request id identifies it in the logs"))
        }
        response.headers[.xRequestID] = requestID
        let elapsed = ContinuousClock.now - started
        record(route: "\(route.method.rawValue) \(route.path)", status: response.status, elapsed: elapsed)
        if elapsed >= Self.slowRequest {
            logger.warning(
                "slow request",
                metadata: [
                    "request_id": "\(requestID)", "route": "\(route.operationID)", "status": "\(response.status.code)",
                    "duration_ms": "\(elapsed.wholeMilliseconds)",
                ])
        }
        return response
    }

    private func run(_ route: APIRoute, request: Request, context: GatewayRequestContext, requestID: String) async throws -> Response {
        let principal: Principal
        do {
            principal = try await verifier.authenticate(authorization: request.headers[.authorization])
        } catch {
            throw APIError.unauthenticated(error.detail)
        }
        if principal.isCustomer && route.customer == nil { throw APIError.operatorsOnly(route.permission) }
        guard principal.holds(route.permission) else { throw APIError.forbidden(route.permission) }

        let bodyBytes = try await readBody(request, route: route)
        let body: JSONValue?
        if let bodyBytes, bodyBytes.readableBytes > 0 {
            do {
                body = try JSONParser.parse(bodyBytes.readableBytesView)
            } catch {
                throw APIError.badRequest("the body is not valid JSON: \(error.description)", code: "MALFORMED_JSON")
            }
        } else {
            body = nil
        }

        let idempotencyKey = try idempotencyKey(request)
        var parameters: [String: String] = [:]
        for name in route.pathParameters { parameters[name] = context.parameters.get(name) }
        let options = RPCCallOptions(
            metadata: RPCMetadata(
                tenant: principal.tenant, actor: principal.isCustomer ? "customer:" + principal.subject : principal.subject, requestID: requestID,
                idempotencyKey: idempotencyKey.map { "\(route.operationID):\($0)" },
                traceparent: RPCMetadata.sanitized(request.headers[.traceparent])),
            timeout: requestTimeout)
        var apiRequest = APIRequest(
            principal: principal, pathParameters: parameters, query: QueryParameters(query: request.uri.query),
            body: body, options: options, accept: request.headers[.accept])
        if let account = principal.customerAccount, let access = route.customer {
            apiRequest = try await access.authorize(apiRequest, account: account)
        }

        guard route.method == .post, let idempotencyKey else {
            return try Self.render(await route.handler(apiRequest))
        }
        // The caller is part of the request: another user (or customer) reusing a key gets their own answer, never this one's.
        var digest = SHA256()
        digest.update(data: Array("\(principal.subject)\n\(principal.customerAccount ?? "")\n".utf8))
        digest.update(data: Array("\(route.method.rawValue) \(request.uri.path)\n".utf8))
        if let bodyBytes { digest.update(data: Array(bodyBytes.readableBytesView)) }
        let fingerprint = digest.finalize().map { String(format: "%02x", $0) }.joined()

        switch try await idempotency.claim(tenant: principal.tenant, key: idempotencyKey, fingerprint: fingerprint) {
        case .replay(let status, let body, let location):
            var response = Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: JSONAPI.mediaType], body: .init(byteBuffer: body))
            response.headers[.idempotentReplayed] = "true"
            if let location { response.headers[.location] = location }
            return response
        case .inProgress:
            throw APIError(
                .conflict, code: "IDEMPOTENCY_KEY_IN_USE", title: "Conflict",
                detail: "a request with this Idempotency-Key is still being processed; retry later")
        case .mismatch:
            throw APIError(
                .unprocessableContent, code: "IDEMPOTENCY_KEY_REUSED", title: "Idempotency-Key reused",
                detail: "this Idempotency-Key was already used with a different request")
        case .proceed:
            let (status, document, location): (HTTPResponse.Status, JSONValue, String?)
            do {
                let result = try await route.handler(apiRequest)
                (status, document, location) = (result.status, result.document, result.location)
            } catch {
                let apiError = (error as? APIError) ?? (error as? RPCError).map(APIError.from)
                guard let apiError, apiError.status.code < 500 else {
                    // Transient or unknown failure: free the key so the client's retry runs again.
                    try? await idempotency.release(tenant: principal.tenant, key: idempotencyKey)
                    throw error
                }
                (status, document, location) = (apiError.status, apiError.document, nil)
            }
            let bytes = ByteBuffer(bytes: JSONWriter.bytes(document))
            do {
                try await idempotency.complete(tenant: principal.tenant, key: idempotencyKey, status: status.code, body: bytes, location: location)
            } catch {
                // The operation happened: its answer goes to the caller all the same. A retry after the key's lease reaches services
                // that answer it from their own record of the key.
                logger.error(
                    "the answer of an idempotent request could not be stored", metadata: ["key": "\(idempotencyKey)", "error": "\(error)"])
            }
            var response = Response(status: status, headers: [.contentType: JSONAPI.mediaType], body: .init(byteBuffer: bytes))
            if let location { response.headers[.location] = location }
            return response
        }
    }

    private func readBody(_ request: Request, route: APIRoute) async throws -> ByteBuffer? {
        guard route.method == .post || route.method == .patch || route.method == .put else { return nil }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBodyBytes {
            throw Self.bodyTooLarge(maximumBodyBytes)
        }
        let bytes: ByteBuffer
        do {
            bytes = try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw Self.bodyTooLarge(maximumBodyBytes)
        }
        if bytes.readableBytes > 0, let contentType = request.headers[.contentType]?.lowercased(),
            !(contentType.hasPrefix("application/json") || contentType.hasPrefix(JSONAPI.mediaType))
        {
            throw APIError(
                .unsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE", title: "Unsupported media type",
                detail: "send the body as application/vnd.api+json or application/json")
        }
        return bytes
    }

    private func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters", code: "INVALID_IDEMPOTENCY_KEY")
        }
        return key
    }

    static func bodyTooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "BODY_TOO_LARGE", title: "Request too large", detail: "the body exceeds the limit of \(limit) bytes")
    }

    static func render(_ response: APIResponse) -> Response {
        if let stream = response.stream {
            // No length: HTTP/1.1 sends it chunked, each chunk as soon as it is produced.
            return Response(
                status: response.status, headers: [.contentType: stream.contentType],
                body: ResponseBody { writer in
                    while let chunk = try await stream.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
                    try await writer.finish(nil)
                })
        }
        if let file = response.file {
            return Response(
                status: response.status, headers: [.contentType: file.contentType], body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
        var rendered = Response(
            status: response.status, headers: [.contentType: JSONAPI.mediaType],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(response.document))))
        if let location = response.location { rendered.headers[.location] = location }
        return rendered
    }

    static func render(_ error: APIError) -> Response {
        var response = Response(
            status: error.status, headers: [.contentType: JSONAPI.mediaType],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(error.document))))
        if error.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    /// A webhook authenticated by its `hmac` query parameter: it must equal one of `secrets` (several while rotating), compared
    /// in constant time — each secret in full, by its digest, whatever the given value; 401 when it is missing or wrong.
    static func requireHMACParameter(_ request: Request, among secrets: [String]) throws {
        let given = request.uri.queryParameters.get("hmac") ?? ""
        let digest = SHA256.hash(data: Data(given.utf8))
        guard secrets.map({ SHA256.hash(data: Data($0.utf8)) == digest }).contains(true), !given.isEmpty else {
            throw APIError(.unauthorized, code: "SIGNATURE_MISMATCH", title: "Not authenticated", detail: "the hmac parameter is missing or wrong")
        }
    }

    /// A webhook's body, up to `limit` bytes (413 past it).
    static func webhookBody(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do { return try await request.body.collect(upTo: limit) } catch { throw bodyTooLarge(limit) }
    }

    /// A webhook's body as JSON (400 when it is not).
    static func webhookJSON(_ body: ByteBuffer) throws -> JSONValue {
        do { return try JSONParser.parse(body.readableBytesView) } catch {
            throw APIError.badRequest("the body is not valid JSON", code: "MALFORMED_JSON")
        }
    }

    /// A webhook's answer: what `receive` returns, or its failure as an error document (an API or RPC error as such; anything
    /// else a 500 whose detail says the notification was not applied, so the provider delivers it again).
    static func webhookAnswer(_ receive: () async throws -> Response) async -> Response {
        do {
            return try await receive()
        } catch let error as APIError {
            return render(error)
        } catch let error as RPCError {
            return render(.from(error))
        } catch {
            return render(APIError(.internalServerError, code: "INTERNAL", title: "Internal error", detail: "the notification could not be applied"))
        }
    }

    /// A request that takes this long is logged with its request id (the services log their slow RPC calls with the same id).
    static let slowRequest = Duration.seconds(2)

    func record(route: String, status: HTTPResponse.Status, since started: ContinuousClock.Instant) {
        record(route: route, status: status, elapsed: ContinuousClock.now - started)
    }

    /// RED per route: `route` is a template (`GET /api/v1/invoices/{id}`, or `unmatched`), never a raw path, so series stay bounded.
    func record(route: String, status: HTTPResponse.Status, elapsed: Duration) {
        Metrics.Counter(label: "billing_gateway_requests_total", dimensions: [("route", route), ("status", String(status.code))]).increment()
        Metrics.Timer(label: "billing_gateway_request_duration_seconds", dimensions: [("route", route)]).record(duration: elapsed)
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-ID")!
    static let traceparent = HTTPField.Name("traceparent")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
