import DFP
import GatehouseCore

/// A line of telemetry typed to `gatehouse-sim device`: `NAME=VALUE` pairs in the profile's engineering
/// units (`temperature=21.5 mode=auto`), or raw `TAG:TYPE=VALUE` pairs (`1:i16=215`) that need no
/// profile, mixed as one likes.
struct TypedTelemetry {
    let profile: DeviceProfile?

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    func fields(from line: String) throws(Invalid) -> [Field] {
        let items = line.split(whereSeparator: \.isWhitespace)
        guard !items.isEmpty else { throw Invalid(description: self.usage) }
        var fields: [Field] = []
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw Invalid(description: "\(item): \(self.usage)") }
            fields.append(try self.field(key: parts[0], text: parts[1]))
        }
        return fields
    }

    private func field(key: String, text: String) throws(Invalid) -> Field {
        let raw = key.split(separator: ":")
        if raw.count == 2 {
            guard let tag = UInt8(raw[0]), tag > 0, let type = FieldType(name: String(raw[1])) else {
                throw Invalid(description: "\(key): expected TAG:TYPE with a tag 1...255 and a DFP type such as i16")
            }
            guard let value = Self.profileValue(text, for: type).flatMap({ FieldValue($0, as: type, scale: nil) })
            else {
                throw Invalid(description: "\(key)=\(text): not a \(type) value")
            }
            return Field(tag: tag, value: value)
        }
        guard let profile = self.profile else {
            throw Invalid(description: "\(key): fields by name need --profile; otherwise type TAG:TYPE=VALUE")
        }
        guard let type = profile.telemetry.values.first(where: { $0.name == key })?.type else {
            throw Invalid(
                description: TelemetryFieldError.unknownField(key, available: Self.names(profile)).description)
        }
        guard let value = Self.profileValue(text, for: type) else {
            throw Invalid(description: TelemetryFieldError.typeMismatch(field: key, expected: type).description)
        }
        do {
            return try profile.telemetryField(named: key, value: value)
        } catch {
            throw Invalid(description: error.description)
        }
    }

    /// The typed text as a value of the kind `type` takes: numbers, true/false, text; bytes in hex.
    private static func profileValue(_ text: String, for type: FieldType) -> ProfileValue? {
        switch type {
        case .str: return .string(text)
        case .bool:
            return ["true", "1"].contains(text) ? .bool(true) : ["false", "0"].contains(text) ? .bool(false) : nil
        case .bytes:
            return [UInt8](hexString: text).map { .bytes($0) }
        default:
            return Double(text).map { .double($0) }
        }
    }

    private static func names(_ profile: DeviceProfile) -> [String] {
        profile.telemetry.values.map(\.name).sorted()
    }

    private var usage: String {
        if let profile = self.profile, let example = profile.telemetry.sorted(by: { $0.key < $1.key }).first?.value {
            return
                "expected NAME=VALUE pairs such as \(example.name)=… (fields: \(Self.names(profile).joined(separator: ", "))) or TAG:TYPE=VALUE"
        }
        return "expected TAG:TYPE=VALUE pairs such as 1:i16=215"
    }
}
