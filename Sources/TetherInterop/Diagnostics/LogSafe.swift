#if !hasFeature(Embedded)
import Logging
#endif

/// Text a browser chose, made fit for a log line or an error message.
///
/// A browser controls message kinds, method names, URLs and handler ids. Written raw, a newline
/// forges a whole log line and a megabyte string floods the log, so every such string goes
/// through here: control, line-separator and bidirectional-override characters become `\u{…}`
/// escapes, a backslash becomes `\\`, and anything past `maxCharacters` is cut with a count.
package enum LogSafe {
    package static let maxCharacters = 160

    package static func clip(_ text: some StringProtocol, maxCharacters: Int = maxCharacters) -> String {
        var out = ""
        var kept = 0
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        while index != scalars.endIndex, kept < maxCharacters {
            append(scalars[index], to: &out)
            kept += 1
            index = scalars.index(after: index)
        }
        if index != scalars.endIndex {
            let rest = scalars[index...].count
            out += "…(\(rest) more)"
        }
        return out
    }

    #if !hasFeature(Embedded)
    /// The same text as log metadata.
    package static func metadata(_ text: some StringProtocol) -> Logger.MetadataValue {
        .string(clip(text))
    }
    #endif

    private static func append(_ scalar: Unicode.Scalar, to out: inout String) {
        if scalar == "\\" {
            out += "\\\\"
        } else if needsEscape(scalar) {
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0 and C1 controls, newline and DEL among them
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F: true  // bidirectional overrides
        default: false
        }
    }
}
