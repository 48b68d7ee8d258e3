import Foundation

/// The certificates of a ``PixStandIn``, issued with `openssl` into a temporary directory: the PSP's CA, the PSP's server
/// certificate, the client certificate the PSP gives its customer for mutual TLS, and a client certificate from another CA
/// the stand-in does not trust (for refusal tests). Keys are unencrypted PEM (PKCS #8, EC P-256).
public struct PixStandInCertificates: Sendable {
    /// `billing-psp-<uuid>` under the temporary directory; ``remove()`` deletes it.
    public let directory: URL
    /// The stand-in CA ("PSP stand-in CA"): what a client trusts to reach the stand-in, and what the stand-in trusts for
    /// client certificates.
    public let caFile: String
    /// The server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`; extended key usage serverAuth, clientAuth: the stand-in
    /// also presents it when it delivers webhooks over HTTPS) and its key.
    public let serverCertificate: String
    public let serverKey: String
    /// The customer's certificate (CN `billing-invoicing`, extended key usage clientAuth) from the stand-in CA, and its key.
    public let clientCertificate: String
    public let clientKey: String
    /// A client certificate (CN `billing-invoicing`, clientAuth) from another CA, which the stand-in refuses, and its key.
    public let untrustedClientCertificate: String
    public let untrustedClientKey: String

    /// Issues a new set in a new temporary directory. Throws ``PixStandInError`` when `openssl` is missing or fails.
    public static func issue() throws -> PixStandInCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-psp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            let certificates = PixStandInCertificates(directory: directory)
            try makeCA(named: "PSP stand-in CA", key: certificates.path("ca.key"), certificate: certificates.caFile, in: directory)
            try makeLeaf(
                subject: "/O=PSP stand-in/CN=localhost", ca: "ca", key: certificates.serverKey, certificate: certificates.serverCertificate,
                extensions: ["extendedKeyUsage = serverAuth, clientAuth", "subjectAltName = DNS:localhost, IP:127.0.0.1"], in: directory)
            try makeLeaf(
                subject: "/O=billing/CN=billing-invoicing", ca: "ca", key: certificates.clientKey, certificate: certificates.clientCertificate,
                extensions: ["extendedKeyUsage = clientAuth"], in: directory)
            try makeCA(named: "Unrelated CA", key: certificates.path("other-ca.key"), certificate: certificates.path("other-ca.crt"), in: directory)
            try makeLeaf(
                subject: "/O=billing/CN=billing-invoicing", ca: "other-ca", key: certificates.untrustedClientKey,
                certificate: certificates.untrustedClientCertificate, extensions: ["extendedKeyUsage = clientAuth"], in: directory)
            return certificates
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private init(directory: URL) {
        self.directory = directory
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        caFile = path("ca.crt")
        serverCertificate = path("server.crt")
        serverKey = path("server.key")
        clientCertificate = path("client.crt")
        clientKey = path("client.key")
        untrustedClientCertificate = path("untrusted-client.crt")
        untrustedClientKey = path("untrusted-client.key")
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private static func makeCA(named name: String, key: String, certificate: String, in directory: URL) throws {
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], in: directory)
        try openssl(
            [
                "req", "-x509", "-new", "-key", key, "-sha256", "-days", "30", "-subj", "/O=PSP stand-in/CN=\(name)",
                "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-addext", "subjectKeyIdentifier=hash", "-out", certificate,
            ], in: directory)
    }

    /// A certificate signed by `<ca>.crt`/`<ca>.key` in `directory`.
    private static func makeLeaf(subject: String, ca: String, key: String, certificate: String, extensions: [String], in directory: URL) throws {
        let name = URL(fileURLWithPath: certificate).deletingPathExtension().lastPathComponent
        let request = directory.appendingPathComponent("\(name).csr").path
        let extensionFile = directory.appendingPathComponent("\(name).ext")
        let lines =
            ["basicConstraints = critical, CA:FALSE", "keyUsage = critical, digitalSignature"] + extensions
            + ["subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid, issuer"]
        try (lines.joined(separator: "\n") + "\n").write(to: extensionFile, atomically: true, encoding: .utf8)
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], in: directory)
        try openssl(["req", "-new", "-key", key, "-subj", subject, "-out", request], in: directory)
        let serial = "0x" + PixStandInFormat.randomHex(bytes: 16)
        try openssl(
            [
                "x509", "-req", "-in", request, "-CA", directory.appendingPathComponent("\(ca).crt").path,
                "-CAkey", directory.appendingPathComponent("\(ca).key").path, "-set_serial", serial, "-days", "30", "-sha256",
                "-extfile", extensionFile.path, "-out", certificate,
            ], in: directory)
        try? FileManager.default.removeItem(atPath: request)
        try? FileManager.default.removeItem(at: extensionFile)
    }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PixStandInError(message: "cannot run openssl (is it installed?): \(error)")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw PixStandInError(
                message: "openssl \(arguments.prefix(1).joined()) failed (exit \(process.terminationStatus)): \(text)")
        }
    }
}
