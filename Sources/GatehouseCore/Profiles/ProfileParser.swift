import DFP
import Foundation
import Yams

/// Turns one profile file's YAML into a `DeviceProfile`, rejecting anything a firmware author may have mistyped
/// (unknown keys, unknown types, tags out of range, duplicate names, ...) with an error that names the file, the
/// line and column, and the problem.
struct ProfileParser {
    private static let fieldKeys = ["name", "type", "unit", "scale"]
    private static let argumentKeys = ["tag", "type", "unit", "scale"]
    private static let tagRange = 1...Int(UInt8.max)
    private static let eventCodeRange = 0...Int(UInt16.max)

    /// The file's path, as it appears in error messages.
    private let file: String

    init(file: String) {
        self.file = file
    }

    func profile(named name: String, yaml: String) throws(ProfileError) -> DeviceProfile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw syntaxError(error)
        }
        // An empty file describes a device with nothing to name, which is valid.
        guard let root else { return DeviceProfile(name: name) }
        let sections = try entries(
            of: root, in: "", allowedKeys: ["description", "telemetry", "events", "commands"])
        var profile = DeviceProfile(name: name)
        if let description = sections["description"] {
            profile.description = try string(description, in: "description")
        }
        if let telemetry = sections["telemetry"] {
            profile.telemetry = try fieldSpecs(telemetry, in: "telemetry")
        }
        if let events = sections["events"] {
            let eventSections = try entries(of: events, in: "events", allowedKeys: ["codes", "fields"])
            if let codes = eventSections["codes"] {
                profile.eventCodes = try eventCodes(codes)
            }
            if let fields = eventSections["fields"] {
                profile.eventFields = try fieldSpecs(fields, in: "events.fields")
            }
        }
        if let commands = sections["commands"] {
            profile.commands = try commandSpecs(commands)
        }
        return profile
    }

    // MARK: - Sections

    /// A `tag -> { name, type, unit?, scale? }` mapping, as used by telemetry, event fields and command results.
    private func fieldSpecs(_ node: Node, in section: String) throws(ProfileError) -> [UInt8: FieldSpec] {
        var specs: [UInt8: FieldSpec] = [:]
        var tagsByName: [String: String] = [:]
        for (key, value) in try pairs(of: node, in: section) {
            let tag = try UInt8(integer(key, in: section, noun: "tag", range: Self.tagRange))
            guard specs[tag] == nil else { throw error("tag \(tag) is defined twice", at: key, in: section) }
            let context = "\(section) tag \(tag)"
            let properties = try entries(of: value, in: context, allowedKeys: Self.fieldKeys)
            let nameNode = try required("name", in: properties, of: value, in: context)
            let name = try self.name(nameNode, in: context)
            try claim(name, for: "tag \(tag)", in: &tagsByName, at: nameNode, in: context)
            let valueType = try valueType(properties, of: value, in: context)
            specs[tag] = FieldSpec(name: name, type: valueType.type, unit: valueType.unit, scale: valueType.scale)
        }
        return specs
    }

    /// An `event code -> name` mapping.
    private func eventCodes(_ node: Node) throws(ProfileError) -> [UInt16: String] {
        let section = "events.codes"
        var names: [UInt16: String] = [:]
        var codesByName: [String: String] = [:]
        for (key, value) in try pairs(of: node, in: section) {
            let code = try UInt16(integer(key, in: section, noun: "event code", range: Self.eventCodeRange))
            guard names[code] == nil else { throw error("event code \(code) is defined twice", at: key, in: section) }
            let context = "\(section) code \(code)"
            let name = try self.name(value, in: context)
            try claim(name, for: "code \(code)", in: &codesByName, at: value, in: context)
            names[code] = name
        }
        return names
    }

    /// A `command name -> { args?, result? }` mapping.
    private func commandSpecs(_ node: Node) throws(ProfileError) -> [String: CommandSpec] {
        var commands: [String: CommandSpec] = [:]
        for (key, value) in try pairs(of: node, in: "commands") {
            let name = try self.name(key, in: "commands")
            // The name travels in a str8.
            guard name.utf8.count <= Int(UInt8.max) else {
                throw error("command name is longer than 255 bytes", at: key, in: "commands")
            }
            let context = "command \(name)"
            // A command without arguments or result may be written as just `locate:`.
            guard !isNull(value) else {
                commands[name] = CommandSpec()
                continue
            }
            let parts = try entries(of: value, in: context, allowedKeys: ["args", "result"])
            var command = CommandSpec()
            if let arguments = parts["args"] {
                command.arguments = try argumentSpecs(arguments, in: context)
            }
            if let result = parts["result"] {
                command.result = try fieldSpecs(result, in: "\(context) result")
            }
            commands[name] = command
        }
        return commands
    }

    /// An `argument name -> { tag, type, unit?, scale? }` mapping.
    private func argumentSpecs(_ node: Node, in command: String) throws(ProfileError) -> [String: ArgumentSpec] {
        var arguments: [String: ArgumentSpec] = [:]
        var argumentsByTag: [UInt8: String] = [:]
        for (key, value) in try pairs(of: node, in: "\(command) args") {
            let name = try self.name(key, in: "\(command) args")
            let context = "\(command) argument \(name)"
            let properties = try entries(of: value, in: context, allowedKeys: Self.argumentKeys)
            let tagNode = try required("tag", in: properties, of: value, in: context)
            let tag = try UInt8(integer(tagNode, in: context, noun: "tag", range: Self.tagRange))
            if let other = argumentsByTag[tag] {
                throw error("tag \(tag) is already used by argument \(other)", at: tagNode, in: context)
            }
            argumentsByTag[tag] = name
            let valueType = try valueType(properties, of: value, in: context)
            arguments[name] = ArgumentSpec(
                tag: tag, type: valueType.type, unit: valueType.unit, scale: valueType.scale)
        }
        return arguments
    }

    /// The `type`, `unit` and `scale` that fields and arguments share.
    private func valueType(
        _ properties: [String: Node], of node: Node, in context: String
    ) throws(ProfileError) -> (type: FieldType, unit: String?, scale: Double?) {
        let typeNode = try required("type", in: properties, of: node, in: context)
        let typeName = try string(typeNode, in: context)
        guard let type = FieldType(name: typeName) else {
            let known = FieldType.allCases.map(\.description).joined(separator: ", ")
            throw error("unknown type \"\(typeName)\" (expected one of \(known))", at: typeNode, in: context)
        }
        let unit = try properties["unit"].map { node throws(ProfileError) in try string(node, in: context) }
        guard let scaleNode = properties["scale"] else { return (type, unit, nil) }
        guard let scale = scaleNode.scalar.flatMap(Double.construct) else {
            throw error("scale \"\(scaleNode.scalar?.string ?? "")\" is not a number", at: scaleNode, in: context)
        }
        guard scale.isFinite, scale != 0 else {
            throw error("scale must be a finite, non-zero number, not \(scale)", at: scaleNode, in: context)
        }
        guard type.isNumeric else {
            throw error("scale applies only to numbers, not to \(type)", at: scaleNode, in: context)
        }
        return (type, unit, scale)
    }

    // MARK: - Nodes

    /// The values of a mapping with fixed keys, by key. A key outside `allowedKeys` is an error (it is most
    /// likely a typo such as `scael`); a key with an empty value counts as absent.
    private func entries(
        of node: Node, in context: String, allowedKeys: [String]
    ) throws(ProfileError) -> [String: Node] {
        let expected = allowedKeys.joined(separator: ", ")
        var entries: [String: Node] = [:]
        for (key, value) in try pairs(of: node, in: context, expecting: expected) {
            let keyName = key.scalar?.string ?? ""
            guard allowedKeys.contains(keyName) else {
                throw error("unknown key \"\(keyName)\" (expected one of \(expected))", at: key, in: context)
            }
            if !isNull(value) {
                entries[keyName] = value
            }
        }
        return entries
    }

    private func pairs(
        of node: Node, in context: String, expecting contents: String? = nil
    ) throws(ProfileError) -> [(key: Node, value: Node)] {
        guard let mapping = node.mapping else {
            let what = contents.map { "a mapping with \($0)" } ?? "a mapping"
            throw error("expected \(what)", at: node, in: context)
        }
        return Array(mapping)
    }

    private func required(
        _ key: String, in entries: [String: Node], of node: Node, in context: String
    ) throws(ProfileError) -> Node {
        guard let value = entries[key] else { throw error("missing \"\(key)\"", at: node, in: context) }
        return value
    }

    private func string(_ node: Node, in context: String) throws(ProfileError) -> String {
        guard let scalar = node.scalar else { throw error("expected a single value", at: node, in: context) }
        return scalar.string
    }

    /// A name: what consumers see as a key, so it must say something.
    private func name(_ node: Node, in context: String) throws(ProfileError) -> String {
        let name = try string(node, in: context)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error("name must not be empty", at: node, in: context)
        }
        return name
    }

    /// Records that `owner` (such as "tag 3") has `name`, rejecting a name that another owner already has: two
    /// fields with one name would overwrite each other wherever values are keyed by name.
    private func claim(
        _ name: String, for owner: String, in owners: inout [String: String], at node: Node, in context: String
    ) throws(ProfileError) {
        if let other = owners[name] {
            throw error("name \"\(name)\" is already used by \(other)", at: node, in: context)
        }
        owners[name] = owner
    }

    private func integer(
        _ node: Node, in context: String, noun: String, range: ClosedRange<Int>
    ) throws(ProfileError) -> Int {
        let text = node.scalar?.string ?? ""
        guard let integer = node.int else {
            throw error("\(noun) \"\(text)\" is not an integer (expected \(range))", at: node, in: context)
        }
        guard range.contains(integer) else {
            throw error("\(noun) \(integer) is out of range (expected \(range))", at: node, in: context)
        }
        return integer
    }

    private func isNull(_ node: Node) -> Bool {
        node.null != nil
    }

    // MARK: - Errors

    private func error(_ problem: String, at node: Node, in context: String) -> ProfileError {
        ProfileError(
            file: file, line: node.mark?.line, column: node.mark?.column,
            problem: context.isEmpty ? problem : "\(context): \(problem)")
    }

    private func syntaxError(_ error: any Error) -> ProfileError {
        guard let yamlError = error as? YamlError else {
            return ProfileError(file: file, problem: "cannot parse the YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let circumstance = context.map { "\($0.text): " } ?? ""
            return ProfileError(
                file: file, line: mark.line, column: mark.column,
                problem: "YAML syntax error: \(circumstance)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return ProfileError(
                file: file, line: context.mark.line, column: context.mark.column,
                problem: "YAML error: duplicate key \(keys) in the mapping that starts here")
        default:
            return ProfileError(file: file, problem: "YAML error: \(yamlError)")
        }
    }
}
