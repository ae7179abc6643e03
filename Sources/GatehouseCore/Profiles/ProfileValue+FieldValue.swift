import DFP

extension ProfileValue {
    /// The value of a wire field, in engineering units when `scale` is given and the value is a number.
    ///
    /// Unscaled integers stay integers; floats become doubles.
    init(_ wireValue: FieldValue, scale: Double?) {
        if let scale, let number = wireValue.numericValue {
            self = .double(ScaleFactor(scale).engineeringValue(ofRaw: number))
            return
        }
        switch wireValue {
        case .bool(let value): self = .bool(value)
        case .i8(let value): self = .int(Int64(value))
        case .i16(let value): self = .int(Int64(value))
        case .i32(let value): self = .int(Int64(value))
        case .i64(let value): self = .int(value)
        case .u8(let value): self = .uint(UInt64(value))
        case .u16(let value): self = .uint(UInt64(value))
        case .u32(let value): self = .uint(UInt64(value))
        case .u64(let value): self = .uint(value)
        case .f32(let value): self = .double(Double(value))
        case .f64(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .bytes(let value): self = .bytes(value)
        }
    }

    /// Whether this kind of value can stand for a field of `type` at all: numbers for numeric types, and otherwise
    /// only the matching kind. Whether it also fits the type's range is for `FieldValue(_:as:scale:)` to say.
    func isKind(of type: FieldType) -> Bool {
        switch self {
        case .int, .uint, .double: type.isNumeric
        case .bool: type == .bool
        case .string: type == .str
        case .bytes: type == .bytes
        }
    }
}
