extension Duration {
    /// The duration in seconds, for arithmetic and display.
    @inlinable
    public var inSeconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds, as NIO's `TimeAmount` and `DispatchTime` count.
    @inlinable
    public var inNanoseconds: Int64 {
        self.components.seconds * 1_000_000_000 + self.components.attoseconds / 1_000_000_000
    }
}
