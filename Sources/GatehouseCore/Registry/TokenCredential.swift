import Crypto

/// What the registry keeps of a device token: a random salt and SHA-256(salt || token), never the token itself, so
/// a copy of the database file does not let anyone log in as a device.
struct TokenCredential: Sendable {
    /// 128 bits: tokens are secrets a device presents, not passwords a person picks, so guessing is hopeless.
    static let tokenByteCount = 16
    static let saltByteCount = 16

    let salt: [UInt8]
    let hash: [UInt8]

    init(salt: [UInt8], hash: [UInt8]) {
        self.salt = salt
        self.hash = hash
    }

    /// The credential for `token` under a fresh random salt.
    init(token: String) {
        let salt = Self.randomBytes(count: Self.saltByteCount)
        self.init(salt: salt, hash: Self.digest(salt: salt, token: token))
    }

    /// A fresh random token as lowercase hex (32 characters, well within DFP's str8).
    static func newToken() -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        let hex = randomBytes(count: tokenByteCount).flatMap { byte in
            [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Whether `token` is the one this credential was made from; takes the same time whichever byte differs.
    func matches(_ token: String) -> Bool {
        constantTimeEquals(Self.digest(salt: salt, token: token), hash)
    }

    private static func digest(salt: [UInt8], token: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(token.utf8))
        return Array(hasher.finalize())
    }

    private static func randomBytes(count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
