public import GatehouseCore

extension MQTTBridgeSink: RemoteCommandForwarder {
    /// How long past the command's own timeout to wait for the answer's trip through the broker.
    static let forwardingMargin: Duration = .seconds(2)

    public func forward(deviceID: String, command: JSONValue, timeout: Duration) async -> JSONValue? {
        let requestID = "\(self.nodeID)-\(self.forwardedCommands.nextRequestID())"
        guard case .object(let members) = command else { return nil }
        let milliseconds = timeout.inNanoseconds / 1_000_000
        let published = JSONValue.object(
            members.filter { $0.0 != "request_id" && $0.0 != "timeout_ms" } + [
                ("request_id", .string(requestID)), ("timeout_ms", .int(milliseconds)),
            ])
        return await withCheckedContinuation { continuation in
            self.forwardedCommands.register(requestID, continuation)
            let queued = self.control.offer(
                OutboundMessage(topic: self.topics.commands(deviceID), payload: published.serializedBytes()))
            guard queued else {
                self.forwardedCommands.resolve(requestID, with: nil)
                return
            }
            Task { [forwardedCommands] in
                try? await Task.sleep(for: timeout + Self.forwardingMargin)
                forwardedCommands.resolve(requestID, with: nil)
            }
        }
    }

    /// A result on the broker: if it answers a command this node forwarded, the waiting caller gets it.
    func resolveForwardedCommand(requestID: String, result: JSONValue) {
        self.forwardedCommands.resolve(requestID, with: result)
    }
}
