// `make bench-rpc`: unary calls/s and p50/p99 latency over one HTTP/2 connection on loopback, with 1, 16 and
// 64 concurrent callers and a ~1 KiB JSON message, for (a) our RPC server and (b) a bare swift-nio-http2
// handler echoing the same bytes with no framing, routing or JSON. Each server runs in its own process;
// one raw HTTP/2 client drives both with identical bytes, so the ratio measures the server. The typed
// client (JSON both ways) is measured too, over plain h2c and over mutual TLS (our RPC server in a third process with
// certificates of a throw-away CA from deploy/docker/make-dev-certs.sh), so the cost of TLS is the ratio of the two typed
// columns, measured in the same run. Reports numbers; asserts nothing.
import BillingRPC
import BillingRPCHTTP2
import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import ServiceLifecycle
import Synchronization

struct Item: Codable, Sendable {
    var sku: String
    var quantity: Int
    var unitAmount: String
    var description: String
}
struct EchoMessage: Codable, Sendable {
    var tenant: String
    var account: String
    var items: [Item]
    var note: String
}

let echoMethod = UnaryMethod<EchoMessage, EchoMessage>(
    service: "billing.bench.v1.Echo", method: "Echo", retry: .always, callers: .anyService, summary: "echo")

let smallPayload = ProcessInfo.processInfo.environment["BENCH_PAYLOAD"] == "small"
let sampleMessage =
    smallPayload
    ? EchoMessage(tenant: "t", account: "a", items: [], note: "")
    : EchoMessage(
        tenant: "tenant-benchmark", account: "01936f5e-8a4c-7c3e-9f1a-2b3c4d5e6f70",
        items: (0..<8).map {
            Item(sku: "sku-\($0)-abcdefgh", quantity: $0 + 1, unitAmount: "\($0 + 1)9.90", description: "Line item number \($0) with some text")
        },
        note: String(repeating: "x", count: 200))

// MARK: - servers (child process)

/// The baseline: echo the request body back per stream, nothing else.
final class BareEchoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload
    private var body: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if headers.endStream { respond(context: context) }
        case .data(let frame):
            if case .byteBuffer(var bytes) = frame.data {
                if body == nil { body = bytes } else { body!.writeBuffer(&bytes) }
            }
            if frame.endStream { respond(context: context) }
        default: break
        }
    }

    private func respond(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.headers(.init(headers: [":status": "200", "content-type": "application/octet-stream"]))), promise: nil)
        context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(body ?? ByteBuffer())))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: ["rpc-status": "ok"], endStream: true))), promise: nil)
    }
}

func serveBare(port: Int) throws -> Never {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                    mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
                ) { stream in
                    stream.eventLoop.makeCompletedFuture { try stream.pipeline.syncOperations.addHandler(BareEchoHandler()) }
                }
            }
        }
        .bind(host: "127.0.0.1", port: port).wait()
    FileHandle.standardOutput.write(Data("listening \(channel.localAddress!.port!)\n".utf8))
    try channel.closeFuture.wait()
    exit(0)
}

func serveRPC(port: Int, tls: RPCTLSConfiguration? = nil) async throws -> Never {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    var router = RPCRouter()
    router.register(echoMethod) { request, _ in request }
    let server = RPCServer(
        configuration: RPCServerConfiguration(port: port, serviceName: tls?.service ?? "bench", tls: tls), router: router, logger: logger)
    let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm], cancellationSignals: [], logger: logger)
    async let running: Void = group.run()
    FileHandle.standardOutput.write(Data("listening \(try await server.listeningAddress().port!)\n".utf8))
    try await running
    exit(0)
}

// MARK: - raw client

final class RawCallHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload
    let head: HPACKHeaders
    let body: ByteBuffer
    let promise: EventLoopPromise<Void>

    init(head: HPACKHeaders, body: ByteBuffer, promise: EventLoopPromise<Void>) {
        self.head = head
        self.body = body
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.headers(.init(headers: head))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame) where frame.endStream: promise.succeed(())
        case .data(let frame) where frame.endStream: promise.succeed(())
        default: break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}

