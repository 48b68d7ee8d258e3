import Foundation

/// `deploy/local/smtp-sink.py` (aiosmtpd, run with `python3`) on 127.0.0.1 at a free port, keeping the mail it receives
/// in a temporary directory: a real SMTP server for tests of the mail client. `deploy/local/cluster.sh packages` installs
/// aiosmtpd. ``stop()`` ends the process and deletes the directory.
public final class SMTPSink: Sendable {
    /// A message as the sink's Python `email` package read it (the `.json` next to each `.eml`).
    public struct ReceivedMail: Decodable, Sendable {
        public struct Attachment: Decodable, Sendable, Equatable {
            public let filename: String?
            public let contentType: String
            public let size: Int
            public let sha256: String

            public init(filename: String?, contentType: String, size: Int, sha256: String) {
                self.filename = filename
                self.contentType = contentType
                self.size = size
                self.sha256 = sha256
            }
        }

        /// The `.eml` file's name in ``SMTPSink/mailDirectory``.
        public let file: String
        public let mailFrom: String
        public let rcptTos: [String]
        public let messageId: String?
        /// Decoded (RFC 2047 undone).
        public let subject: String?
        public let from: String?
        public let to: String?
        public let replyTo: String?
        public let date: String?
        /// Every header field, decoded, in order.
        public let headers: [[String]]
        public let contentType: String
        /// The text/plain and text/html bodies, transfer encoding and charset undone (line breaks as sent: CRLF).
        public let text: String?
        public let html: String?
        public let attachments: [Attachment]
        /// What the `email` package found wrong with the MIME structure.
        public let defects: [String]
        public let authenticatedAs: String?
        /// Whether the message came over TLS (from the start or after STARTTLS).
        public let tls: Bool

        /// The first value of a header field, by case-insensitive name.
        public func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }.flatMap { $0.count > 1 ? $0[1] : nil }
        }
    }

    /// One AUTH attempt (`auth.jsonl`; the sink never records passwords).
    public struct AuthAttempt: Decodable, Sendable, Equatable {
        public let mechanism: String
        public let login: String?
        public let success: Bool
        public let tls: Bool

        public init(mechanism: String, login: String?, success: Bool, tls: Bool) {
            self.mechanism = mechanism
            self.login = login
            self.success = success
            self.tls = tls
        }
    }

    public let port: Int
    /// Where the `.eml` and `.json` files, `index.txt` and `auth.jsonl` are.
    public let mailDirectory: URL
    private let directory: URL
    private let process: Process

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.mailDirectory = directory.appendingPathComponent("mail")
        self.process = process
    }

    /// Starts a sink and waits until it listens (10 s at most).
    /// - Parameters:
    ///   - tls: a certificate and key (PEM files): STARTTLS offered and required, or TLS from the first byte with `implicitTLS`.
    ///   - user: with `password`, AUTH required (after STARTTLS when `tls` is given), with `authMechanisms` offered.
    ///   - reject: recipients refused with 550.
    /// - Throws: ``TestClusterError`` when python3 or aiosmtpd is missing or the sink does not start.
    public static func start(
        tls: (certificate: String, key: String)? = nil, implicitTLS: Bool = false, user: String? = nil, password: String? = nil,
        authMechanisms: [String] = ["PLAIN", "LOGIN"],
        reject: [String] = []
    ) async throws -> SMTPSink {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("billing-smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = FreePort.allocate()
        let readyFile = directory.appendingPathComponent("ready")
        let logFile = directory.appendingPathComponent("sink.log")
        var arguments = [
            TestEnvironment.repositoryRoot.appendingPathComponent("deploy/local/smtp-sink.py").path, "--host", "127.0.0.1", "--port", String(port),
            "--dir", directory.appendingPathComponent("mail").path, "--ready-file", readyFile.path, "--exit-with-parent",
        ]
        if let tls { arguments += ["--tls-cert", tls.certificate, "--tls-key", tls.key] + (implicitTLS ? ["--implicit-tls"] : []) }
        if let user, let password {
            arguments += ["--user", user, "--password", password, "--auth-mechanisms", authMechanisms.joined(separator: ",")]
        }
        if !reject.isEmpty { arguments += ["--reject", reject.joined(separator: ",")] }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw TestClusterError(message: "cannot run python3 for the SMTP sink: \(error)")
        }
        let sink = SMTPSink(port: port, directory: directory, process: process)
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: readyFile.path) { return sink }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let output = sink.log()
        let exited = !process.isRunning
        await sink.stop()
        throw TestClusterError(
            message: exited && process.terminationStatus == 3
                ? "the SMTP sink needs aiosmtpd (deploy/local/cluster.sh packages): \(output)"
                : "the SMTP sink did not start on port \(port) within 10 s:\n\(output)")
    }

    /// The messages received so far, oldest first.
    public func messages() throws -> [ReceivedMail] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: mailDirectory.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            try JSONDecoder().decode(ReceivedMail.self, from: Data(contentsOf: mailDirectory.appendingPathComponent(name)))
        }
    }

    /// The messages once there are at least `count`.
    /// - Throws: ``TestClusterError`` when fewer have come after `timeout`.
    public func waitForMessages(count: Int, timeout: Duration = .seconds(10)) async throws -> [ReceivedMail] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let messages = try messages()
            if messages.count >= count { return messages }
            guard ContinuousClock.now < deadline else {
                throw TestClusterError(message: "the SMTP sink has \(messages.count) of \(count) messages after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The raw bytes of a received message, as the server stored them (dot-stuffing undone).
    public func rawMessage(_ mail: ReceivedMail) throws -> [UInt8] {
        Array(try Data(contentsOf: mailDirectory.appendingPathComponent(mail.file)))
    }

    /// Every AUTH attempt so far, in order.
    public func authAttempts() throws -> [AuthAttempt] {
        let file = mailDirectory.appendingPathComponent("auth.jsonl")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(AuthAttempt.self, from: Data($0.utf8)) }
    }

    /// What the sink printed (start-up, one line per message, errors).
    public func log() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("sink.log"), encoding: .utf8)) ?? ""
    }

    /// Stops the sink (SIGTERM), waits for it to exit, and deletes its directory.
    public func stop() async {
        if process.isRunning { process.terminate() }
        await TestCluster.waitForExit(process)
        try? FileManager.default.removeItem(at: directory)
    }
}
