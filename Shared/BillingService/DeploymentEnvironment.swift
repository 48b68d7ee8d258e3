/// Where a process runs (`BILLING_ENVIRONMENT`). Only `development` allows what fakes money or trust: sandbox payment
/// providers, sandbox webhook secrets, plain h2c between services. Unset means production: a bare deployment is safe.
public enum DeploymentEnvironment: String, Sendable {
    case development
    case production

    public var isDevelopment: Bool { self == .development }

    static func read(_ reader: ConfigurationReader) throws -> DeploymentEnvironment {
        let text = reader.string("BILLING_ENVIRONMENT", default: DeploymentEnvironment.production.rawValue)
        guard let environment = DeploymentEnvironment(rawValue: text.lowercased()) else {
            throw ConfigurationError(variable: "BILLING_ENVIRONMENT", message: "'\(text)' is not development or production")
        }
        return environment
    }

    /// Refuses to start when a development-only setting is asked for outside development.
    public func requireDevelopment(for variable: String, _ what: String) throws {
        guard isDevelopment else {
            throw ConfigurationError(
                variable: variable,
                message: "\(what) exists only with BILLING_ENVIRONMENT=development (this process runs as \(rawValue))")
        }
    }
}
