/// One gateway a simulated device may connect to.
public struct GatewayAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port,host:port,...`, as `--target` takes it.
    public static func list(parsing text: String) -> [GatewayAddress]? {
        var addresses: [GatewayAddress] = []
        for item in text.split(separator: ",") {
            guard let colon = item.lastIndex(of: ":"), let port = Int(item[item.index(after: colon)...]),
                (1...65535).contains(port), colon > item.startIndex
            else { return nil }
            addresses.append(GatewayAddress(host: String(item[..<colon]), port: port))
        }
        return addresses.isEmpty ? nil : addresses
    }

    public var description: String { "\(self.host):\(self.port)" }
}
