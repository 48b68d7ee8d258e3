import BillingRPC
import NIOCore
import Testing

@Suite("Length-prefixed framing")
struct RPCFramingTests {
    @Test("frames with a zero flag byte and a big-endian length")
    func framesBytes() {
        let framed = RPCFraming.frame(ByteBuffer(string: "{}"))
        #expect(Array(framed.readableBytesView) == [0x00, 0x00, 0x00, 0x00, 0x02, 0x7B, 0x7D])
    }

    @Test("reassembles a message drip-fed one byte at a time")
    func dripFeed() throws {
        let payload = #"{"hello":"world","n":12345}"#
        let framed = RPCFraming.frame(ByteBuffer(string: payload))
        var deframer = RPCMessageDeframer()
        var received: [String] = []
        for byte in framed.readableBytesView {
            deframer.append(ByteBuffer(bytes: [byte]))
            while let message = try deframer.nextMessage() { received.append(String(buffer: message)) }
        }
        #expect(received == [payload])
        #expect(deframer.bufferedBytes == 0)
    }

    @Test("yields every message of one buffer, keeping a trailing partial frame")
    func manyInOneBuffer() throws {
        var buffer = ByteBuffer()
        for index in 0..<100 { RPCFraming.writeFrame(ByteBuffer(string: "{\"i\":\(index)}"), into: &buffer) }
        let partial = RPCFraming.frame(ByteBuffer(string: "{\"i\":100}"))
        buffer.writeBytes(partial.readableBytesView.prefix(7))
        var deframer = RPCMessageDeframer()
        deframer.append(buffer)
        var count = 0
        while let message = try deframer.nextMessage() {
            #expect(String(buffer: message) == "{\"i\":\(count)}")
            count += 1
        }
        #expect(count == 100)
        #expect(deframer.bufferedBytes == 7)  // the partial frame is not lost
        deframer.append(ByteBuffer(bytes: partial.readableBytesView.dropFirst(7)))
        #expect(try deframer.nextMessage().map { String(buffer: $0) } == "{\"i\":100}")
    }

    @Test("refuses a declared length above the limit before buffering it")
    func oversize() {
        var deframer = RPCMessageDeframer(maximumMessageSize: 16)
        deframer.append(ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x00, 0x11]))
        #expect(throws: RPCError.self) { try deframer.nextMessage() }
        do {
            _ = try deframer.nextMessage()
        } catch {
            #expect(error.code == .resourceExhausted)
        }
    }

    @Test("refuses compressed messages")
    func compressed() {
        var deframer = RPCMessageDeframer()
        deframer.append(ByteBuffer(bytes: [0x01, 0x00, 0x00, 0x00, 0x00]))
        #expect(throws: RPCError(.unimplemented, "compressed messages are not supported")) { try deframer.nextMessage() }
    }

    @Test("an empty message is a message")
    func emptyMessage() throws {
        var deframer = RPCMessageDeframer()
        deframer.append(ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x00, 0x00]))
        #expect(try deframer.nextMessage()?.readableBytes == 0)
    }
}
