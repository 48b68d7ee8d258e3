import NIOCore
import NIOHTTP1

/// One HTTP/1.1 request and its answer on an open connection, which is closed afterwards: the answer's status and the
/// first `maximumResponseBytes` of its body; the rest is not read.
enum WebhookExchange {
    typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// The status and body prefix of the answer. Cancelling the task closes the connection at once.
    /// - Throws: ``WebhookDeliveryFailure`` (TLS, invalid response, closed before an answer).
    static func run(
        on connection: Connection, head: HTTPRequestHead, body: [UInt8], maximumResponseBytes: Int
    ) async throws -> (status: Int, prefix: [UInt8]) {
        let channel = connection.channel
        return try await withTaskCancellationHandler {
            try await connection.executeThenClose { inbound, outbound in
                // A receiver may answer (413, 401) before it has read the body, and then close: read the answer anyway.
                var writeError: (any Error)?
                do {
                    try await outbound.write(.head(head))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                    try await outbound.write(.end(nil))
                } catch {
                    writeError = error
                }
                var status: Int?
                var prefix: [UInt8] = []
                do {
                    reading: for try await part in inbound {
                        switch part {
                        case .head(let response):
                            status = Int(response.status.code)
                            if maximumResponseBytes <= 0 { break reading }
                        case .body(let buffer):
                            prefix += buffer.readableBytesView.prefix(maximumResponseBytes - prefix.count)
                            if prefix.count >= maximumResponseBytes { break reading }
                        case .end:
                            break reading
                        }
                    }
                } catch {
                    // A body cut short after the head is still an answer.
                    if let status { return (status, prefix) }
                    throw WebhookDeliveryFailure(error)
                }
                guard let status else {
                    throw writeError.map { WebhookDeliveryFailure($0) } ?? .connection("closed before an answer")
                }
                return (status, prefix)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}
