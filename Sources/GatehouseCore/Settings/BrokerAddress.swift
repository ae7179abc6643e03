/// Where the MQTT broker is: `mqtt://[user:pass@]host[:port]`, or `mqtts://` for TLS.
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var usesTLS: Bool
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, usesTLS: Bool = false, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
        self.username = username
        self.password = password
    }

    /// Parses a broker URL; the port defaults to 1883 (mqtt) or 8883 (mqtts).
    public init(parsing url: String) throws(SettingsError) {
        let usage = "expected mqtt://[user:pass@]host[:port] or mqtts://…, got \"\(url)\""
        let rest: Substring
        if url.hasPrefix("mqtt://") {
            self.usesTLS = false
            rest = url.dropFirst("mqtt://".count)
        } else if url.hasPrefix("mqtts://") {
            self.usesTLS = true
            rest = url.dropFirst("mqtts://".count)
        } else {
            throw SettingsError(usage)
        }
        var authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.contains("/") else { throw SettingsError(usage) }
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                self.username = Self.percentDecoded(credentials[..<colon])
                self.password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                self.username = Self.percentDecoded(credentials)
            }
        }
        let defaultPort = self.usesTLS ? 8883 : 1883
        if authority.hasPrefix("[") {
            // An IPv6 literal: [::1]:1883
            guard let close = authority.firstIndex(of: "]") else { throw SettingsError(usage) }
            self.host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            self.port = try Self.port(after.isEmpty ? nil : after.dropFirst(), default: defaultPort, usage: usage)
        } else if let colon = authority.lastIndex(of: ":") {
            self.host = String(authority[..<colon])
            self.port = try Self.port(authority[authority.index(after: colon)...], default: defaultPort, usage: usage)
        } else {
            self.host = String(authority)
            self.port = defaultPort
        }
        guard !self.host.isEmpty else { throw SettingsError(usage) }
    }

    private static func port(_ text: Substring?, default defaultPort: Int, usage: String) throws(SettingsError) -> Int {
        guard let text else { return defaultPort }
        guard let port = Int(text), (1...65535).contains(port) else { throw SettingsError(usage) }
        return port
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL without the password, for logs.
    public var description: String {
        let user = self.username.map { "\($0)@" } ?? ""
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(self.usesTLS ? "mqtts" : "mqtt")://\(user)\(host):\(self.port)"
    }
}
