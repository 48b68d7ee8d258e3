import BillingCore
import Foundation
import NIOCore
import NIOFoundationCompat

/// JSON on the internal wire: RFC 3339 dates (microseconds), the digit-string forms of `Money`,
/// `Credits` and `DecimalNumber`; unknown keys are ignored.
///
/// Messages go through ``WireJSONEncoder``/``WireJSONDecoder`` (streaming, no intermediate tree).
public enum RPCSerialization {
    public static func encode<T: Encodable>(_ value: T, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(RPCError) -> ByteBuffer {
        do {
            let bytes = try WireJSONEncoder().encode(value)
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return buffer
        } catch {
            throw RPCError(.internal, "could not encode \(T.self): \(error)")
        }
    }

    /// Decodes a message; a malformed one is the caller's fault (`invalid_argument`).
    /// Encodes `value` as one framed message (header included), ready to send.
    public static func encodeFramed<T: Encodable>(_ value: T, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(RPCError) -> ByteBuffer {
        do {
            var bytes = try WireJSONEncoder().encode(value, reservingPrefix: RPCFraming.headerLength)
            let length = UInt32(bytes.count - RPCFraming.headerLength)
            bytes[1] = UInt8(truncatingIfNeeded: length >> 24)
            bytes[2] = UInt8(truncatingIfNeeded: length >> 16)
            bytes[3] = UInt8(truncatingIfNeeded: length >> 8)
            bytes[4] = UInt8(truncatingIfNeeded: length)
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return buffer
        } catch {
            throw RPCError(.internal, "could not encode \(T.self): \(error)")
        }
    }

    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws(RPCError) -> T {
        do {
            return try WireJSONDecoder().decode(T.self, from: Array(buffer.readableBytesView))
        } catch let error as WireDecodingError {
            throw RPCError.invalidArgument("malformed \(T.self) message: \(error)", field: error.path.first, reason: "MALFORMED_MESSAGE")
        } catch let error as DecodingError {
            throw RPCError.invalidArgument("malformed \(T.self) message: \(describe(error))", reason: "MALFORMED_MESSAGE")
        } catch {
            throw RPCError.invalidArgument("malformed \(T.self) message: \(error)", reason: "MALFORMED_MESSAGE")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
