import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/console`: the admin billing console (issue 11, seed 000 "Admin → Billing"), a small single-page app that signs in with a
/// tenant token and speaks only the public `/api/v1` API from the browser.
///
/// Its files are a SwiftPM resource of this target (`Console/static`), read once when the router is built and served from
/// memory: `GET /console` (and `/console/`, the same route) is `index.html`, `GET /console/<file>` each file of ``files``.
/// Anything else under `/console/` is not a route, so it is the usual 404. Every answer carries a strict
/// Content-Security-Policy (same origin only, no inline script or style) and `Cache-Control: no-cache`.
enum ConsoleRoutes {
    static let path = "/console"

    /// Every file the console consists of, with its content type; `index.html` is served at ``path`` itself.
    static let files: [(name: String, contentType: String)] = [
        ("console.css", "text/css; charset=utf-8"),
        ("i18n.js", "text/javascript; charset=utf-8"),
        ("console.js", "text/javascript; charset=utf-8"),
    ]

    /// Same origin only: scripts and styles from files, pictures from files or `data:` (the PIX QR code), API calls to the gateway.
    /// With a Stripe publishable key, Stripe.js too (its script, its card field's frames, its API), as Stripe documents for
    /// Elements.
    static func contentSecurityPolicy(stripe: Bool) -> String {
        let (script, frames, connect) =
            stripe
            ? ("'self' https://js.stripe.com", "https://js.stripe.com https://hooks.stripe.com", "'self' https://api.stripe.com")
            : ("'self'", "'none'", "'self'")
        return "default-src 'none'; script-src \(script); style-src 'self'; img-src 'self' data:; connect-src \(connect); "
            + "frame-src \(frames); base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// The OpenAPI entries of the console's paths (`GatewayRouter.systemEndpoints`).
    static let endpoints: [OpenAPIDocument.SystemEndpoint] =
        [
            .init(
                path: path, summary: "The admin billing console (sign in with a tenant token; `#token=` in the URL is accepted)",
                contentType: "text/html")
        ]
        + files.map { .init(path: "\(path)/\($0.name)", summary: "A file of the admin billing console", contentType: $0.contentType) }

    /// Registers the console's routes. The files are read here, once; if they cannot be (a broken install), the routes answer 500
    /// naming the problem instead of serving a half console.
    /// `stripePublishableKey`: the console takes cards with Stripe Elements (the card never touches the gateway) instead of a token
    /// field.
    static func register(
        on router: Router<GatewayRequestContext>, environment: String, stripePublishableKey: String? = nil,
        directory: URL = Bundle.module.resourceURL!.appendingPathComponent("static")
    ) {
        let loaded = Result { () throws(ConsoleFilesMissing) in
            try load(from: directory, environment: environment, stripePublishableKey: stripePublishableKey)
        }
        let policy = contentSecurityPolicy(stripe: stripePublishableKey != nil)
        router.get(RouterPath(path)) { _, _ in try response(loaded, "index.html", policy: policy) }
        for file in files {
            router.get(RouterPath("\(path)/\(file.name)")) { _, _ in try response(loaded, file.name, policy: policy) }
        }
    }

    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    /// `index.html` and every file of ``files`` from `directory`; throws naming the first one missing. `index.html` tells the
    /// console its environment (`data-environment`): the sandbox's test cards are named in development only.
    static func load(from directory: URL, environment: String, stripePublishableKey: String? = nil) throws(ConsoleFilesMissing) -> [String: Asset] {
        var assets: [String: Asset] = [:]
        for (name, contentType) in [("index.html", "text/html; charset=utf-8")] + files {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ConsoleFilesMissing(detail: "the console file \(name) is missing from the gateway's resources")
            }
            let bytes =
                name == "index.html"
                ? Array(
                    String(decoding: data, as: UTF8.self).replacingOccurrences(of: "{{BILLING_ENVIRONMENT}}", with: environment)
                        .replacingOccurrences(of: "{{STRIPE_PUBLISHABLE_KEY}}", with: stripePublishableKey ?? "").utf8)
                : Array(data)
            assets[name] = Asset(body: ByteBuffer(bytes: bytes), contentType: contentType)
        }
        return assets
    }

    private static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    struct ConsoleFilesMissing: Error {
        let detail: String
    }

    private static func response(_ loaded: Result<[String: Asset], ConsoleFilesMissing>, _ name: String, policy: String) throws -> Response {
        switch loaded {
        case .failure(let missing):
            return APIPipeline.render(APIError(.internalServerError, code: "CONSOLE_UNAVAILABLE", title: "Internal error", detail: missing.detail))
        case .success(let assets):
            guard let asset = assets[name] else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: headers(contentType: asset.contentType, policy: policy), body: .init(byteBuffer: asset.body))
        }
    }

    static func headers(contentType: String, policy: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = policy
        headers[.xContentTypeOptions] = "nosniff"
        headers[referrerPolicy] = "no-referrer"
        return headers
    }
}
