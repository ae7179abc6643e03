/// One change to the command queue's records, as the registry applies it.
enum CommandWrite: Sendable {
    /// Stores a new record (its place in the device's queue is the order of these writes); a queued one
    /// only while its device has fewer than `queueLimit` queued commands.
    case insert(CommandRecord, queueLimit: Int)
    /// Writes the record's status, result and history if it is still `expected`: the check makes each
    /// transition happen once, however many paths race for it.
    case update(CommandRecord, from: CommandState)
    /// Deletes the oldest records of ended commands created before `createdBeforeMs`, at most `limit`
    /// (a write holds the database: a big backlog goes in several); takes effect when it deleted
    /// `limit`, so more may be left.
    case prune(createdBeforeMs: Int64, limit: Int)
}
