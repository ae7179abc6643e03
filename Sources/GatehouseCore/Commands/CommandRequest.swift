public import DFP

/// A command as the REST API, the live feed and the MQTT commands topic accept it, checked against the device's profile.
public struct CommandRequest: Sendable {
    public var name: String
    public var arguments: [Field]
    /// `args` as the caller wrote them, kept with the record for people to read.
    public var namedArguments: JSONValue
    public var timeout: Duration
    /// How long the command may wait in the queue for the device to connect; zero: now or `offline`.
    public var ttl: Duration

    public static let defaultTimeout: Duration = .seconds(10)
    public static let maximumTimeout: Duration = .seconds(300)
    /// A command a month old is no longer its sender's intent.
    public static let maximumTTL: Duration = .seconds(30 * 24 * 3600)

    /// A request that cannot be sent, with a message naming what is wrong.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `{"name":…, "args":{…}, "timeout_ms":…, "ttl_ms":…}`. With a profile, arguments are given by name in
    /// engineering units (`{"value": 22.5}`); without one, by tag and wire type
    /// (`{"1": {"type": "i16", "value": 225}}`).
    public init(_ body: JSONValue, profile: DeviceProfile?) throws(Invalid) {
        guard let name = body["name"]?.stringValue, !name.isEmpty else {
            throw Invalid(description: "\"name\" is required")
        }
        guard name.utf8.count <= 255 else { throw Invalid(description: "command name longer than 255 bytes") }
        self.name = name
        let arguments = body["args"] ?? .object([])
        guard case .object(let members) = arguments else { throw Invalid(description: "\"args\" must be an object") }
        self.namedArguments = arguments
        if let profile {
            var values: [String: ProfileValue] = [:]
            for (argument, value) in members {
                guard let converted = ProfileValue(value) else {
                    throw Invalid(description: "argument \"\(argument)\": expected a number, a string or a boolean")
                }
                values[argument] = converted
            }
            do throws(CommandArgumentError) {
                self.arguments = try profile.commandArguments(name: name, values: values)
            } catch {
                throw Invalid(description: error.description)
            }
        } else {
            var fields: [Field] = []
            for (key, spec) in members {
                fields.append(try Self.taggedField(key, spec))
            }
            self.arguments = fields.sorted { $0.tag < $1.tag }
        }
        switch body["timeout_ms"] {
        case nil, .null?:
            self.timeout = Self.defaultTimeout
        case let value?:
            guard let milliseconds = value.doubleValue, milliseconds > 0,
                Duration.milliseconds(Int64(milliseconds)) <= Self.maximumTimeout
            else { throw Invalid(description: "\"timeout_ms\" must be a positive number up to 300000") }
            self.timeout = .milliseconds(Int64(milliseconds))
        }
        switch body["ttl_ms"] {
        case nil, .null?:
            self.ttl = .zero
        case let value?:
            guard let milliseconds = value.doubleValue, milliseconds >= 0,
                Duration.milliseconds(Int64(milliseconds)) <= Self.maximumTTL
            else { throw Invalid(description: "\"ttl_ms\" must be a number from 0 up to 2592000000 (30 days)") }
            self.ttl = .milliseconds(Int64(milliseconds))
        }
    }

    private static func taggedField(_ key: String, _ spec: JSONValue) throws(Invalid) -> Field {
        guard let tag = UInt8(key), tag > 0 else {
            throw Invalid(description: "argument \"\(key)\": without a profile, arguments are keyed by tag 1...255")
        }
        guard let typeName = spec["type"]?.stringValue, let type = FieldType(name: typeName) else {
            throw Invalid(
                description:
                    "argument \(tag): \"type\" must be one of \(FieldType.allCases.map(\.description).joined(separator: ", "))"
            )
        }
        let value: FieldValue?
        switch (type, spec["value"]) {
        case (.str, .string(let string)?): value = string.utf8.count <= 255 ? .string(string) : nil
        case (.bool, .bool(let flag)?): value = .bool(flag)
        case (.bytes, .string(let hex)?): value = [UInt8](hexString: hex).map(FieldValue.bytes)
        case (_, let number?) where type.isNumeric: value = number.doubleValue.flatMap { FieldValue($0, as: type) }
        default: value = nil
        }
        guard let value else { throw Invalid(description: "argument \(tag): \"value\" does not fit type \(type)") }
        return Field(tag: tag, value: value)
    }
}

extension ProfileValue {
    public init?(_ json: JSONValue) {
        switch json {
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .uint(let value): self = .uint(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        default: return nil
        }
    }
}

extension [UInt8] {
    public init?(hexString: String) {
        let digits = Array(hexString.utf8)
        guard digits.count.isMultiple(of: 2), digits.count <= 2 * Int(UInt16.max) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        self = bytes
    }
}
