public import NIOCore

extension ByteBuffer {
    /// Reads a str8: a u8 length, then that many bytes of UTF-8.
    ///
    /// Strict where NIO's `readString` is lenient: invalid UTF-8 is a protocol error, not replaced.
    @inlinable
    public mutating func readStr8(_ what: @autoclosure () -> String) throws(ProtocolError) -> String {
        guard let length = self.readInteger(as: UInt8.self) else {
            throw ProtocolError(.invalidPayload, "\(what()): missing length")
        }
        guard let string = self.readUTF8(length: Int(length)) else {
            throw ProtocolError(.invalidPayload, "\(what()): \(length) bytes announced, not valid UTF-8 or truncated")
        }
        return string
    }

    @inlinable
    mutating func readUTF8(length: Int) -> String? {
        guard
            let string = self.withUnsafeReadableBytes({ bytes -> String? in
                guard bytes.count >= length else { return nil }
                return String(validating: UnsafeRawBufferPointer(rebasing: bytes[..<length]), as: UTF8.self)
            })
        else { return nil }
        self.moveReaderIndex(forwardBy: length)
        return string
    }

    /// Writes a str8. Strings longer than 255 bytes of UTF-8 cannot be encoded; callers validate first.
    @inlinable
    @discardableResult
    public mutating func writeStr8(_ string: String) -> Int {
        let length = string.utf8.count
        precondition(length <= Int(UInt8.max), "str8 holds at most 255 bytes")
        return self.writeInteger(UInt8(length)) + self.writeString(string)
    }

    /// Reads a TLV list that runs to the end of the readable bytes.
    @inlinable
    public mutating func readFields() throws(ProtocolError) -> [Field] {
        var fields: [Field] = []
        // The smallest field is 3 bytes: one allocation up front instead of regrowing per field.
        fields.reserveCapacity(self.readableBytes / 3)
        while self.readableBytes > 0 {
            fields.append(try self.readField())
        }
        return fields
    }

    @inlinable
    mutating func readField() throws(ProtocolError) -> Field {
        guard let (tag, rawType) = self.readMultipleIntegers(as: (UInt8, UInt8).self) else {
            throw ProtocolError(.invalidPayload, "field header truncated")
        }
        guard tag != 0 else { throw ProtocolError(.invalidPayload, "field tag 0") }
        guard let type = FieldType(rawValue: rawType) else {
            throw ProtocolError(.invalidPayload, "field \(tag): unknown type 0x\(String(rawType, radix: 16))")
        }
        let value: FieldValue?
        switch type {
        case .bool:
            value = self.readInteger(as: UInt8.self).flatMap { $0 <= 1 ? .bool($0 == 1) : nil }
        case .i8: value = self.readInteger(as: Int8.self).map(FieldValue.i8)
        case .u8: value = self.readInteger(as: UInt8.self).map(FieldValue.u8)
        case .i16: value = self.readInteger(as: Int16.self).map(FieldValue.i16)
        case .u16: value = self.readInteger(as: UInt16.self).map(FieldValue.u16)
        case .i32: value = self.readInteger(as: Int32.self).map(FieldValue.i32)
        case .u32: value = self.readInteger(as: UInt32.self).map(FieldValue.u32)
        case .i64: value = self.readInteger(as: Int64.self).map(FieldValue.i64)
        case .u64: value = self.readInteger(as: UInt64.self).map(FieldValue.u64)
        case .f32: value = self.readInteger(as: UInt32.self).map { .f32(Float(bitPattern: $0)) }
        case .f64: value = self.readInteger(as: UInt64.self).map { .f64(Double(bitPattern: $0)) }
        case .str:
            value = .string(try self.readStr8("field \(tag)"))
        case .bytes:
            value = self.readInteger(as: UInt16.self).flatMap { self.readBytes(length: Int($0)) }.map(FieldValue.bytes)
        }
        guard let value else {
            throw ProtocolError(.invalidPayload, "field \(tag) (\(type)): value truncated or out of range")
        }
        return Field(tag: tag, value: value)
    }

    /// Writes a TLV list.
    @inlinable
    @discardableResult
    public mutating func writeFields(_ fields: [Field]) -> Int {
        var written = 0
        for field in fields {
            written += self.writeField(field)
        }
        return written
    }

    @inlinable
    @discardableResult
    mutating func writeField(_ field: Field) -> Int {
        let header = self.writeMultipleIntegers(field.tag, field.value.type.rawValue)
        switch field.value {
        case .bool(let value): return header + self.writeInteger(UInt8(value ? 1 : 0))
        case .i8(let value): return header + self.writeInteger(value)
        case .u8(let value): return header + self.writeInteger(value)
        case .i16(let value): return header + self.writeInteger(value)
        case .u16(let value): return header + self.writeInteger(value)
        case .i32(let value): return header + self.writeInteger(value)
        case .u32(let value): return header + self.writeInteger(value)
        case .i64(let value): return header + self.writeInteger(value)
        case .u64(let value): return header + self.writeInteger(value)
        case .f32(let value): return header + self.writeInteger(value.bitPattern)
        case .f64(let value): return header + self.writeInteger(value.bitPattern)
        case .string(let value): return header + self.writeStr8(value)
        case .bytes(let value):
            precondition(value.count <= Int(UInt16.max), "a bytes field holds at most 65535 bytes")
            return header + self.writeInteger(UInt16(value.count)) + self.writeBytes(value)
        }
    }
}
