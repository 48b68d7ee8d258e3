import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// TCP ports on 127.0.0.1 for test servers.
///
/// Ports come from 20000–32767, below Linux's ephemeral range (32768–60999): the kernel never gives those to outgoing
/// connections or to another `bind(0)`, which made "bind to port 0, read it back, close" hand the same port to two servers
/// of one cluster under load. Each port is checked free by binding it, and never handed out twice by this process.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])
    private static let range = 20_000..<32_768

    public static func allocate() -> Int {
        for _ in 0..<10_000 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if isFree(port) { return port }
        }
        preconditionFailure("no free TCP port in \(range)")
    }

    private static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(descriptor >= 0, "socket() failed")
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        } == 0
    }
}
