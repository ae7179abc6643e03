/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0x0000), the frame check of DFP/1.
///
/// Table-driven, one byte per step: every frame is checked on the hot path, and a 256-entry table
/// keeps that to one load and one shift per byte.
public enum CRC16 {
    public static let initialValue: UInt16 = 0xFFFF

    /// The CRC of `bytes`, continuing from `crc` so a frame can be checked in pieces.
    @inlinable
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes, continuing crc: UInt16 = initialValue) -> UInt16
    {
        var crc = crc
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// The CRC of raw memory; the decoder's path, which avoids a per-byte bounds check on the table index.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt16 = initialValue) -> UInt16 {
        var crc = crc
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
            }
        }
        return crc
    }

    @usableFromInline
    static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
