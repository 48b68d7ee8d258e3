import CXMLSec

/// GZip (RFC 1952) with zlib: SEFIN Nacional takes the signed DPS and answers the NFS-e as GZip in base64
/// (`dpsXmlGZipB64`, `nfseXmlGZipB64`).
public enum GZip {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw Failure(description: "deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var source = input
        let status = source.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(description: "deflate did not finish (\(status))") }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// Refuses more than `limit` bytes of output (a bomb) and anything not gzip.
    public static func decompress(_ input: [UInt8], limit: Int = 16 << 20) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var source = input
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        try source.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                result.append(contentsOf: chunk.prefix(produced))
                guard result.count <= limit else { throw Failure(description: "more than \(limit) bytes once decompressed") }
                if status == Z_STREAM_END { return }
                guard status == Z_OK, produced > 0 || stream.avail_in > 0 else {
                    throw Failure(description: "not gzip, or cut short (\(status))")
                }
            }
        }
        return result
    }
}
