import BillingCore
import BillingEventsRedis
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Redis server of a test's own (free port, data under `.run-test/redis-<port>`), to stop, wipe and restart.
public final class TestRedis: Sendable {
    public let port: Int
    public let directory: URL
    private let process = Mutex<Process?>(nil)

    public init() {
        port = FreePort.allocate()
        directory = TestEnvironment.repositoryRoot.appendingPathComponent(".run-test/redis-\(port)")
        // A port used by an earlier run's Redis may have left its data here: this one starts empty.
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts it (append-only file on, like production) and waits until it answers.
    ///
    /// It runs under a small shell that stops it when this test process is gone (the shell's parent changes: a dead
    /// process may linger as a zombie where init does not reap, so `kill -0` cannot tell), and writes to its
    /// own log file: an inherited stdout would keep `swift test`'s pipe open after the tests end.
    public func start() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--appendonly", "yes", "--save", "''",
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ].joined(separator: " ")
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c",
            """
            /usr/bin/redis-server \(arguments) & server=$!
            while [ "$(cut -d' ' -f4 /proc/$$/stat)" = "\(getpid())" ] && kill -0 $server 2>/dev/null; do sleep 0.3; done
            kill $server 2>/dev/null; wait $server
            """,
        ]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        process.withLock { $0 = watchdog }
        for _ in 0..<100 {
            if (try? await ping()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestClusterError(message: "redis-server on port \(port) did not start")
    }

    /// Stops it cleanly (`SHUTDOWN`: the append-only file is kept) and waits for it to exit.
    public func stop() async {
        let connection = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: port, commandTimeoutMilliseconds: 2000))
        _ = try? await connection.command(["SHUTDOWN"])
        await connection.close()
        if let watchdog = process.withLock({ watchdog in
            defer { watchdog = nil }
            return watchdog
        }) {
            await TestCluster.waitForExit(watchdog)
        }
    }

    /// Deletes its data (call while stopped): the next start is an empty Redis.
    public func wipe() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func ping() async throws -> Bool {
        let connection = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: port, commandTimeoutMilliseconds: 500))
        let answered = (try? await connection.command(["PING"]).string) == "PONG"
        await connection.close()
        return answered
    }
}
