import NIOCore
import NIOPosix
import NIOSSL

/// One TCP connection to an SMTP server in lockstep: send a command, await its reply, each step within `timeout`.
struct SMTPConnection: Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPReplyHandler>
    private let timeout: Duration

    /// Connects to `host:port`, with TLS from the first byte when `tls` is given (implicit TLS).
    /// - Throws: ``SMTPError`` (transient) when the connection cannot be made within `timeout`.
    static func connect(
        host: String, port: Int, tls: (context: NIOSSLContext, serverHostname: String?)?, timeout: Duration, group: any EventLoopGroup
    ) async throws -> SMTPConnection {
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            let handler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                        let handler = SMTPReplyHandler(eventLoop: channel.eventLoop)
                        handler.tlsStep = tls == nil ? nil : "TLS"
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return SMTPConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), timeout: timeout)
                    }
                }
        } catch {
            throw SMTPError.connection("connect to \(host):\(port)", "\(error)")
        }
    }

    /// The reply to `command` (a line without its CRLF), or the greeting when `command` is `nil`.
    /// - Throws: ``SMTPError`` (transient) on a timeout, a broken connection, a TLS failure or a protocol error.
    func reply(to command: String?, step: String) async throws -> SMTPReply {
        try await reply(sending: command.map { ByteBuffer(string: $0 + "\r\n") }, step: step)
    }

    /// The reply to `bytes` sent as they are (the message data, already dot-stuffed and ending in `CRLF.CRLF`).
    func reply(sending bytes: ByteBuffer?, step: String) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = self.timeout
        return try await channel.eventLoop.flatSubmit {
            handler.value.expectReply(step: step, sending: bytes, timeout: timeout)
        }.get()
    }

    /// Puts TLS under the conversation after the server's 220 to STARTTLS, before anything else is written; the
    /// handshake then runs while the next command waits for its reply.
    /// - Throws: ``SMTPError`` when the server sent anything after its 220 (it would have been read as if it came over
    ///   TLS), or the TLS handler cannot be made.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let handler = self.handler
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                guard !handler.value.hasPendingInput else {
                    throw SMTPError.connection("STARTTLS", "the server sent data after its 220, before TLS")
                }
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                handler.value.tlsStep = "STARTTLS"
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError.connection("STARTTLS", "TLS failure: \(error)")
        }
    }

    /// Closes the connection; returns once it is closed.
    func close() async {
        // Throws only when it is closed already (by the server, or after a failure): closed is what we want.
        try? await channel.close()
    }

    /// Closes the connection without waiting (task cancellation).
    func closeNow() {
        channel.close(promise: nil)
    }
}
