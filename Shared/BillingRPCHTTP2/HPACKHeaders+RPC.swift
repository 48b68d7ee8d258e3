import BillingRPC
import NIOCore
import NIOHPACK

extension HPACKHeaders {
    /// Request headers of a call to `path` on `authority`.
    static func rpcRequest(path: String, authority: String, options: RPCCallOptions, deadline: RPCDeadline) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(10)
        headers.add(name: ":method", value: "POST")
        headers.add(name: ":scheme", value: "http")
        headers.add(name: ":path", value: path)
        headers.add(name: ":authority", value: authority)
        headers.add(name: RPCHeader.contentType, value: RPCHeader.contentTypeValue)
        headers.add(name: RPCHeader.deadline, value: String(deadline.remainingMilliseconds))
        let metadata = options.metadata
        if let tenant = metadata.tenant { headers.add(name: RPCHeader.tenant, value: tenant) }
        if let actor = metadata.actor { headers.add(name: RPCHeader.actor, value: actor) }
        if let requestID = metadata.requestID { headers.add(name: RPCHeader.requestID, value: requestID) }
        if let key = metadata.idempotencyKey { headers.add(name: RPCHeader.idempotencyKey, value: key) }
        if let traceparent = metadata.traceparent { headers.add(name: RPCHeader.traceparent, value: traceparent) }
        return headers
    }

    /// The call metadata found in request headers, each value sanitized.
    var rpcMetadata: RPCMetadata {
        RPCMetadata(
            tenant: RPCMetadata.sanitized(first(name: RPCHeader.tenant)),
            actor: RPCMetadata.sanitized(first(name: RPCHeader.actor)),
            requestID: RPCMetadata.sanitized(first(name: RPCHeader.requestID)),
            idempotencyKey: RPCMetadata.sanitized(first(name: RPCHeader.idempotencyKey)),
            traceparent: RPCMetadata.sanitized(first(name: RPCHeader.traceparent)))
    }

    static let rpcOKTrailers: HPACKHeaders = [RPCHeader.status: RPCCode.ok.rawValue]

    static let rpcResponseHead: HPACKHeaders = [":status": "200", RPCHeader.contentType: RPCHeader.contentTypeValue]

    static func rpcTrailers(_ code: RPCCode, message: String?) -> HPACKHeaders {
        var trailers: HPACKHeaders = [RPCHeader.status: code.rawValue]
        if let message, !message.isEmpty {
            // Header values must be printable ASCII; the full text travels in the error message body.
            let printable = String(
                String.UnicodeScalarView(message.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
            trailers.add(name: RPCHeader.message, value: String(printable.prefix(512)))
        }
        return trailers
    }
}
