import Hummingbird

/// The per-request context Hummingbird hands to routes.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The gateway enforces its own body limit; this only bounds Hummingbird's own decoding helpers.
    var maxUploadSize: Int { 1_048_576 }
}
