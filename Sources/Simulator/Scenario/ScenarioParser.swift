import DFP
import Foundation
import Yams

extension Scenario {
    /// Reads a scenario file (see the comments in `simulators/smoke.yaml` for every key).
    public init(contentsOfFile path: String) throws(ScenarioError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, line: nil, message: "cannot read: \(error.localizedDescription)")
        }
        try self.init(yaml: text, file: path)
    }

    public init(yaml text: String, file: String = "scenario") throws(ScenarioError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ScenarioError(file: file, line: Self.line(of: error), message: "not valid YAML: \(error)")
        } catch {
            throw ScenarioError(file: file, line: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { throw ScenarioError(file: file, line: nil, message: "the file is empty") }
        let reader = ScenarioReader(file: file)
        self = try reader.scenario(root)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }
}

/// Walks the YAML nodes, naming the line of anything it cannot use.
struct ScenarioReader {
    let file: String

    func fail(_ node: Node?, _ message: String) -> ScenarioError {
        ScenarioError(file: self.file, line: node?.mark.map { $0.line }, message: message)
    }

    /// The mapping's entries by key, refusing keys the reader does not know.
    func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws(ScenarioError) -> [String: Node] {
        guard let mapping = node.mapping else { throw self.fail(node, "\(what) must be a mapping") }
        var entries: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw self.fail(key, "\(what): keys must be names") }
            guard allowed.contains(name) else {
                throw self.fail(
                    key, "\(what): unknown key \"\(name)\" (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            entries[name] = value
        }
        return entries
    }

    func string(_ node: Node?, _ what: String) throws(ScenarioError) -> String {
        guard let node, let value = node.string else { throw self.fail(node, "\(what) must be text") }
        return value
    }

    func number(_ node: Node?, _ what: String) throws(ScenarioError) -> Double {
        guard let node, let text = node.string, let value = Double(text) else {
            throw self.fail(node, "\(what) must be a number")
        }
        return value
    }

    func integer(_ node: Node?, _ what: String, minimum: Int = 0) throws(ScenarioError) -> Int {
        guard let node, let text = node.string, let value = Int(text), value >= minimum else {
            throw self.fail(node, "\(what) must be a whole number of at least \(minimum)")
        }
        return value
    }

