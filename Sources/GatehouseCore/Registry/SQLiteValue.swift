/// A value bound to a `?N` parameter of a prepared statement, so no caller ever builds SQL from data.
enum SQLiteValue {
    case text(String)
    case blob([UInt8])
    case integer(Int64)
    case null
}
