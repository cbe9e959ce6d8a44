#if hasFeature(Embedded)
// The WebAssembly render mode's body evaluation: Embedded Swift has no Observation, so it tracks
// nothing. A component re-renders after its own event handlers, an `EventCallback` it created or
// `stateHasChanged()`, as a Blazor component does; Renderer+Observation.swift is the server's.

extension Renderer {
    /// Runs a component's body, with callbacks and bindings made there knowing their component.
    func evaluateBody(of record: Mounted) -> Content {
        let outer = RenderingComponent.current
        RenderingComponent.current = RenderingComponent(record.instance)
        defer { RenderingComponent.current = outer }
        return record.instance.body
    }
}
#endif
