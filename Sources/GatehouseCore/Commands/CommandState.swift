/// Where a command is in its life: `queued` → `sent` → the device's answer (`ok`, `failed`,
/// `unsupported`, `busy`) or `timeout`; a queued command may instead become `expired` (its TTL passed
/// before any session could take it) or `cancelled`, and one without a TTL for a device that is not
/// connected ends `offline` at once.
public enum CommandState: String, Hashable, Sendable, CaseIterable {
    case queued, sent, ok, failed, unsupported, busy, timeout, expired, cancelled, offline

    /// Whether nothing more will happen to the command.
    public var isFinal: Bool {
        switch self {
        case .queued, .sent: false
        default: true
        }
    }

    init(_ outcome: CommandOutcomeStatus) {
        switch outcome {
        case .ok: self = .ok
        case .failed: self = .failed
        case .unsupported: self = .unsupported
        case .busy: self = .busy
        case .timeout: self = .timeout
        case .offline: self = .offline
        }
    }
}
