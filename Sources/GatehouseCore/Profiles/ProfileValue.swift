/// A field's value after a profile has named and scaled it: what consumers render (to JSON, logs, ...) and what
/// callers give as command arguments.
public enum ProfileValue: Hashable, Sendable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
}
