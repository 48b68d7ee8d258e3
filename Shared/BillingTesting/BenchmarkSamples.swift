import Foundation
import Synchronization

/// Latency samples a benchmark collects from many tasks, and their percentiles.
public final class BenchmarkSamples: Sendable {
    private let samples = Mutex<[Double]>([])

    public init() {}

    public func record(_ seconds: Double) { samples.withLock { $0.append(seconds) } }
    public func record(_ duration: Duration) { record(Self.seconds(duration)) }
    public var count: Int { samples.withLock { $0.count } }

    /// The `p` quantile (0…1) in seconds; 0 without samples.
    public func percentile(_ p: Double) -> Double {
        let sorted = samples.withLock { $0 }.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// `p` as milliseconds text for report tables.
    public func milliseconds(_ p: Double) -> String { String(format: "%.1f ms", percentile(p) * 1000) }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
