public import DFP

extension FieldValue {
    /// The wire value of `value` (in engineering units) as a field of `type`; nil when it does not fit the type, or
    /// is not of a kind the type holds (see `ProfileValue.isKind(of:)`).
    ///
    /// Scaled and fractional values are rounded to the nearest raw integer. Unscaled integers are converted
    /// exactly, so 64-bit values keep all their digits.
    public init?(_ value: ProfileValue, as type: FieldType, scale: Double?) {
        let maximumStringBytes = Int(UInt8.max)
        let maximumBytes = Int(UInt16.max)
        switch value {
        case .bool(let bool) where type == .bool:
            self = .bool(bool)
        case .string(let string) where type == .str && string.utf8.count <= maximumStringBytes:
            self = .string(string)
        case .bytes(let bytes) where type == .bytes && bytes.count <= maximumBytes:
            self = .bytes(bytes)
        case .int(let integer) where scale == nil:
            self.init(exactly: integer, as: type)
        case .uint(let integer) where scale == nil:
            self.init(exactly: integer, as: type)
        case .int(let integer):
            self.init(engineering: Double(integer), as: type, scale: scale)
        case .uint(let integer):
            self.init(engineering: Double(integer), as: type, scale: scale)
        case .double(let number):
            self.init(engineering: number, as: type, scale: scale)
        case .bool, .string, .bytes:
            return nil
        }
    }

    private init?(engineering number: Double, as type: FieldType, scale: Double?) {
        let raw = scale.map { ScaleFactor($0).rawValue(ofEngineering: number) } ?? number
        guard raw.isFinite, type.isNumeric, let value = FieldValue(raw, as: type) else { return nil }
        // An f32 too large for Float becomes infinity rather than failing.
        if case .f32(let float) = value, !float.isFinite { return nil }
        self = value
    }

    private init?(exactly integer: some BinaryInteger, as type: FieldType) {
        let value: FieldValue? =
            switch type {
            case .i8: Int8(exactly: integer).map(FieldValue.i8)
            case .u8: UInt8(exactly: integer).map(FieldValue.u8)
            case .i16: Int16(exactly: integer).map(FieldValue.i16)
            case .u16: UInt16(exactly: integer).map(FieldValue.u16)
            case .i32: Int32(exactly: integer).map(FieldValue.i32)
            case .u32: UInt32(exactly: integer).map(FieldValue.u32)
            case .i64: Int64(exactly: integer).map(FieldValue.i64)
            case .u64: UInt64(exactly: integer).map(FieldValue.u64)
            case .f32: .f32(Float(integer))
            case .f64: .f64(Double(integer))
            case .bool, .str, .bytes: nil
            }
        guard let value else { return nil }
        self = value
    }
}
