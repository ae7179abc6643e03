import Crypto
import Foundation

/// The token every API, metrics and live-feed request must carry.
public enum APIToken {
    public static let fileName = "api-token"

    /// The configured token, or the one stored in the data dir, or a new one stored there (readable by
    /// its owner only). Returns whether it was generated now, so the start-up can print it.
    public static func resolve(configured: String?, dataDirectory: String) throws -> (token: String, generated: Bool) {
        if let configured, !configured.isEmpty {
            return (configured, false)
        }
        let url = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName)
        if let stored = try? String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !stored.isEmpty
        {
            return (stored, false)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let token = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        _ = FileManager.default.createFile(
            atPath: url.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return (token, true)
    }

    /// Compares in time that depends only on the lengths, not on where the first difference is.
    static func matches(_ candidate: Substring, _ token: String) -> Bool {
        // Hashing first gives equal-length inputs, so the comparison leaks nothing about the token.
        let lhs = SHA256.hash(data: Data(candidate.utf8))
        let rhs = SHA256.hash(data: Data(token.utf8))
        return zip(lhs, rhs).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
