enum _PlaceholderTetherTesting {}
