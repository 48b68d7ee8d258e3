import BillingCore
import BillingService
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Builds the Hummingbird router: every API route through the pipeline, plus the system endpoints.
enum GatewayRouter {
    /// The prefix seed 001's examples put before `/api/v1` (`https://api.catalisa.io/billing/api/v1/billing-accounts`).
    static let seedBasePath = "/billing"

    static let systemEndpoints: [OpenAPIDocument.SystemEndpoint] =
        [
            .init(path: "/healthz", summary: "The gateway process is alive", contentType: "text/plain"),
            .init(
                path: "/readyz",
                summary:
                    """
                    Whether this gateway takes traffic (`ready`, or 503 `not ready`), from a state refreshed in the background; details and \
                    metrics are on the admin port only
                    """,
                contentType: "text/plain"),
            .init(path: "/openapi.json", summary: "This document", contentType: "application/json"),
        ] + ConsoleRoutes.endpoints

    static func build(
        routes: [APIRoute], webhooks: PaymentWebhookReceiver, pix: PixWebhookReceiver, stripe: StripeWebhookReceiver, pipeline: APIPipeline,
        readiness: ReadinessState,
        environment: DeploymentEnvironment, stripePublishableKey: String? = nil, boleto: BoletoWebhookReceiver? = nil
    ) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        let allowedMethods = AllowedMethods()
        router.add(middleware: NotFoundMiddleware(pipeline: pipeline, allowedMethods: allowedMethods))
        for route in routes {
            // Also under seed 001's base path (`/billing/api/v1/…`), so the seed's examples run as printed.
            for path in [route.routerPath] + (route.routerPath.hasPrefix("/api/") ? [seedBasePath + route.routerPath] : []) {
                router.on(RouterPath(path), method: route.method) { request, context in
                    await pipeline.handle(route, request: request, context: context)
                }
            }
        }
        // Webhooks: no token, their own authentication; timed and counted like the routes.
        func webhook(_ path: String, _ handle: @escaping @Sendable (Request, GatewayRequestContext) async -> Response) {
            router.post(RouterPath(path.replacingOccurrences(of: "{provider}", with: ":provider"))) { request, context in
                let started = ContinuousClock.now
                let response = await handle(request, context)
                pipeline.record(route: "POST \(path)", status: response.status, since: started)
                return response
            }
        }
        webhook(PaymentWebhookReceiver.path, webhooks.handle)
        for path in PixWebhookReceiver.paths { webhook(path, pix.handle) }
        webhook(StripeWebhookReceiver.path, stripe.handle)
        if let boleto { webhook(BoletoWebhookReceiver.path, boleto.handle) }
        let openAPI = ByteBuffer(bytes: JSONWriter.bytes(OpenAPIDocument.build(routes: routes, system: systemEndpoints)))
        router.get("/healthz") { _, _ in text("ok\n") }
        // The public answer says only ready or not, from the kept verdict: no check runs per request, nothing internal is shown.
        router.get("/readyz") { _, _ in readiness.lastKnownReady ? text("ready\n") : text("not ready\n", status: .serviceUnavailable) }
        ConsoleRoutes.register(on: router, environment: environment.rawValue, stripePublishableKey: stripePublishableKey)
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPI))
        }
        allowedMethods.learn(router.routes.map { ($0.path.description, $0.method) })
        return router
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The methods each served path template answers, learned once the router is built: a path served with other methods
/// answers 405 with `Allow` (RFC 9110 §15.5.6), not 404.
final class AllowedMethods: Sendable {
    private let templates = Mutex<[(segments: [Substring], methods: Set<String>)]>([])

    func learn(_ routes: [(path: String, method: HTTPRequest.Method)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method.rawValue) }
        templates.withLock { templates in
            templates = byPath.map { (Self.segments(of: $0.key), $0.value) }
        }
    }

    /// The methods some served template of `path` answers, sorted; empty when no template matches it.
    func methods(for path: String) -> [String] {
        let requested = Self.segments(of: path)
        let matching = templates.withLock { templates in
            templates.filter { template in
                template.segments.count == requested.count
                    && zip(template.segments, requested).allSatisfy { pattern, segment in
                        pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" ? !segment.isEmpty : pattern == segment
                    }
            }
        }
        return matching.reduce(into: Set<String>()) { $0.formUnion($1.methods) }.sorted()
    }

    private static func segments(of path: String) -> [Substring] { path.split(separator: "/", omittingEmptySubsequences: true) }
}

/// Unknown paths get a JSON:API 404, and a method a served path lacks a 405 with `Allow`.
struct NotFoundMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let pipeline: APIPipeline
    let allowedMethods: AllowedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            let allowed = allowedMethods.methods(for: request.uri.path)
            let status: HTTPResponse.Status = allowed.isEmpty || allowed.contains(request.method.rawValue) ? .notFound : .methodNotAllowed
            var response = APIPipeline.render(
                APIError(
                    status, code: status == .notFound ? "ROUTE_NOT_FOUND" : "METHOD_NOT_ALLOWED",
                    title: APIError.title(for: status),
                    detail: "no \(request.method.rawValue) \(request.uri.path.prefix(200)) in this API (see /openapi.json)"))
            if !allowed.isEmpty { response.headers[.allow] = allowed.joined(separator: ", ") }
            pipeline.record(route: "unmatched", status: response.status, since: started)
            return response
        }
    }
}
