import Foundation
import Synchronization

/// A process-wide set of Prometheus metrics, rendered in the text exposition format at `/metrics`.
public final class MetricsRegistry: Sendable {
    private struct Key: Hashable {
        let name: String
        let labels: [String: String]
    }

    private enum Family {
        case counter(help: String, series: [Key: Counter])
        case gauge(help: String, series: [Key: Gauge])
        case histogram(help: String, series: [Key: Histogram])
    }

    private let families = Mutex<[String: Family]>([:])

    public init() {}

    /// The counter `name{labels}`, created on first use.
    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> Counter {
        families.withLock { families in
            let key = Key(name: name, labels: labels)
            if case .counter(let existingHelp, var series) = families[name] {
                if let counter = series[key] { return counter }
                let counter = Counter()
                series[key] = counter
                families[name] = .counter(help: existingHelp, series: series)
                return counter
            }
            let counter = Counter()
            families[name] = .counter(help: help, series: [key: counter])
            return counter
        }
    }

    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> Gauge {
        families.withLock { families in
            let key = Key(name: name, labels: labels)
            if case .gauge(let existingHelp, var series) = families[name] {
                if let gauge = series[key] { return gauge }
                let gauge = Gauge()
                series[key] = gauge
                families[name] = .gauge(help: existingHelp, series: series)
                return gauge
            }
            let gauge = Gauge()
            families[name] = .gauge(help: help, series: [key: gauge])
            return gauge
        }
    }

    public func histogram(_ name: String, help: String, labels: [String: String] = [:], buckets: [Double] = Histogram.defaultBuckets) -> Histogram {
        families.withLock { families in
            let key = Key(name: name, labels: labels)
            if case .histogram(let existingHelp, var series) = families[name] {
                if let histogram = series[key] { return histogram }
                let histogram = Histogram(buckets: buckets)
                series[key] = histogram
                families[name] = .histogram(help: existingHelp, series: series)
                return histogram
            }
            let histogram = Histogram(buckets: buckets)
            families[name] = .histogram(help: help, series: [key: histogram])
            return histogram
        }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        let snapshot = families.withLock { $0 }
        var output = ""
        for name in snapshot.keys.sorted() {
            switch snapshot[name]! {
            case .counter(let help, let series):
                output += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
                for (key, counter) in series.sorted(by: { Self.labelText($0.key.labels) < Self.labelText($1.key.labels) }) {
                    output += "\(name)\(Self.labelText(key.labels)) \(counter.value)\n"
                }
            case .gauge(let help, let series):
                output += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
                for (key, gauge) in series.sorted(by: { Self.labelText($0.key.labels) < Self.labelText($1.key.labels) }) {
                    output += "\(name)\(Self.labelText(key.labels)) \(Self.number(gauge.value))\n"
                }
            case .histogram(let help, let series):
                output += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
                for (key, histogram) in series.sorted(by: { Self.labelText($0.key.labels) < Self.labelText($1.key.labels) }) {
                    let (counts, sum, count) = histogram.snapshot()
                    var cumulative = 0
                    for (bound, bucketCount) in zip(histogram.buckets, counts) {
                        cumulative += bucketCount
                        output += "\(name)_bucket\(Self.labelText(key.labels, extra: ("le", Self.number(bound)))) \(cumulative)\n"
                    }
                    output += "\(name)_bucket\(Self.labelText(key.labels, extra: ("le", "+Inf"))) \(count)\n"
                    output += "\(name)_sum\(Self.labelText(key.labels)) \(Self.number(sum))\n"
                    output += "\(name)_count\(Self.labelText(key.labels)) \(count)\n"
                }
            }
        }
        return output
    }

    static func labelText(_ labels: [String: String], extra: (String, String)? = nil) -> String {
        var pairs = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let extra { pairs.append(extra) }
        guard !pairs.isEmpty else { return "" }
        let escaped = pairs.map { key, value in
            "\(key)=\"\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n"))\""
        }
        return "{" + escaped.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// A monotonically increasing count.
public final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    public func increment(by amount: Int = 1) { storage.wrappingAdd(amount, ordering: .relaxed) }
    public var value: Int { storage.load(ordering: .relaxed) }
}

/// A value that goes up and down.
public final class Gauge: Sendable {
    private let storage = Mutex<Double>(0)
    public func set(_ value: Double) { storage.withLock { $0 = value } }
    public func add(_ delta: Double) { storage.withLock { $0 += delta } }
    public var value: Double { storage.withLock { $0 } }
}

/// Observations counted into fixed buckets.
public final class Histogram: Sendable {
    /// Seconds, from 0.5 ms to 10 s.
    public static let defaultBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public let buckets: [Double]
    private let state: Mutex<(counts: [Int], sum: Double, count: Int)>

    init(buckets: [Double]) {
        self.buckets = buckets.sorted()
        self.state = Mutex(([Int](repeating: 0, count: buckets.count), 0, 0))
    }

    public func observe(_ value: Double) {
        let index = buckets.firstIndex { value <= $0 }
        state.withLock { state in
            if let index { state.counts[index] += 1 }
            state.sum += value
            state.count += 1
        }
    }

    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) / 1e18)
    }

    func snapshot() -> ([Int], Double, Int) { state.withLock { ($0.counts, $0.sum, $0.count) } }
}
