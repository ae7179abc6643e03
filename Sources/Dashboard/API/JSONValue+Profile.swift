import DFP
import GatehouseCore

extension JSONValue {
    /// A profile as `GET /api/profiles` shows it: what the page needs for units and command forms.
    init(_ profile: DeviceProfile) {
        func field(_ spec: FieldSpec) -> JSONValue {
            .object([
                ("name", .string(spec.name)), ("type", .string(spec.type.description)), ("unit", JSONValue(spec.unit)),
                ("scale", spec.scale.map(JSONValue.double) ?? .null),
            ])
        }
        func fields(_ specs: [UInt8: FieldSpec]) -> JSONValue {
            .object(specs.sorted { $0.key < $1.key }.map { (String($0.key), field($0.value)) })
        }
        let commands: [(String, JSONValue)] = profile.commands.sorted { $0.key < $1.key }.map { name, command in
            let arguments: [(String, JSONValue)] = command.arguments.sorted { $0.value.tag < $1.value.tag }.map {
                name,
                argument in
                (
                    name,
                    .object([
                        ("tag", .int(Int64(argument.tag))), ("type", .string(argument.type.description)),
                        ("unit", JSONValue(argument.unit)), ("scale", argument.scale.map(JSONValue.double) ?? .null),
                    ])
                )
            }
            return (name, .object([("args", .object(arguments)), ("result", fields(command.result))]))
        }
        self = .object([
            ("name", .string(profile.name)),
            ("description", JSONValue(profile.description)),
            ("telemetry", fields(profile.telemetry)),
            (
                "events",
                .object([
                    (
                        "codes",
                        .object(
                            profile.eventCodes.sorted { $0.key < $1.key }.map { (String($0.key), .string($0.value)) })
                    ),
                    ("fields", fields(profile.eventFields)),
                ])
            ),
            ("commands", .object(commands)),
        ])
    }
}
