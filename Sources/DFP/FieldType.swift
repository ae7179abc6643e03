/// The type byte of a TLV field.
public enum FieldType: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case bool = 0x01
    case i8 = 0x02
    case u8 = 0x03
    case i16 = 0x04
    case u16 = 0x05
    case i32 = 0x06
    case u32 = 0x07
    case i64 = 0x08
    case u64 = 0x09
    case f32 = 0x0A
    case f64 = 0x0B
    case str = 0x0C
    case bytes = 0x0D

    /// The name used by the test vectors and by device profiles (`i16`, `str`, ...).
    public var description: String {
        switch self {
        case .bool: "bool"
        case .i8: "i8"
        case .u8: "u8"
        case .i16: "i16"
        case .u16: "u16"
        case .i32: "i32"
        case .u32: "u32"
        case .i64: "i64"
        case .u64: "u64"
        case .f32: "f32"
        case .f64: "f64"
        case .str: "str"
        case .bytes: "bytes"
        }
    }

    public init?(name: String) {
        guard let type = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = type
    }

    /// Whether values of this type are numbers a profile may scale.
    public var isNumeric: Bool {
        switch self {
        case .bool, .str, .bytes: false
        default: true
        }
    }
}
