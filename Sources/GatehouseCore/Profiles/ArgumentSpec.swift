public import DFP

/// How a profile describes one named command argument: the tag and wire type it is sent as.
public struct ArgumentSpec: Hashable, Sendable {
    public var tag: UInt8
    public var type: FieldType
    public var unit: String?
    /// The caller gives engineering units; the wire carries value ÷ scale (22.5 with scale 0.1 is sent as 225).
    public var scale: Double?

    public init(tag: UInt8, type: FieldType, unit: String? = nil, scale: Double? = nil) {
        self.tag = tag
        self.type = type
        self.unit = unit
        self.scale = scale
    }
}
