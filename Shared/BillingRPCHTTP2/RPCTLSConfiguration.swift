import NIOCore
import NIOSSL
import NIOTLS
import X509

/// Mutual TLS between services: the deployment's internal CA, and this service's certificate and key. Servers require a client
/// certificate from the CA and learn the caller's service from it; clients check that the server is the service they meant.
public struct RPCTLSConfiguration: Sendable {
    /// The service these credentials name (`spiffe://billing/<service>`).
    public let service: String
    /// Built once, when the settings are read (a bad key or certificate stops start-up, not a later call).
    let serverContext: NIOSSLContext
    let clientContext: NIOSSLContext

    /// From PEM files; throws naming the file that cannot be used, or a certificate that does not name `service`.
    public init(service: String, caFile: String, certificateFile: String, keyFile: String) throws(RPCTLSSetupError) {
        func load<T>(_ file: String, _ what: String, _ read: (String) throws -> T) throws(RPCTLSSetupError) -> T {
            do { return try read(file) } catch { throw RPCTLSSetupError(file: file, message: "cannot read \(what): \(error)") }
        }
        let roots = try load(caFile, "the CA certificates") { try NIOSSLCertificate.fromPEMFile($0) }
        let chain = try load(certificateFile, "the certificate") { try NIOSSLCertificate.fromPEMFile($0) }
        let key = try load(keyFile, "the private key") { try NIOSSLPrivateKey(file: $0, format: .pem) }
        try self.init(service: service, trustRoots: roots, certificateChain: chain, privateKey: key, source: certificateFile)
    }

    /// From PEM text (tests).
    public init(service: String, caPEM: String, certificatePEM: String, keyPEM: String) throws(RPCTLSSetupError) {
        do {
            try self.init(
                service: service, trustRoots: try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)),
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)),
                privateKey: try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem), source: "PEM")
        } catch let error as RPCTLSSetupError {
            throw error
        } catch {
            throw RPCTLSSetupError(file: "PEM", message: "\(error)")
        }
    }

    private init(
        service: String, trustRoots: [NIOSSLCertificate], certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey,
        source: String
    ) throws(RPCTLSSetupError) {
        guard !trustRoots.isEmpty else { throw RPCTLSSetupError(file: source, message: "no CA certificate") }
        guard let leaf = certificateChain.first else { throw RPCTLSSetupError(file: source, message: "no certificate") }
        let named = ServiceIdentity.service(of: leaf)
        guard named == service else {
            throw RPCTLSSetupError(
                file: source,
                message: "the certificate names \(named.map { "spiffe://billing/\($0)" } ?? "no billing service"), "
                    + "not \(ServiceIdentity.uri(for: service))")
        }
        self.service = service
        do {
            serverContext = try Self.serverContext(trustRoots: trustRoots, certificateChain: certificateChain, privateKey: privateKey)
            clientContext = try Self.clientContext(trustRoots: trustRoots, certificateChain: certificateChain, privateKey: privateKey)
        } catch {
            throw RPCTLSSetupError(file: source, message: "cannot set up TLS with this certificate and key: \(error)")
        }
    }

    /// A server's context: a client certificate from the CA is required (its chain checked, its name read per connection).
    private static func serverContext(
        trustRoots: [NIOSSLCertificate], certificateChain: [NIOSSLCertificate],
        privateKey: NIOSSLPrivateKey
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey))
        configuration.trustRoots = .certificates(trustRoots)
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2"]
        return try NIOSSLContext(configuration: configuration)
    }

    /// A client's context: presents this service's certificate; the server's chain is checked against the CA, its name by
    /// ``RPCPeerIdentityCheck`` (the same certificate serves every address a replica has, so host names are not the identity).
    private static func clientContext(
        trustRoots: [NIOSSLCertificate], certificateChain: [NIOSSLCertificate],
        privateKey: NIOSSLPrivateKey
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = certificateChain.map { .certificate($0) }
        configuration.privateKey = .privateKey(privateKey)
        configuration.trustRoots = .certificates(trustRoots)
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2"]
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A TLS setting that cannot be used; the service refuses to start.
public struct RPCTLSSetupError: Error, CustomStringConvertible {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

/// A service's identity in its certificate: the URI subject alternative name `spiffe://billing/<service>`.
public enum ServiceIdentity {
    static let prefix = "spiffe://billing/"

    public static func uri(for service: String) -> String { prefix + service }

    /// The service a certificate names, if any.
    public static func service(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der),
            let names = try? parsed.extensions.subjectAlternativeNames
        else { return nil }
        for name in names {
            if case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix(prefix) {
                let service = uri.dropFirst(prefix.count)
                if !service.isEmpty && service.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) { return String(service) }
            }
        }
        return nil
    }
}

/// Client side: once the TLS handshake is done, checks that the server's certificate names the expected service, and only
/// then lets calls use the connection (`verified`); another service's certificate, even from the CA, closes it.
final class RPCPeerIdentityCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let expected: String
    private let verified: EventLoopPromise<Void>

    init(expected: String, verified: EventLoopPromise<Void>) {
        self.expected = expected
        self.verified = verified
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            let peer = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()).flatMap { $0 }.flatMap(ServiceIdentity.service(of:))
            if peer == expected {
                verified.succeed()
            } else {
                verified.fail(
                    RPCTLSSetupError(
                        file: "peer",
                        message: "the server is \(peer.map(ServiceIdentity.uri(for:)) ?? "no billing service"), "
                            + "not \(ServiceIdentity.uri(for: expected))"))
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        verified.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        verified.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}

/// Server side: the calling service of one connection, read from its client certificate when its first call arrives.
final class RPCConnectionCaller: @unchecked Sendable {
    // Touched only on the connection's event loop (stream channels share their parent's loop).
    private var resolved: String??

    func service(of channel: any Channel) -> String? {
        if let resolved { return resolved }
        let service = (try? channel.pipeline.syncOperations.nioSSL_peerCertificate()).flatMap { $0 }.flatMap(ServiceIdentity.service(of:))
        resolved = .some(service)
        return service
    }
}
