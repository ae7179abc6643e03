public import DFP
public import Simulator

extension DeviceConnection {
    /// Answers the next COMMAND the device receives with `status` and `fields`, returning the command.
    public func answerNextCommand(status: CommandStatus = .ok, fields: [Field] = []) async throws -> Command {
        while let packet = try await self.receive(timeout: .seconds(10)) {
            if case .command(let command) = packet.message {
                try await self.send(
                    .commandResult(CommandResult(commandID: command.commandID, status: status, fields: fields)), seq: 9)
                return command
            }
        }
        throw TestFailure("the device got no COMMAND")
    }

    /// Sends a PING and returns every COMMAND that arrives before its PONG: what the gateway had sent.
    public func commandsBeforePong() async throws -> [Command] {
        try await self.send(.ping, seq: 77)
        var commands: [Command] = []
        while let packet = try await self.receive(timeout: .seconds(10)) {
            switch packet.message {
            case .pong: return commands
            case .command(let command): commands.append(command)
            default: break
            }
        }
        throw TestFailure("no PONG")
    }
}
