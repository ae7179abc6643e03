import Foundation
import Yams

extension GatewaySettings {
    /// The default node ID: the machine's host name, as `hostname` prints it.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "gatehouse" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "gatehouse" : name
    }

    /// Applies a YAML config file whose keys are the flags' names (`device_port: 7300`, or
    /// `device-port`). Unknown keys are errors, so a typo never silently leaves a default in place.
    public mutating func apply(configFile path: String) throws(SettingsError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError("\(path): cannot read: \(error.localizedDescription)")
        }
        try self.apply(configYAML: text, source: path)
    }

    public mutating func apply(configYAML text: String, source: String) throws(SettingsError) {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw SettingsError("\(source): not valid YAML: \(error)")
        }
        guard let document else { return }
        guard let entries = document as? [String: Any] else {
            throw SettingsError("\(source): expected a mapping of setting names to values")
        }
        for (rawKey, value) in entries.sorted(by: { $0.key < $1.key }) {
            let key = rawKey.replacingOccurrences(of: "-", with: "_")
            do throws(SettingsError) {
                try self.apply(key: key, value: "\(value)")
            } catch {
                throw SettingsError("\(source): \(rawKey): \(error.description)")
            }
        }
    }

    /// Sets one setting from its textual value, as a flag or a config entry gives it.
    public mutating func apply(key: String, value: String) throws(SettingsError) {
        func integer() throws(SettingsError) -> Int {
            guard let number = Int(value) else { throw SettingsError("expected an integer, got \"\(value)\"") }
            return number
        }
        func duration() throws(SettingsError) -> Duration {
            guard let duration = Duration(parsing: value) else {
                throw SettingsError("expected a duration such as 10, 500ms, 10s or 5m, got \"\(value)\"")
            }
            return duration
        }
        switch key {
        case "host": self.host = value
        case "device_port": self.devicePort = try integer()
        case "http_port": self.httpPort = try integer()
        case "data_dir": self.dataDirectory = value
        case "devices_dir": self.devicesDirectory = value
        case "heartbeat": self.heartbeat = try duration()
        case "heartbeat_min": self.heartbeatMin = try duration()
        case "heartbeat_max": self.heartbeatMax = try duration()
        case "max_payload": self.maxPayload = try integer()
        case "hello_timeout": self.helloTimeout = try duration()
        case "frame_timeout": self.frameTimeout = try duration()
        case "max_send_buffer":
            guard let bytes = ByteCount.parse(value) else {
                throw SettingsError("expected a size such as 262144 or 256KiB, got \"\(value)\"")
            }
            self.maxSendBuffer = bytes
        case "allow_unknown_devices":
            switch value.lowercased() {
            case "true", "yes", "on", "1": self.allowUnknownDevices = true
            case "false", "no", "off", "0": self.allowUnknownDevices = false
            default: throw SettingsError("expected true or false, got \"\(value)\"")
            }
        case "command_queue_limit":
            guard let limit = Int(value), limit >= 1 else {
                throw SettingsError("expected a whole number of at least 1, got \"\(value)\"")
            }
            self.commandQueueLimit = limit
        case "command_retention": self.commandRetention = try duration()
        case "log_level": self.logLevel = value
        case "api_token": self.apiToken = value
        case "mqtt": self.mqtt = value.isEmpty ? nil : try BrokerAddress(parsing: value)
        case "mqtt_ca": self.mqttCA = value
        case "mqtt_prefix": self.mqttPrefix = value
        case "node_id": self.nodeID = value
        case "mqtt_outbox": self.mqttOutbox = try integer()
        default: throw SettingsError("unknown setting")
        }
    }
}
