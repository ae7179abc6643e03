/// Writes one JSON object straight to UTF-8 bytes, member by member: the telemetry path's encoder,
/// which skips building a `JSONValue` tree for every frame.
public struct JSONObjectWriter {
    private var output: [UInt8]
    private var empty = true

    public init(capacity: Int = 160) {
        self.output = []
        self.output.reserveCapacity(capacity)
        self.output.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ key: String) {
        if !self.empty { self.output.append(UInt8(ascii: ",")) }
        self.empty = false
        JSONValue.writeString(key, into: &self.output)
        self.output.append(UInt8(ascii: ":"))
    }

    public mutating func member(_ key: String, _ value: String) {
        self.key(key)
        JSONValue.writeString(value, into: &self.output)
    }

    public mutating func member(_ key: String, _ value: Int64) {
        self.key(key)
        JSONValue.writeInteger(value.magnitude, negative: value < 0, into: &self.output)
    }

    public mutating func member(_ key: String, _ value: JSONValue) {
        self.key(key)
        value.write(into: &self.output)
    }

    /// `"key": {"temperature": 21.5, ...}`
    public mutating func member(_ key: String, _ values: [NamedValue]) {
        self.key(key)
        self.output.append(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { self.output.append(UInt8(ascii: ",")) }
            JSONValue.writeString(value.name, into: &self.output)
            self.output.append(UInt8(ascii: ":"))
            JSONValue(value.value).write(into: &self.output)
        }
        self.output.append(UInt8(ascii: "}"))
    }

    public mutating func finish() -> [UInt8] {
        self.output.append(UInt8(ascii: "}"))
        return self.output
    }
}
