import DFP

extension JSONValue {
    public init(_ value: ProfileValue) {
        switch value {
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .uint(let value): self = .uint(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .bytes(let value): self = .string(value.hexString)
        }
    }

    /// `{"temperature": 21.5, ...}`
    public init(_ values: [NamedValue]) {
        self = .object(values.map { ($0.name, JSONValue($0.value)) })
    }

    public init(_ string: String?) {
        self = string.map(JSONValue.string) ?? .null
    }

    public init(_ integer: Int64?) {
        self = integer.map(JSONValue.int) ?? .null
    }
}
