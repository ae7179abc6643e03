public import GatehouseCore

/// A `command_result` message is one step of a command's life until its status is final; tests wait
/// for the end.
extension JSONValue {
    public var isFinalCommandResult: Bool {
        guard let status = self["status"]?.stringValue else { return false }
        return CommandState(rawValue: status)?.isFinal ?? true
    }
}

extension Dictionary where Key == String, Value == Any {
    public var isFinalCommandResult: Bool {
        guard let status = self["status"] as? String else { return false }
        return CommandState(rawValue: status)?.isFinal ?? true
    }
}
