import NIOCore

/// Length-prefixed message framing: 1 flag byte (bit 0 = compressed, reserved), 4-byte big-endian
/// length, then that many bytes of UTF-8 JSON.
public enum RPCFraming {
    public static let headerLength = 5
    /// Default limit for one message in either direction (4 MiB).
    public static let defaultMaximumMessageSize = 4 * 1024 * 1024

    /// Writes one framed message holding `payload`.
    public static func writeFrame(_ payload: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: headerLength + payload.readableBytes)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(payload.readableBytes))
        var payload = payload
        buffer.writeBuffer(&payload)
    }

    public static func frame(_ payload: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerLength + payload.readableBytes)
        writeFrame(payload, into: &buffer)
        return buffer
    }
}

/// Reassembles framed messages from arbitrarily split input.
///
/// A partial frame never moves the reader index: its bytes stay buffered until the rest arrives.
/// A declared length above the limit fails at once with `resource_exhausted`, before the body is buffered.
public struct RPCMessageDeframer: Sendable {
    public let maximumMessageSize: Int
    private var buffer: ByteBuffer?

    public init(maximumMessageSize: Int = RPCFraming.defaultMaximumMessageSize) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Bytes received that do not yet form a whole message.
    public var bufferedBytes: Int { buffer?.readableBytes ?? 0 }

    public mutating func append(_ data: ByteBuffer) {
        if buffer == nil || buffer!.readableBytes == 0 {
            buffer = data
        } else {
            var data = data
            buffer!.writeBuffer(&data)
        }
    }

    /// The next whole message, nil when more bytes are needed.
    ///
    /// Throws `resource_exhausted` for a message above the limit and `unimplemented` for a compressed one.
    public mutating func nextMessage() throws(RPCError) -> ByteBuffer? {
        guard var current = buffer, current.readableBytes >= RPCFraming.headerLength else { return nil }
        guard let flags = current.getInteger(at: current.readerIndex, as: UInt8.self),
            let length = current.getInteger(at: current.readerIndex + 1, as: UInt32.self)
        else { return nil }
        if flags & 0x01 != 0 { throw RPCError(.unimplemented, "compressed messages are not supported") }
        guard Int(length) <= maximumMessageSize else {
            throw RPCError(
                .resourceExhausted, "message of \(length) bytes exceeds the limit of \(maximumMessageSize) bytes", reason: "MESSAGE_TOO_LARGE")
        }
        guard current.readableBytes >= RPCFraming.headerLength + Int(length) else { return nil }
        current.moveReaderIndex(forwardBy: RPCFraming.headerLength)
        let message = current.readSlice(length: Int(length))!
        if current.readableBytes == 0 {
            buffer = nil
        } else {
            // Compact when the consumed prefix dominates, so a long stream does not grow the buffer.
            if current.readerIndex > 64 * 1024 { current.discardReadBytes() }
            buffer = current
        }
        return message
    }
}
