import BillingRPCHTTP2
import Foundation

/// Reads `BILLING_…` environment variables with defaults, remembering every value for the start-up
/// printout (secrets masked). A malformed value is a start-up failure naming the variable.
public final class ConfigurationReader: @unchecked Sendable {
    public let environment: [String: String]
    private(set) var entries: [(name: String, value: String, isDefault: Bool)] = []

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        let value = environment[name].flatMap { $0.isEmpty ? nil : $0 }
        entries.append((name, value ?? defaultValue, value == nil))
        return value ?? defaultValue
    }

    public func optionalString(_ name: String) -> String? {
        let value = environment[name].flatMap { $0.isEmpty ? nil : $0 }
        entries.append((name, value ?? "(unset)", value == nil))
        return value
    }

    /// A secret: printed as `***`.
    public func secret(_ name: String, default defaultValue: String) -> String {
        let value = environment[name].flatMap { $0.isEmpty ? nil : $0 }
        entries.append((name, "***", value == nil))
        return value ?? defaultValue
    }

    /// A secret that may be unset: printed as `***` or `(unset)`.
    public func secretIfSet(_ name: String) -> String? {
        let value = environment[name].flatMap { $0.isEmpty ? nil : $0 }
        entries.append((name, value == nil ? "(unset)" : "***", value == nil))
        return value
    }

    public func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let text = environment[name], !text.isEmpty else {
            entries.append((name, String(defaultValue), true))
            return defaultValue
        }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, message: "'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        entries.append((name, text, false))
        return value
    }

    public func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let text = environment[name], !text.isEmpty else {
            entries.append((name, String(defaultValue), true))
            return defaultValue
        }
        switch text.lowercased() {
        case "1", "true", "yes", "on":
            entries.append((name, "true", false))
            return true
        case "0", "false", "no", "off":
            entries.append((name, "false", false))
            return false
        default: throw ConfigurationError(variable: name, message: "'\(text)' is not a boolean (true/false)")
        }
    }

    /// A comma-separated `host:port` list.
    public func endpoints(_ name: String, default defaultValue: String) throws -> [RPCEndpoint] {
        let text = string(name, default: defaultValue)
        guard let endpoints = RPCEndpoint.list(text) else {
            throw ConfigurationError(variable: name, message: "'\(text)' is not a comma-separated list of host:port")
        }
        return endpoints
    }

    /// A database URL: printed with the password masked.
    public func databaseURL(_ name: String, default defaultValue: String) -> String {
        let value = environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? defaultValue
        var printable = value
        if let components = URLComponents(string: value), components.password != nil {
            var masked = components
            masked.password = "***"
            printable = masked.string ?? "***"
        }
        entries.append((name, printable, environment[name] == nil))
        return value
    }

    /// The values read, one per line, for the start-up log.
    public var summary: String {
        entries.map { "  \($0.name)=\($0.value)\($0.isDefault ? " (default)" : "")" }.joined(separator: "\n")
    }
}

/// A configuration value that cannot be used; the service refuses to start.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let variable: String
    public let message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}
