/// Whether two byte arrays are equal, in a time that depends only on their lengths and never on where they first
/// differ, so someone timing authentication attempts cannot learn a stored hash byte by byte.
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices {
        difference |= lhs[index] ^ rhs[index]
    }
    return difference == 0
}
