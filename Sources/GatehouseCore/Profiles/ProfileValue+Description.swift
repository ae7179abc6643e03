extension ProfileValue: CustomStringConvertible {
    /// The value as a person reads it in a log line: numbers plainly, bytes in hex.
    public var description: String {
        switch self {
        case .bool(let value): "\(value)"
        case .int(let value): "\(value)"
        case .uint(let value): "\(value)"
        case .double(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .bytes(let value): "0x" + value.hexString
        }
    }
}

extension NamedValue: CustomStringConvertible {
    /// `temperature=21.5°C`
    public var description: String {
        "\(self.name)=\(self.value)\(self.unit ?? "")"
    }
}

extension [UInt8] {
    /// Lowercase hex, two digits a byte: how `bytes` values are shown in logs and JSON.
    public var hexString: String {
        self.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
