/// Why a command from the REST API, the live feed or MQTT was not accepted.
public enum CommandRefusal: Error, CustomStringConvertible {
    /// Neither connected nor registered, and unknown devices are not allowed.
    case unknownDevice(String)
    /// The body does not make a command for the device's profile.
    case invalid(String)
    case rejected(CommandQueue.Rejection)

    public var description: String {
        switch self {
        case .unknownDevice(let id): "no device \(id)"
        case .invalid(let reason): reason
        case .rejected(let rejection): rejection.description
        }
    }
}

extension Gateway {
    /// A command as every front door takes it (`{"name":…,"args":{…},"timeout_ms":…,"ttl_ms":…}`):
    /// read with the device's profile, then given to the queue, which sends it now or keeps it.
    public func submitCommand(_ body: JSONValue, to deviceID: String, requestID: String? = nil)
        async throws(CommandRefusal) -> CommandRecord
    {
        let (known, profile) = await self.commandProfile(of: deviceID)
        guard known else { throw .unknownDevice(deviceID) }
        let request: CommandRequest
        do throws(CommandRequest.Invalid) {
            request = try CommandRequest(body, profile: profile)
        } catch {
            throw .invalid(error.description)
        }
        do throws(CommandQueue.Rejection) {
            return try await self.commandQueue.submit(request, to: deviceID, requestID: requestID)
        } catch {
            throw .rejected(error)
        }
    }
}
