import BillingCore
import Foundation
import Logging
import Synchronization

/// One JSON object per line on standard error: time, level, logger, message and metadata
/// (request id, tenant, trace id when the caller set them).
public struct JSONLogHandler: LogHandler {
    private static let outputLock = Mutex<Void>(())

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object = JSONObject()
        object["ts"] = .string(RFC3339.format(Date()))
        object["level"] = .string(event.level.rawValue)
        object["logger"] = .string(label)
        object["msg"] = .string("\(event.message)")
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() { object[key] = .string("\(merged[key]!)") }
        var line = JSONWriter.bytes(.object(object))
        line.append(0x0A)
        JSONLogHandler.outputLock.withLock { _ in
            FileHandle.standardError.write(Data(line))
        }
    }
}
