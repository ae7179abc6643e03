import DFP
import Testing

/// CRC-16/CCITT-FALSE, checked against published values and a bit-by-bit reference.
@Suite("CRC16")
struct CRC16Tests {
    /// The textbook bitwise definition (poly 0x1021, init 0xFFFF, no reflection, no final xor), so the
    /// table-driven implementation is compared against the definition rather than against itself.
    static func reference(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }

    @Test func knownValues() {
        #expect(CRC16.checksum(Array("123456789".utf8)) == 0x29B1)
        #expect(CRC16.checksum([UInt8]()) == 0xFFFF)
        #expect(CRC16.checksum(Array("A".utf8)) == 0xB915)
        #expect(CRC16.checksum([UInt8](repeating: 0, count: 256)) == 0x41E8)
        #expect(CRC16.checksum((0...255).map { UInt8($0) }) == 0x3FBD)
    }

    @Test func tableDrivenMatchesTheBitwiseDefinition() {
        var generator = SplitMix64(seed: 0xC2C)
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(CRC16.checksum(bytes) == Self.reference(bytes), "length \(length)")
        }
    }

    @Test func rawPointerVariantMatchesTheSequenceVariant() {
        var generator = SplitMix64(seed: 0xAB)
        for length in [0, 1, 2, 9, 11, 100, 4096] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let viaPointer = bytes.withUnsafeBytes { CRC16.checksum($0) }
            #expect(viaPointer == CRC16.checksum(bytes), "length \(length)")
        }
    }

    @Test func checksumContinuesAcrossPieces() {
        let bytes = Array("123456789".utf8)
        for split in 0...bytes.count {
            let first = CRC16.checksum(bytes[..<split])
            let whole = CRC16.checksum(bytes[split...], continuing: first)
            #expect(whole == 0x29B1, "split at \(split)")
            let wholeViaPointer = bytes[split...].withUnsafeBytes { CRC16.checksum($0, continuing: first) }
            #expect(wholeViaPointer == 0x29B1, "split at \(split), raw pointer")
        }
    }
}