    func bool(_ node: Node?, _ what: String) throws(ScenarioError) -> Bool {
        switch node?.string?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw self.fail(node, "\(what) must be true or false")
        }
    }

    /// `30s`, `500ms`, `2m`, or a number of seconds.
    func duration(_ node: Node?, _ what: String) throws(ScenarioError) -> Duration {
        guard let node, let text = node.string, let duration = Duration(parsing: text) else {
            throw self.fail(node, "\(what) must be a duration such as 2s, 500ms or 5m")
        }
        return duration
    }

    func scenario(_ root: Node) throws(ScenarioError) -> Scenario {
        let entries = try self.mapping(root, "the scenario", allowed: ["name", "duration", "fleets", "expect"])
        guard let fleetsNode = entries["fleets"], let fleetNodes = fleetsNode.sequence, !fleetNodes.isEmpty else {
            throw self.fail(entries["fleets"] ?? root, "\"fleets\" must list at least one fleet")
        }
        var fleets: [Fleet] = []
        for node in fleetNodes {
            fleets.append(try self.fleet(node, index: fleets.count))
        }
        return Scenario(
            name: try entries["name"].map { node throws(ScenarioError) in try self.string(node, "name") } ?? "scenario",
            duration: try entries["duration"].map { node throws(ScenarioError) in try self.duration(node, "duration") }
                ?? .seconds(60),
            fleets: fleets,
            expectations: try entries["expect"].map { node throws(ScenarioError) in try self.expectations(node) }
                ?? Expectations()
        )
    }

    func fleet(_ node: Node, index: Int) throws(ScenarioError) -> Fleet {
        let what = "fleet \(index + 1)"
        let entries = try self.mapping(
            node, what,
            allowed: [
                "name", "count", "id", "profile", "token", "heartbeat", "telemetry", "commands", "ramp", "faults",
            ])
        var fleet = Fleet(
            name: try entries["name"].map { node throws(ScenarioError) in try self.string(node, "\(what): name") }
                ?? "fleet-\(index + 1)",
            count: try self.integer(entries["count"], "\(what): count", minimum: 1),
            idPattern: try self.string(entries["id"], "\(what): id")
        )
        guard Hello.isValidDeviceID(fleet.deviceID(fleet.count - 1)) else {
            throw self.fail(
                entries["id"], "\(what): id makes \"\(fleet.deviceID(fleet.count - 1))\", not a DFP/1 device ID")
        }
        if let profile = entries["profile"] { fleet.profile = try self.string(profile, "\(what): profile") }
        if let token = entries["token"] { fleet.token = try self.string(token, "\(what): token") }
        if let heartbeat = entries["heartbeat"] { fleet.heartbeat = try self.duration(heartbeat, "\(what): heartbeat") }
        if let ramp = entries["ramp"] {
            fleet.rampPerSecond = try self.number(ramp, "\(what): ramp (devices per second)")
        }
        if let telemetry = entries["telemetry"] {
            try self.telemetry(telemetry, into: &fleet, what: "\(what): telemetry")
        }
        if let commands = entries["commands"] {
            let command = try self.mapping(commands, "\(what): commands", allowed: ["answer", "delay"])
            if let answer = command["answer"] {
                guard let value = Fleet.CommandAnswer(rawValue: try self.string(answer, "answer")) else {
                    throw self.fail(answer, "\(what): commands: answer must be ok, fail or ignore")
                }
                fleet.commandAnswer = value
            }
            if let delay = command["delay"] {
                fleet.commandDelay = try self.duration(delay, "\(what): commands: delay")
            }
        }
        if let faults = entries["faults"] {
            fleet.faults = try self.faults(faults, what: "\(what): faults")
        }
        return fleet
    }

    func faults(_ node: Node, what: String) throws(ScenarioError) -> Faults {
        let entries = try self.mapping(
            node, what,
            allowed: ["disconnect", "silent", "corrupt_crc", "oversize", "slow_reader", "duplicate_id"])
        var faults = Faults()
        func fraction(_ key: String) throws(ScenarioError) -> Double {
            guard let node = entries[key] else { return 0 }
            let value = try self.number(node, "\(what): \(key)")
            guard (0...1).contains(value) else { throw self.fail(node, "\(what): \(key) must be a fraction 0...1") }
            return value
        }
        faults.silent = try fraction("silent")
        faults.corruptCRC = try fraction("corrupt_crc")
        faults.oversize = try fraction("oversize")
        faults.slowReader = try fraction("slow_reader")
        faults.duplicateID = try fraction("duplicate_id")
        if let disconnect = entries["disconnect"] {
            let spec = try self.mapping(disconnect, "\(what): disconnect", allowed: ["every", "reconnect_after"])
            faults.disconnectEvery = try self.duration(spec["every"], "\(what): disconnect: every")
            if let backoff = spec["reconnect_after"] {
                guard let items = backoff.sequence, items.count == 2 else {
                    throw self.fail(backoff, "\(what): disconnect: reconnect_after must be [shortest, longest]")
                }
                let low = try self.duration(items[0], "\(what): disconnect: reconnect_after")
                let high = try self.duration(items[1], "\(what): disconnect: reconnect_after")
                guard low <= high else {
                    throw self.fail(backoff, "\(what): disconnect: reconnect_after: shortest first")
                }
                faults.reconnectAfter = low.inSeconds...high.inSeconds
            }
        }
        return faults
    }

    func telemetry(_ node: Node, into fleet: inout Fleet, what: String) throws(ScenarioError) {
        let entries = try self.mapping(node, what, allowed: ["interval", "jitter", "ack", "fields"])
        if let interval = entries["interval"] {
            fleet.telemetryInterval = try self.duration(interval, "\(what): interval")
        }
        if let jitter = entries["jitter"] { fleet.telemetryJitter = try self.duration(jitter, "\(what): jitter") }
        if let ack = entries["ack"] { fleet.ackRequested = try self.bool(ack, "\(what): ack") }
        guard fleet.telemetryInterval > .zero, fleet.telemetryJitter < fleet.telemetryInterval else {
            throw self.fail(
                entries["interval"] ?? node, "\(what): interval must be positive and longer than the jitter")
        }
        guard let fields = entries["fields"] else { return }
        guard let mapping = fields.mapping else { throw self.fail(fields, "\(what): fields must be a mapping") }
        for (key, value) in mapping {
            let name = try self.string(key, "\(what): a field's name")
            fleet.fields.append(try self.field(value, name: name, what: "\(what): fields: \(name)"))
        }
    }

    func field(_ node: Node, name: String, what: String) throws(ScenarioError) -> FieldPattern {
        let entries = try self.mapping(
            node, what, allowed: ["tag", "type", "constant", "walk", "sine", "counter", "track"])
        let tag = try self.integer(entries["tag"], "\(what): tag", minimum: 1)
        guard tag <= 255 else { throw self.fail(entries["tag"], "\(what): tag must be 1...255") }
        let typeName = try self.string(entries["type"], "\(what): type")
        guard let type = FieldType(name: typeName), type != .bytes else {
            throw self.fail(entries["type"], "\(what): type must be a DFP/1 number type, bool or str")
        }
        let patterns = ["constant", "walk", "sine", "counter", "track"].filter { entries[$0] != nil }
        guard patterns.count == 1, let kind = patterns.first, let spec = entries[kind] else {
            throw self.fail(node, "\(what): give exactly one of constant, walk, sine, counter, track")
        }
        let pattern: ValuePattern
        switch kind {
        case "constant":
            pattern = .constant(
                type == .bool
                    ? (try self.bool(spec, "\(what): constant") ? 1 : 0) : try self.number(spec, "\(what): constant"))
        case "walk":
            pattern = .randomWalk(try self.bounds(spec, what: "\(what): walk"))
        case "sine":
            let sine = try self.mapping(spec, "\(what): sine", allowed: ["min", "max", "period"])
            let low = try self.number(sine["min"], "\(what): sine: min")
            let high = try self.number(sine["max"], "\(what): sine: max")
            guard low <= high else { throw self.fail(spec, "\(what): sine: min must not exceed max") }
            pattern = .sine(low...high, period: try self.duration(sine["period"], "\(what): sine: period"))
        case "counter":
            let counter = try self.mapping(spec, "\(what): counter", allowed: ["start", "step"])
            pattern = .counter(
                start: try counter["start"].map { node throws(ScenarioError) in
                    try self.number(node, "\(what): counter: start")
                } ?? 0,
                step: try counter["step"].map { node throws(ScenarioError) in
                    try self.number(node, "\(what): counter: step")
                } ?? 1)
        default:
            let track = try self.mapping(spec, "\(what): track", allowed: ["center", "radius", "period", "axis"])
            guard let axis = ValuePattern.TrackAxis(rawValue: try self.string(track["axis"], "\(what): track: axis"))
            else {
                throw self.fail(track["axis"], "\(what): track: axis must be latitude or longitude")
            }
            pattern = .track(
                center: try self.number(track["center"], "\(what): track: center"),
                radius: try self.number(track["radius"], "\(what): track: radius"),
                period: try self.duration(track["period"], "\(what): track: period"), axis: axis)
        }
        return FieldPattern(name: name, tag: UInt8(tag), type: type, pattern: pattern)
    }

    /// `[low, high]`
    func bounds(_ node: Node, what: String) throws(ScenarioError) -> ClosedRange<Double> {
        guard let items = node.sequence, items.count == 2 else { throw self.fail(node, "\(what) must be [low, high]") }
        let low = try self.number(items[0], what)
        let high = try self.number(items[1], what)
        guard low <= high else { throw self.fail(node, "\(what): low must not exceed high") }
        return low...high
    }

    func expectations(_ node: Node) throws(ScenarioError) -> Expectations {
        let entries = try self.mapping(
            node, "expect", allowed: ["min_connected", "max_errors", "max_p99_ack_ms", "min_commands_answered"])
        return Expectations(
            minConnected: try entries["min_connected"].map { node throws(ScenarioError) in
                try self.integer(node, "expect: min_connected")
            },
            maxErrors: try entries["max_errors"].map { node throws(ScenarioError) in
                try self.integer(node, "expect: max_errors")
            },
            maxP99AckLatencyMs: try entries["max_p99_ack_ms"].map { node throws(ScenarioError) in
                try self.number(node, "expect: max_p99_ack_ms")
            },
            minCommandsAnswered: try entries["min_commands_answered"].map { node throws(ScenarioError) in
                try self.integer(node, "expect: min_commands_answered")
            }
        )
    }
}
