import BillingCore
import BillingRPC
import BillingService
import BillingTesting
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

@testable import Gateway

/// A transport that is never called: these tests only build routes.
struct UnusedTransport: RPCClientTransport {
    func unary(path: String, request: ByteBuffer, options: RPCCallOptions, retryable: Bool) async throws(RPCError) -> ByteBuffer {
        throw RPCError.unavailable("not in this test")
    }
    func serverStreaming(
        path: String, request: ByteBuffer, options: RPCCallOptions
    ) async throws(RPCError) -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw RPCError.unavailable("not in this test")
    }
}

func buildGateway() async throws -> (routes: [APIRoute], router: Hummingbird.Router<GatewayRequestContext>, document: JSONValue) {
    let database = try TestEnvironment.database(schema: "gateway")
    let client = RPCClient(transport: UnusedTransport())
    let routes = GatewayService.routes(GatewayBackends(every: client), trail: AuditTrail(database: database))
    let verifier = try await TokenVerifier(
        hs256Secret: String(repeating: "s", count: 32), jwks: nil, issuer: "i", audience: "a", leeway: 0, clock: SystemClock())
    let pipeline = APIPipeline(
        verifier: verifier, idempotency: IdempotencyStore(database: database, retention: 60, requestTimeout: 30),
        logger: Logger(label: "test"), maximumBodyBytes: 1024, requestTimeout: .seconds(1))
    let webhooks = PaymentWebhookReceiver(secrets: [:], clock: SystemClock(), invoicing: client, maximumBodyBytes: 1024, requestTimeout: .seconds(1))
    let pix = PixWebhookReceiver(secrets: [], invoicing: client, maximumBodyBytes: 1024, requestTimeout: .seconds(1))
    let stripe = StripeWebhookReceiver(secrets: [], clock: SystemClock(), invoicing: client, maximumBodyBytes: 1024, requestTimeout: .seconds(1))
    let boleto = BoletoWebhookReceiver(secrets: [], invoicing: client, maximumBodyBytes: 1024, requestTimeout: .seconds(1))
    let router = GatewayRouter.build(
        routes: routes, webhooks: webhooks, pix: pix, stripe: stripe, pipeline: pipeline, readiness: ReadinessState(), environment: .development,
        boleto: boleto)
    return (routes, router, OpenAPIDocument.build(routes: routes, system: GatewayRouter.systemEndpoints))
}

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("every served route is documented and every documented route is served")
    func routesMatch() async throws {
        let (_, router, document) = try await buildGateway()
        let served = Set(
            router.routes.map { route in
                "\(route.method.rawValue) "
                    + route.path.description.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            }
            // The same API under the document's second server (seed 001's `/billing`).
            .map { $0.replacingOccurrences(of: " \(GatewayRouter.seedBasePath)/api/", with: " /api/") })
        var documented = Set<String>()
        for (path, item) in try #require(document["paths"]?.objectValue).pairs {
            for (method, _) in try #require(item.objectValue).pairs { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(
            served == documented,
            "served but undocumented: \(served.subtracting(documented)); documented but not served: \(documented.subtracting(served))")
        #expect(served.count >= 12)
    }

    @Test("every API operation names its permission and documents its errors")
    func operationsDescribeThemselves() async throws {
        let (routes, _, document) = try await buildGateway()
        for route in routes {
            let operation = try #require(document["paths"]?[route.path]?[route.method.rawValue.lowercased()])
            #expect(operation["x-permission"] == .string(route.permission.name))
            #expect(operation["responses"]?["401"] != nil)
            #expect(operation["responses"]?["403"] != nil)
        }
        #expect(document["openapi"] == "3.1.0")
    }

    @Test("the document is valid OpenAPI 3.1 (openapi-spec-validator)")
    func validatesWithExternalValidator() async throws {
        let (_, _, document) = try await buildGateway()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(getpid()).json")
        try Data(JSONWriter.bytes(document)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sys; from openapi_spec_validator import validate; from openapi_spec_validator.readers import read_from_filename; \
            validate(read_from_filename(sys.argv[1])[0]); print('valid')
            """,
            file.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "openapi-spec-validator: \(text)")
    }

    @Test("deploy/local/permissions.txt lists exactly the gateway's permissions")
    func permissionsFileInSync() throws {
        let file = TestEnvironment.repositoryRoot.appendingPathComponent("deploy/local/permissions.txt")
        let listed = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init).filter {
            !$0.isEmpty && !$0.hasPrefix("#")
        }
        #expect(listed == Permission.all.map(\.name))
    }
}