struct RawClient: Sendable {
    let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    let channel: any Channel

    static func connect(port: Int) async throws -> RawClient {
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
                    ) { $0.close() }
                    promise.succeed(multiplexer)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(multiplexer: try await promise.futureResult.get(), channel: channel)
    }

    func call(head: HPACKHeaders, body: ByteBuffer) async throws {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(RawCallHandler(head: head, body: body, promise: promise))
            }
        }
        try await promise.futureResult.get()
    }
}

// MARK: - measurement

struct Result {
    let callsPerSecond: Double
    let p50: Double
    let p99: Double
}

func measure(concurrency: Int, seconds: Double, call: @escaping @Sendable () async throws -> Void) async throws -> Result {
    // Warm-up.
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency { group.addTask { for _ in 0..<50 { try await call() } } }
        try await group.waitForAll()
    }
    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(Int(seconds * 1000))
    let started = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var samples: [Double] = []
                while clock.now < end {
                    let before = clock.now
                    try await call()
                    let elapsed = clock.now - before
                    samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                }
                return samples
            }
        }
        var all: [Double] = []
        for try await samples in group { all += samples }
        return all.sorted()
    }
    let elapsed = clock.now - started
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    return Result(callsPerSecond: Double(latencies.count) / total, p50: percentile(0.5), p99: percentile(0.99))
}

func startChild(_ mode: String, _ extra: [String] = []) throws -> (Process, Int) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--serve", mode] + extra
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    var text = ""
    while !text.contains("\n") {
        let data = pipe.fileHandleForReading.availableData
        if data.isEmpty { break }
        text += String(decoding: data, as: UTF8.self)
    }
    guard let port = Int(text.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
        fatalError("child did not report its port: \(text)")
    }
    return (process, port)
}

func format(_ value: Double) -> String { String(format: "%.0f", value) }
func formatMs(_ value: Double) -> String { String(format: "%.2f", value) }

// MARK: - main

/// Credentials of `service` from a make-dev-certs.sh directory.
func credentials(_ service: String, in directory: String) throws -> RPCTLSConfiguration {
    try RPCTLSConfiguration(
        service: service, caFile: directory + "/ca-bundle.crt", certificateFile: directory + "/\(service).crt",
        keyFile: directory + "/\(service).key")
}

let arguments = CommandLine.arguments
if arguments.count >= 3 && arguments[1] == "--serve" {
    if arguments[2] == "bare" { try serveBare(port: 0) }
    if arguments[2] == "rpc-tls" { try await serveRPC(port: 0, tls: try credentials("ledger", in: arguments[3])) }
    try await serveRPC(port: 0)
}

let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 3
let payload = try RPCSerialization.encode(sampleMessage)
let framed = RPCFraming.frame(payload)
print(
    """
    bench-rpc: request message \(payload.readableBytes) bytes of JSON (\(framed.readableBytes) framed); medians of alternating runs, \(seconds) \
    s each; 2-core loopback
    """
)

// A throw-away CA and service certificates (RSA 2048, as make run and compose use).
let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("bench-rpc-tls-\(getpid())").path
let issuer = Process()
issuer.executableURL = URL(fileURLWithPath: "deploy/docker/make-dev-certs.sh")
issuer.arguments = [certificates]
issuer.standardError = FileHandle.nullDevice
try issuer.run()
issuer.waitUntilExit()
guard issuer.terminationStatus == 0 else { fatalError("deploy/docker/make-dev-certs.sh failed (run from the repository root; needs openssl)") }

let (bareProcess, barePort) = try startChild("bare")
let (rpcProcess, rpcPort) = try startChild("rpc")
let (tlsProcess, tlsPort) = try startChild("rpc-tls", [certificates])
defer {
    bareProcess.terminate()
    rpcProcess.terminate()
    tlsProcess.terminate()
    try? FileManager.default.removeItem(atPath: certificates)
}

