public import DFP

/// How a profile describes one tag of telemetry, event or command-result fields.
public struct FieldSpec: Hashable, Sendable {
    public var name: String
    /// The type the firmware sends. Decoding does not insist on it (a number is decoded whatever its wire type);
    /// it documents the firmware and is what command arguments are encoded as.
    public var type: FieldType
    public var unit: String?
    /// Engineering value = raw value × scale (0.1 turns a u16 of 215 into 21.5); nil keeps raw values.
    public var scale: Double?

    public init(name: String, type: FieldType, unit: String? = nil, scale: Double? = nil) {
        self.name = name
        self.type = type
        self.unit = unit
        self.scale = scale
    }
}
