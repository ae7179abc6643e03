/// A typed value of a TLV field, exactly as it travels on the wire.
public enum FieldValue: Hashable, Sendable {
    case bool(Bool)
    case i8(Int8)
    case u8(UInt8)
    case i16(Int16)
    case u16(UInt16)
    case i32(Int32)
    case u32(UInt32)
    case i64(Int64)
    case u64(UInt64)
    case f32(Float)
    case f64(Double)
    case string(String)
    case bytes([UInt8])

    public var type: FieldType {
        switch self {
        case .bool: .bool
        case .i8: .i8
        case .u8: .u8
        case .i16: .i16
        case .u16: .u16
        case .i32: .i32
        case .u32: .u32
        case .i64: .i64
        case .u64: .u64
        case .f32: .f32
        case .f64: .f64
        case .string: .str
        case .bytes: .bytes
        }
    }

    /// The value as a Double when it is a number (for scaling by a profile), else nil.
    public var numericValue: Double? {
        switch self {
        case .i8(let value): Double(value)
        case .u8(let value): Double(value)
        case .i16(let value): Double(value)
        case .u16(let value): Double(value)
        case .i32(let value): Double(value)
        case .u32(let value): Double(value)
        case .i64(let value): Double(value)
        case .u64(let value): Double(value)
        case .f32(let value): Double(value)
        case .f64(let value): value
        case .bool, .string, .bytes: nil
        }
    }
}

extension FieldValue {
    /// Builds a value of `type` from a number, as when a command argument given in engineering units
    /// is turned into its wire type. Returns nil when the number does not fit the type.
    public init?(_ number: Double, as type: FieldType) {
        let rounded = number.rounded()
        switch type {
        case .bool: self = .bool(number != 0)
        case .i8:
            guard let value = Int8(exactly: rounded) else { return nil }
            self = .i8(value)
        case .u8:
            guard let value = UInt8(exactly: rounded) else { return nil }
            self = .u8(value)
        case .i16:
            guard let value = Int16(exactly: rounded) else { return nil }
            self = .i16(value)
        case .u16:
            guard let value = UInt16(exactly: rounded) else { return nil }
            self = .u16(value)
        case .i32:
            guard let value = Int32(exactly: rounded) else { return nil }
            self = .i32(value)
        case .u32:
            guard let value = UInt32(exactly: rounded) else { return nil }
            self = .u32(value)
        case .i64:
            guard let value = Int64(exactly: rounded) else { return nil }
            self = .i64(value)
        case .u64:
            guard let value = UInt64(exactly: rounded) else { return nil }
            self = .u64(value)
        case .f32: self = .f32(Float(number))
        case .f64: self = .f64(number)
        case .str, .bytes: return nil
        }
    }
}
