/// One decoded field: its profile name (or its tag in decimal when the profile has no entry), its value in
/// engineering units, and the unit those are in.
public struct NamedValue: Hashable, Sendable {
    public var name: String
    public var value: ProfileValue
    public var unit: String?

    public init(name: String, value: ProfileValue, unit: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
    }
}
