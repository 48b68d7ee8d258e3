import NIOSSL

extension PixStandInCertificates {
    /// The server side of a stand-in: presents the server certificate; with `requireClientCertificate` only a client presenting
    /// a certificate from the stand-in CA gets through (mutual TLS). Throws NIOSSL's error when a file is unreadable.
    func serverContext(requireClientCertificate: Bool) throws -> NIOSSLContext {
        let key = try NIOSSLPrivateKey(file: serverKey, format: .pem)
        let chain = try NIOSSLCertificate.fromPEMFile(serverCertificate).map { NIOSSLCertificateSource.certificate($0) }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        if requireClientCertificate {
            configuration.trustRoots = .file(caFile)
            configuration.certificateVerification = .noHostnameVerification
        }
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }

    /// What a stand-in presents when it delivers a webhook over HTTPS: its server certificate; the receiver is not verified.
    func webhookContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(serverCertificate).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: serverKey, format: .pem))
        configuration.certificateVerification = .none
        return try NIOSSLContext(configuration: configuration)
    }
}
