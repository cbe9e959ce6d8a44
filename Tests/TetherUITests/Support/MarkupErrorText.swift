import Testing
import TetherUI

/// The `MarkupError` that `render` fails with, as text; nil when it renders. Any other error is
/// recorded as a test issue: markup problems must surface as `MarkupError`.
func markupErrorText(_ render: () async throws -> Void) async -> String? {
    do {
        try await render()
        return nil
    } catch let error as MarkupError {
        return error.description
    } catch {
        Issue.record("not a MarkupError: \(error)")
        return nil
    }
}
