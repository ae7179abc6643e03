/// A small, fast pseudo-random generator (SplitMix64) for the values and timings a simulated device
/// draws with every frame. The system generator makes a `getrandom` system call per number, which perf
/// found in a twentieth of a busy simulator's CPU; none of these draws needs to be unpredictable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// Seeded from the system generator, so that devices differ from each other and run to run.
    init() {
        self.state = UInt64.random(in: .min ... .max)
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = self.state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
