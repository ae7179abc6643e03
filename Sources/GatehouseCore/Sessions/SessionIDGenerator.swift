/// Session IDs: `s-` and 16 hex digits of randomness, unique across restarts and across gateway nodes
/// without coordination (a counter would repeat after a restart and collide between nodes).
public enum SessionIDGenerator {
    public static func next() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "s-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