let bareClient = try await RawClient.connect(port: barePort)
let rpcRawClient = try await RawClient.connect(port: rpcPort)
let bareHead: HPACKHeaders = [
    ":method": "POST", ":scheme": "http", ":path": "/echo", ":authority": "127.0.0.1", "content-type": "application/octet-stream",
]
let rpcHead: HPACKHeaders = [
    ":method": "POST", ":scheme": "http", ":path": echoMethod.path, ":authority": "127.0.0.1",
    "content-type": RPCHeader.contentTypeValue, "rpc-deadline-ms": "10000", "billing-tenant": "tenant-benchmark",
]
var logger = Logger(label: "bench")
logger.logLevel = .error
let typedTransport = RPCHTTP2ClientTransport(
    configuration: RPCClientConfiguration(serviceName: "bench", endpoints: [RPCEndpoint(host: "127.0.0.1", port: rpcPort)]), logger: logger)
let typedClient = RPCClient(transport: typedTransport)
// The gateway calling the "ledger" over mutual TLS: the same typed client, one TLS connection.
let tlsTransport = RPCHTTP2ClientTransport(
    configuration: RPCClientConfiguration(
        serviceName: "ledger", endpoints: [RPCEndpoint(host: "127.0.0.1", port: tlsPort)],
        tls: try credentials("gateway", in: certificates)), logger: logger)
let tlsClient = RPCClient(transport: tlsTransport)
let options = RPCCallOptions(tenant: "tenant-benchmark", timeout: .seconds(10))

print("")
print(
    """
    | callers | bare h2 echo calls/s | RPC server calls/s | ratio | bare p50/p99 ms | RPC p50/p99 ms | typed h2c calls/s | typed h2c p50/p99 ms \
    | typed mTLS calls/s | mTLS p50/p99 ms | TLS cost |
    """
)
print("|---|---|---|---|---|---|---|---|---|---|---|")
let levels = (ProcessInfo.processInfo.environment["BENCH_CALLERS"] ?? "1,16,64").split(separator: ",").compactMap { Int($0) }
let repetitions = Int(ProcessInfo.processInfo.environment["BENCH_REPETITIONS"] ?? "") ?? 3
func median(_ results: [Result], _ key: (Result) -> Double) -> Double { results.map(key).sorted()[results.count / 2] }
for concurrency in levels {
    // Alternate the servers so machine noise hits both alike; report medians.
    var bare: [Result] = [], rpc: [Result] = [], typed: [Result] = [], secured: [Result] = []
    for _ in 0..<repetitions {
        bare.append(try await measure(concurrency: concurrency, seconds: seconds) { try await bareClient.call(head: bareHead, body: framed) })
        rpc.append(try await measure(concurrency: concurrency, seconds: seconds) { try await rpcRawClient.call(head: rpcHead, body: framed) })
        typed.append(
            try await measure(concurrency: concurrency, seconds: seconds) {
                _ = try await typedClient.call(echoMethod, sampleMessage, options: options)
            })
        secured.append(
            try await measure(concurrency: concurrency, seconds: seconds) {
                _ = try await tlsClient.call(echoMethod, sampleMessage, options: options)
            })
    }
    let bareRate = median(bare, \.callsPerSecond), rpcRate = median(rpc, \.callsPerSecond)
    let typedRate = median(typed, \.callsPerSecond), securedRate = median(secured, \.callsPerSecond)
    print(
        "| \(concurrency) | \(format(bareRate)) | \(format(rpcRate)) | \(String(format: "%.0f%%", 100 * rpcRate / bareRate)) | "
            + "\(formatMs(median(bare, \.p50)))/\(formatMs(median(bare, \.p99))) | \(formatMs(median(rpc, \.p50)))/\(formatMs(median(rpc, \.p99))) | "
            + "\(format(typedRate)) | \(formatMs(median(typed, \.p50)))/\(formatMs(median(typed, \.p99))) | "
            + "\(format(securedRate)) | \(formatMs(median(secured, \.p50)))/\(formatMs(median(secured, \.p99))) | "
            + "\(String(format: "%.1f%%", 100 * (1 - securedRate / typedRate))) |")
}
typedTransport.close()
tlsTransport.close()
