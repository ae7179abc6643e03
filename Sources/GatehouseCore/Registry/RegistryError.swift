/// Why a registry operation failed, worded for the operator who runs `gatehouse device ...`.
public enum RegistryError: Error, Hashable, CustomStringConvertible {
    /// The ID is not 1 to 64 bytes of `[A-Za-z0-9._:-]`, so no device could ever send it in HELLO.
    case invalidDeviceID(String)
    case alreadyExists(String)
    case notFound(String)
    case cannotCreateDirectory(path: String, reason: String)
    /// The database was written by a newer Gatehouse whose schema this one does not know.
    case unsupportedSchemaVersion(found: Int64, supported: Int)
    /// SQLite refused: `code` is its (extended) result code and `message` its `sqlite3_errmsg`.
    case sqlite(operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .invalidDeviceID(let id):
            "invalid device ID \"\(id)\": expected 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'"
        case .alreadyExists(let id):
            "device \"\(id)\" is already registered"
        case .notFound(let id):
            "device \"\(id)\" is not registered"
        case .cannotCreateDirectory(let path, let reason):
            "cannot create the data directory \(path): \(reason)"
        case .unsupportedSchemaVersion(let found, let supported):
            "the registry database has schema version \(found), but this Gatehouse only knows versions up to "
                + "\(supported); upgrade Gatehouse"
        case .sqlite(let operation, let code, let message):
            "registry database error while \(operation): \(message) (SQLite code \(code))"
        }
    }
}
