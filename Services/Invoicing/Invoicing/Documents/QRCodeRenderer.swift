import Dispatch
import Foundation

/// Draws a QR code as SVG with Debian's `qrencode` (installed by `make run`/`make test`), error correction M as BR Codes use.
/// The process runs off the cooperative pool; its output is small and it exits at once.
struct QRCodeRenderer: Sendable {
    let executable: String

    init(executable: String = "/usr/bin/qrencode") { self.executable = executable }

    /// The SVG, or nil when `qrencode` is missing or fails (the copy-and-paste code still works without the picture).
    func svg(_ text: String) async -> String? {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return nil }
        let executable = executable
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = ["-t", "SVG", "-l", "M", "-m", "2", "-o", "-", text]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                do {
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    guard process.terminationStatus == 0, let svg = String(data: data, encoding: .utf8), svg.contains("<svg") else {
                        continuation.resume(returning: nil)
                        return
                    }
                    // Only the <svg> element: it is embedded in HTML pages and JSON documents.
                    continuation.resume(returning: svg.range(of: "<svg").map { String(svg[$0.lowerBound...]) })
                } catch {
                    continuation.resume(returning: nil)
                }
            }
        }
    }
}
