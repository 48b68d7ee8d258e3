import CHiredis
import Dispatch
import Foundation

/// One connection to Redis through libhiredis.
///
/// hiredis is blocking, so every call runs on this connection's own serial dispatch queue — never
/// on a NIO event loop or the cooperative pool — and the caller awaits its completion. A broken
/// connection is dropped and reopened on the next call. `redisCommand` is variadic and cannot be
/// called from Swift; commands go through `redisCommandArgv`, pipelines through
/// `redisAppendCommandArgv` + `redisGetReply`.
public final class RedisConnection: @unchecked Sendable {
    public let configuration: RedisConfiguration
    private let queue: DispatchQueue
    /// Only touched on `queue`.
    private var context: UnsafeMutablePointer<redisContext>?

    public init(configuration: RedisConfiguration, label: String = "redis") {
        self.configuration = configuration
        self.queue = DispatchQueue(label: "billing.redis.\(label)")
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Runs one command (`["XADD", "stream", "*", "field", "value"]`); an error reply is thrown.
    @discardableResult
    public func command(_ arguments: [String], timeoutMilliseconds: Int? = nil) async throws(RedisError) -> RedisReply {
        let replies = try await pipeline([arguments], timeoutMilliseconds: timeoutMilliseconds)
        if case .error(let message) = replies[0] { throw .reply(message) }
        return replies[0]
    }

    /// Sends several commands in one round trip and returns every reply (error replies included, not thrown).
    public func pipeline(_ commands: [[String]], timeoutMilliseconds: Int? = nil) async throws(RedisError) -> [RedisReply] {
        let result: Result<[RedisReply], RedisError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.runPipeline(commands, timeoutMilliseconds: timeoutMilliseconds))
            }
        }
        return try result.get()
    }

    /// Closes the connection (the next call reconnects).
    public func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                self.disconnect()
                continuation.resume()
            }
        }
    }

    private func connect() -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        if let context { return .success(context) }
        let timeout = Self.timeval(milliseconds: configuration.commandTimeoutMilliseconds)
        guard let created = redisConnectWithTimeout(configuration.host, Int32(configuration.port), timeout) else {
            return .failure(.connection("cannot allocate a redis context"))
        }
        if created.pointee.err != 0 {
            let message = Self.errorString(created)
            redisFree(created)
            return .failure(.connection("\(configuration.host):\(configuration.port): \(message)"))
        }
        if let credentials = configuration.credentials {
            // A connection is used only once its ACL user is authenticated: every command after runs as that user.
            redisSetTimeout(created, timeout)
            let reply = Self.withArgv(["AUTH", credentials.username, credentials.password]) { argc, argv, lengths in
                redisAppendCommandArgv(created, argc, argv, lengths)
            }
            var raw: UnsafeMutableRawPointer?
            guard reply == REDIS_OK, redisGetReply(created, &raw) == REDIS_OK, let raw else {
                let message = Self.errorString(created)
                redisFree(created)
                return .failure(.connection("\(configuration.host):\(configuration.port): AUTH: \(message)"))
            }
            let answer = Self.convert(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            if case .error(let message) = answer {
                redisFree(created)
                return .failure(.connection("\(configuration.host):\(configuration.port): AUTH as \(credentials.username) refused: \(message)"))
            }
        }
        context = created
        return .success(created)
    }

    private func disconnect() {
        if let context { redisFree(context) }
        context = nil
    }

    private func runPipeline(_ commands: [[String]], timeoutMilliseconds: Int?) -> Result<[RedisReply], RedisError> {
        let context: UnsafeMutablePointer<redisContext>
        switch connect() {
        case .success(let connected): context = connected
        case .failure(let error): return .failure(error)
        }
        redisSetTimeout(context, Self.timeval(milliseconds: timeoutMilliseconds ?? configuration.commandTimeoutMilliseconds))
        for arguments in commands {
            let appended = Self.withArgv(arguments) { argc, argv, lengths in redisAppendCommandArgv(context, argc, argv, lengths) }
            guard appended == REDIS_OK else {
                let message = Self.errorString(context)
                disconnect()
                return .failure(.connection(message))
            }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                let message = Self.errorString(context)
                disconnect()
                return .failure(.connection(message))
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.convert(reply))
            freeReplyObject(raw)
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            disconnect()
            return .failure(.connection(message))
        }
        return .success(replies)
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch Int32(value.type) {
        case REDIS_REPLY_STRING: return .string(string(value.str, Int(value.len)))
        case REDIS_REPLY_STATUS: return .status(string(value.str, Int(value.len)))
        case REDIS_REPLY_ERROR: return .error(string(value.str, Int(value.len)))
        case REDIS_REPLY_INTEGER: return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(value.elements))
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { elements.append(convert(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default: return .null
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }.nonEmpty ?? "connection error \(context.pointee.err)"
    }

    private static func timeval(milliseconds: Int) -> Glibc.timeval {
        Glibc.timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
    }

    /// Calls `body` with C argument vectors for `arguments` (binary-safe lengths).
    private static func withArgv(
        _ arguments: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Int32
    ) -> Int32 {
        let utf8 = arguments.map { Array($0.utf8) }
        let lengths = utf8.map(\.count)
        let buffers = utf8.map { bytes -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { buffer.update(from: base, count: bytes.count) }
                }
            }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var pointers: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0) }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { lengthPointer in
                body(Int32(arguments.count), argv.baseAddress!, lengthPointer.baseAddress!)
            }
        }
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
