import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a benchmark's time went: every service instance's RPC time by method (`billing_rpc_server_duration_seconds` from its
/// admin port) and the CPU seconds of every service process, of PostgreSQL's and of the benchmark's own process, which shares
/// the machine (`/proc/<pid>/stat`). Take one before and one after the measured span; `report(since:)` prints the difference as tables.
public struct ClusterProfile: Sendable {
    public let rpc: [String: RPCTime]
    public let cpu: [String: Double]

    public struct RPCTime: Sendable {
        public var seconds = 0.0
        public var calls = 0.0
    }

    public static func take(_ cluster: TestCluster, _ running: TestCluster.Running) async throws -> ClusterProfile {
        var rpc: [String: RPCTime] = [:]
        var cpu: [String: Double] = [:]
        for (service, replicas) in running.replicaPorts {
            for (index, ports) in replicas.enumerated() {
                let instance = TestCluster.instance(service, index)
                let admin = HTTPTestClient(baseURL: "http://127.0.0.1:\(ports.admin)")
                defer { admin.close() }
                for line in try await admin.get("/metrics", token: nil).text.split(separator: "\n")
                where line.hasPrefix("billing_rpc_server_duration_seconds_") {
                    guard let open = line.firstIndex(of: "\""), let close = line[line.index(after: open)...].firstIndex(of: "\""),
                        let value = Double(line.split(separator: " ").last ?? "")
                    else { continue }
                    let key = "\(instance) \(line[line.index(after: open)..<close])"
                    if line.hasPrefix("billing_rpc_server_duration_seconds_sum") { rpc[key, default: RPCTime()].seconds = value }
                    if line.hasPrefix("billing_rpc_server_duration_seconds_count") { rpc[key, default: RPCTime()].calls = value }
                }
                if let pid = await cluster.processIdentifier(of: instance), let seconds = cpuSeconds(pid) { cpu[instance] = seconds }
            }
        }
        // PostgreSQL: every process whose command is postgres (backends come and go; the sum is what matters).
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                command.hasPrefix("postgres"), let seconds = cpuSeconds(pid)
            else { continue }
            cpu[Self.database, default: 0] += seconds
        }
        if let seconds = cpuSeconds(getpid()) { cpu[Self.client] = seconds }
        return ClusterProfile(rpc: rpc, cpu: cpu)
    }

    /// PostgreSQL's processes together, and the benchmark's own process (its HTTP clients), in ``cpu``.
    public static let database = "postgresql"
    public static let client = "benchmark client"

    /// CPU seconds used by each process since `before`, most first.
    public func cpuSpent(since before: ClusterProfile) -> [(process: String, seconds: Double)] {
        cpu.map { ($0.key, $0.value - (before.cpu[$0.key] ?? 0)) }.sorted { $0.1 > $1.1 }
    }

    /// User + system CPU seconds a process has used.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The RPC time by method (the 10 largest) and the CPU per process spent since `before`, as Markdown tables.
    public func report(since before: ClusterProfile, wallSeconds: Double) -> String {
        var lines = ["| RPC served (instance, method) | calls | mean ms | total s |", "|---|---|---|---|"]
        let spent = rpc.map { key, after in
            (key, after.seconds - (before.rpc[key]?.seconds ?? 0), after.calls - (before.rpc[key]?.calls ?? 0))
        }
        for (key, seconds, calls) in spent.filter({ $0.2 > 0 }).sorted(by: { $0.1 > $1.1 }).prefix(10) {
            lines.append("| \(key) | \(Int(calls)) | \(String(format: "%.1f", 1000 * seconds / calls)) | \(String(format: "%.1f", seconds)) |")
        }
        let used = cpuSpent(since: before)
        let total = used.reduce(0) { $0 + $1.1 }
        lines += ["", "| CPU used (user + system) | seconds |", "|---|---|"]
        lines += used.map { "| \($0.0) | \(String(format: "%.1f", $0.1)) |" }
        lines.append(
            "| all, over \(String(format: "%.1f", wallSeconds)) s of wall time on \(ProcessInfo.processInfo.activeProcessorCount) cores | "
                + "\(String(format: "%.1f", total)) (\(String(format: "%.0f", 100 * total / max(wallSeconds, 0.001) / Double(ProcessInfo.processInfo.activeProcessorCount)))% of the machine) |"
        )
        return lines.joined(separator: "\n")
    }
}
